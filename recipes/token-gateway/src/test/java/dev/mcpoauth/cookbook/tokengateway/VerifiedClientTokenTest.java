package dev.mcpoauth.cookbook.tokengateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway keeps the verdict on a client token it has verified ({@code inbound.VerifiedTokenCache}); these are
 * the three ways a kept verdict must still end, over HTTP. Each test has the token accepted first (so its verdict is
 * kept), then changes one thing and expects the refusal the gateway gives without the cache. A PUT is used because
 * the gateway answers it 405 right after the client token check: 405 means the token was accepted, with no
 * authorization server or backend involved. The issuer's keys are a set the test changes at will, so a removed key
 * is gone at once, without waiting for a JWKS cache to expire.
 */
class VerifiedClientTokenTest {

    private static final URI ISSUER = URI.create("https://issuer.example/realms/gateway-test");
    /** Short, so a verdict kept past exp would still be well within the cache's 60 s maxAge. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(20);

    private final HandMovedClock clock = new HandMovedClock();
    private final AtomicReference<JWKSet> issuerKeys = new AtomicReference<>();
    private RSAKey signingKey;
    private GatewayConfig config;
    private TokenGateway gateway;
    private URI notes;

    @BeforeEach
    void startGateway() throws JOSEException {
        signingKey = new RSAKeyGenerator(2048).keyID("key-1").generate();
        issuerKeys.set(new JWKSet(signingKey.toPublicJWK()));
        URI base = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        config = new GatewayConfig(base, ISSUER, URI.create(ISSUER + "/certs"), URI.create(ISSUER + "/token"), "secret",
                Map.of("notes", Backend.at("notes", URI.create("http://localhost:1/mcp"))),
                Path.of("gateway-policy.json"), CLOCK_SKEW, "mcp:tools", List.of(), 10_000, Duration.ofMinutes(1),
                Duration.ofSeconds(5), Duration.ofSeconds(10), "127.0.0.1");
        JWKSource<SecurityContext> keys = (selector, context) -> selector.select(issuerKeys.get());
        gateway = TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()), clock, keys);
        notes = config.resource(config.backends().get("notes"));
    }

    @AfterEach
    void stopGateway() {
        gateway.stop();
    }

    @Test
    void anAcceptedTokenIsRefusedOnceItsExpHasPassed() throws JOSEException {
        String token = token(signingKey);
        expectAccepted(token);

        clock.advance(TOKEN_LIFETIME.plus(CLOCK_SKEW).plusSeconds(1));

        expectRefused(token);
    }

    @Test
    void anAcceptedTokenWithOneSignatureCharacterChangedIsRefused() throws JOSEException {
        String token = token(signingKey);
        expectAccepted(token);
        int inSignature = token.lastIndexOf('.') + 10;
        char changed = token.charAt(inSignature) == 'A' ? 'B' : 'A';

        expectRefused(token.substring(0, inSignature) + changed + token.substring(inSignature + 1));
    }

    @Test
    void anAcceptedTokenIsRefusedOnceItsKeyLeavesTheKeySet() throws JOSEException {
        String token = token(signingKey);
        expectAccepted(token);

        issuerKeys.set(new JWKSet(new RSAKeyGenerator(2048).keyID("key-2").generate().toPublicJWK()));

        expectRefused(token);
    }

    @Test
    void anAcceptedTokenIsRefusedOnceItsKidNamesAnotherKey() throws JOSEException {
        String token = token(signingKey);
        expectAccepted(token);

        issuerKeys.set(new JWKSet(new RSAKeyGenerator(2048).keyID("key-1").generate().toPublicJWK()));

        expectRefused(token);
    }

    private String token(RSAKey key) throws JOSEException {
        Instant now = clock.instant();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience(notes.toString()).subject("alice")
                        .claim("azp", "mcp-client").claim("scope", "mcp:tools")
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(TOKEN_LIFETIME))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private void expectAccepted(String token) {
        given().header("Authorization", "Bearer " + token).when().put(notes).then().statusCode(405);
    }

    private void expectRefused(String token) {
        given().header("Authorization", "Bearer " + token).when().put(notes).then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""));
    }
}
