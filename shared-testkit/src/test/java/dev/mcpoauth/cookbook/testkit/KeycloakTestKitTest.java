package dev.mcpoauth.cookbook.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent.AuthorizationPageException;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakExtension;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.tokens.TokenForge;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The kit's own end-to-end check against the real Keycloak it starts. */
@ExtendWith(KeycloakExtension.class)
class KeycloakTestKitTest {

    private static final String API = "http://localhost:9/api";
    private static final UserCredentials USER = new UserCredentials("kit-user", "kit-user-password");

    private static Realm realm;

    @BeforeAll
    static void importRealm(KeycloakServer keycloak) {
        realm = keycloak.importRealm(Path.of("src/test/resources/testkit-realm.json"), Map.of("API_URL", API));
    }

    @Test
    void logsInThroughTheRealLoginAndConsentPagesWithPkce() throws Exception {
        HeadlessUserAgent agent = new HeadlessUserAgent();

        Tokens tokens = AuthorizationCodeFlow.with(realm, "kit-client").resource(URI.create(API)).run(agent, USER);

        JWTClaimsSet claims = verifier().process(tokens.accessToken(), null);
        assertThat(claims.getIssuer()).isEqualTo(realm.issuer().toString());
        assertThat(claims.getAudience()).contains(API);
        assertThat(claims.getSubject()).isNotBlank();
        assertThat(tokens.refreshToken()).isNotNull();
        // Keycloak's session cookies are Secure even on http://localhost; the jar still sends them back.
        assertThat(agent.cookies().cookieNames(realm.issuer().resolve(realm.issuer().getPath() + "/x")))
                .contains("KEYCLOAK_IDENTITY");
    }

    @Test
    void reportsTheLoginPageErrorForAWrongPassword() {
        assertThatThrownBy(() -> AuthorizationCodeFlow.with(realm, "kit-client")
                .run(new HeadlessUserAgent(), new UserCredentials("kit-user", "wrong")))
                .isInstanceOf(AuthorizationPageException.class)
                .hasMessageContaining("Invalid username or password");
    }

    @Test
    void forgedTokensAreTrustedByTheRealmJwksOnlyWhenSignedWithTheRegisteredKey() throws Exception {
        TokenForge forge = TokenForge.trustedBy(realm);

        JWTClaimsSet claims = verifier().process(forge.valid(API, "someone", "api"), null);
        assertThat(claims.getSubject()).isEqualTo("someone");

        assertThatThrownBy(() -> verifier().process(forge.unknownKid(API, "someone", "api"), null))
                .isInstanceOf(BadJOSEException.class);
        assertThatThrownBy(() -> verifier().process(forge.tampered(API, "someone", "api", "admin"), null))
                .isInstanceOf(BadJOSEException.class);
        assertThatThrownBy(() -> verifier().process(forge.hs256WithPublicKey(API, "someone", "api"), null))
                .isInstanceOf(BadJOSEException.class);
    }

    private static DefaultJWTProcessor<SecurityContext> verifier() throws Exception {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                JWKSourceBuilder.create(realm.jwksUri().toURL()).build()));
        return processor;
    }
}
