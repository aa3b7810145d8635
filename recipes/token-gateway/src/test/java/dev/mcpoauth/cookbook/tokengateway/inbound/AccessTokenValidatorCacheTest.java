package dev.mcpoauth.cookbook.tokengateway.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** The client-token validator's cache as the gateway wires it: bounded, and only successes kept. */
class AccessTokenValidatorCacheTest {

    private static final URI ISSUER = URI.create("https://issuer.example/realms/gateway-test");
    private static final String AUDIENCE = "http://localhost:8090/mcp/notes";

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-07T02:00:00Z"), ZoneOffset.UTC);
    private final RSAKey key = generate();
    private final VerifiedTokenCache<JWTClaimsSet> cache = new VerifiedTokenCache<>(2, Duration.ofSeconds(60), clock);
    private final AccessTokenValidator validator = new AccessTokenValidator(ISSUER,
            (selector, context) -> selector.select(new JWKSet(key.toPublicJWK())), AUDIENCE, Duration.ofSeconds(5), null,
            clock, cache);

    @Test
    void keepsNoMoreVerdictsThanItsBound() throws Exception {
        for (String subject : new String[] {"alice", "bob", "carol"}) {
            validator.validate(token(subject, AUDIENCE));
        }

        assertThat(cache.size()).isLessThanOrEqualTo(2);
    }

    @Test
    void keepsNoVerdictOfARefusedToken() throws Exception {
        Throwable refused = catchThrowable(() -> validator.validate(token("alice", "http://localhost:8090/mcp/calendar")));

        assertThat(refused).isInstanceOf(AccessTokenValidator.InvalidTokenException.class);
        assertThat(cache.size()).isZero();
    }

    private String token(String subject, String audience) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER.toString()).audience(audience).subject(subject)
                        .expirationTime(Date.from(clock.instant().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID("key-1").generate();
        } catch (JOSEException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
