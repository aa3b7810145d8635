package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.IdpRequests.SignInTokens;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import io.restassured.response.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Whatever ends a sign-in at the IdP ends the ID-JAGs its ID token could get: revoking its refresh token, revoking its
 * ID token, and the user signing out (OpenID Connect RP-initiated logout). Without this, a client the user signed out
 * of could go on reaching MCP servers for the refresh token's eight hours. And only an ID token counts as a subject
 * token: the same sign-in's access token and refresh token are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class SignInEndsTest {

    private EnterpriseSetup setup;

    @BeforeAll
    void start() throws Exception {
        setup = EnterpriseSetup.shared();
    }

    private Response exchange(String subjectToken) {
        return IdpRequests.post(IdpRequests.exchange(setup, subjectToken, setup.notesUrl(), "mcp:tools"));
    }

    private static void assertInvalidGrant(Response response, String description) {
        response.then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo(description))
                .body("$", not(org.hamcrest.Matchers.hasKey("access_token")));
    }

    @Test
    void theSignInsAccessTokenAndRefreshTokenAreNotIdTokens() throws Exception {
        SignInTokens tokens = IdpRequests.signIn(setup, new HeadlessUserAgent(), EnterpriseSetup.ALICE);
        IdpRequests.idJag(setup, tokens.idToken(), setup.notesUrl(), "mcp:tools");

        assertInvalidGrant(exchange(tokens.accessToken()), "The subject_token is not an ID token of a current sign-in at this IdP");
        assertInvalidGrant(exchange(tokens.refreshToken()), "The subject_token is not an ID token of a current sign-in at this IdP");
    }

    @Test
    void aRevokedRefreshTokenEndsTheSignIn() throws Exception {
        SignInTokens tokens = IdpRequests.signIn(setup, new HeadlessUserAgent(), EnterpriseSetup.ALICE);
        IdpRequests.idJag(setup, tokens.idToken(), setup.notesUrl(), "mcp:tools");

        IdpRequests.revoke(setup, tokens.refreshToken());

        assertInvalidGrant(exchange(tokens.idToken()), "The sign-in was revoked: sign in again");
    }

    @Test
    void aRevokedIdTokenGetsNoMoreIdJags() throws Exception {
        SignInTokens tokens = IdpRequests.signIn(setup, new HeadlessUserAgent(), EnterpriseSetup.ALICE);

        IdpRequests.revoke(setup, tokens.idToken());

        assertInvalidGrant(exchange(tokens.idToken()), "The ID token has expired or was revoked: sign in again");
    }

    @Test
    void signingOutEndsTheSignInItsIdTokenAndItsRefreshToken(CapturedOutput output) throws Exception {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        SignInTokens tokens = IdpRequests.signIn(setup, browser, EnterpriseSetup.ALICE);
        SignInTokens otherSignIn = IdpRequests.signIn(setup, new HeadlessUserAgent(), EnterpriseSetup.ALICE);

        var logout = browser.get(URI.create(setup.idpIssuer + "/connect/logout?id_token_hint="
                + URLEncoder.encode(tokens.idToken(), StandardCharsets.US_ASCII)));
        assertThat(logout.statusCode()).isLessThan(400);

        assertInvalidGrant(exchange(tokens.idToken()), "The subject_token is not an ID token of a current sign-in at this IdP");
        IdpRequests.refresh(setup, tokens.refreshToken()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        assertThat(output.getOut()).contains("\"event\":\"signed_out\"", "\"user\":\"alice\"");
        // Another sign-in of the same user (another device) goes on.
        IdpRequests.idJag(setup, otherSignIn.idToken(), setup.notesUrl(), "mcp:tools");
    }
}
