package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagExchangeProvider;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin.EnterpriseSignIn;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.time.AheadClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * The enterprise's policy is asked at every exchange with the directory as it is now, not as it was at sign-in: a user
 * moved out of the allowed group, or disabled, gets no further ID-JAG although their ID token is still valid; and the
 * client renews an ID token about to expire with its refresh token, the replaced one then worth nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectoryChangesTest {

    private EnterpriseSetup setup;
    private InMemoryUserDetailsManager directory;

    @BeforeAll
    void start() throws Exception {
        setup = EnterpriseSetup.shared();
        directory = setup.idp.getBean(InMemoryUserDetailsManager.class);
    }

    /** Runs {@code test} with carol changed to {@code changed}, then puts carol back as she was. */
    private void withCarolAs(UserDetails changed, Runnable test) {
        UserDetails carol = directory.loadUserByUsername("carol");
        directory.updateUser(changed);
        try {
            test.run();
        } finally {
            directory.updateUser(carol);
        }
    }

    private String carolsIdToken() {
        return setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.CAROL, setup.atTheIdp(), step -> { }).get();
    }

    @Test
    void aUserMovedOutOfTheAllowedGroupAfterSigningInGetsNoMoreIdJags() {
        String idToken = carolsIdToken();
        IdpRequests.idJag(setup, idToken, setup.notesUrl(), "mcp:tools");
        UserDetails carol = directory.loadUserByUsername("carol");
        withCarolAs(User.withUserDetails(carol).authorities(IdJagExchangeProvider.GROUP_PREFIX + "sales").build(), () ->
                IdpRequests.post(IdpRequests.exchange(setup, idToken, setup.notesUrl(), "mcp:tools")).then().statusCode(400)
                        .body("error", equalTo("invalid_target"))
                        .body("error_description", equalTo("The enterprise's policy does not give carol access to notes")));
    }

    @Test
    void aUserDisabledAfterSigningInGetsNoMoreIdJags() {
        String idToken = carolsIdToken();
        UserDetails carol = directory.loadUserByUsername("carol");
        withCarolAs(User.withUserDetails(carol).disabled(true).build(), () ->
                IdpRequests.post(IdpRequests.exchange(setup, idToken, setup.notesUrl(), "mcp:tools")).then().statusCode(400)
                        .body("error", equalTo("invalid_grant"))
                        .body("error_description", equalTo("The user's account is disabled"))
                        .body("$", not(org.hamcrest.Matchers.hasKey("access_token"))));
    }

    @Test
    void anIdTokenAboutToExpireIsRenewedWithTheRefreshTokenAndTheOldOneIsWorthNothing() throws Exception {
        String otherSession = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, setup.atTheIdp(), step -> { }).get();
        AheadClock clock = new AheadClock();
        EnterpriseSignIn signIn = EnterpriseSignIn.signIn(setup.idpIssuer, setup.atTheIdp(),
                EnterpriseSetup.headless(new HeadlessUserAgent(), EnterpriseSetup.ALICE, new AtomicInteger()), step -> { }, clock);
        String before = signIn.get();
        Assertions.assertThat(signIn.get()).as("still fresh: no renewal").isEqualTo(before);

        clock.advance(Duration.ofMinutes(29).plusSeconds(30)); // of the ID token's 30 minutes
        String renewed = signIn.get();

        Assertions.assertThat(renewed).isNotEqualTo(before);
        Assertions.assertThat(SignedJWT.parse(renewed).getJWTClaimsSet().getSubject()).isEqualTo("alice");
        IdpRequests.idJag(setup, renewed, setup.notesUrl(), "mcp:tools");
        IdpRequests.post(IdpRequests.exchange(setup, before, setup.notesUrl(), "mcp:tools")).then().statusCode(400)
                .body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("The subject_token is not an ID token of a current sign-in at this IdP"));
        IdpRequests.idJag(setup, otherSession, setup.notesUrl(), "mcp:tools"); // another sign-in of alice is untouched
    }
}
