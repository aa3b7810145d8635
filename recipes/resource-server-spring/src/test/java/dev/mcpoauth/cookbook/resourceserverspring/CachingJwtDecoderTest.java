package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
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
import dev.mcpoauth.cookbook.resourceserverspring.CachingJwtDecoder.KeyRecordingJwkSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

class CachingJwtDecoderTest {

    private final RSAKey signingKey = newKey("key-1");
    private final AtomicReference<JWKSet> published = new AtomicReference<>(new JWKSet(signingKey.toPublicJWK()));
    private final AtomicInteger fullChecks = new AtomicInteger();
    private final CachingJwtDecoder decoder = decoder();

    @Test
    void checksARepeatedTokenInFullOnlyOnce() {
        String token = sign(signingKey, Instant.now().plusSeconds(300));

        decoder.decode(token);
        decoder.decode(token);

        assertThat(fullChecks).hasValue(1);
    }

    @Test
    void refusesTheSameTokenWithOneSignatureCharacterChangedAfterAcceptingIt() {
        String token = sign(signingKey, Instant.now().plusSeconds(300));
        decoder.decode(token);

        assertThatThrownBy(() -> decoder.decode(withSignatureCharacterChanged(token))).isInstanceOf(JwtException.class);
    }

    @Test
    void refusesAnAcceptedTokenOnceItsKeyLeftTheJwks() {
        String token = sign(signingKey, Instant.now().plusSeconds(300));
        decoder.decode(token);

        published.set(new JWKSet(newKey("key-2").toPublicJWK()));

        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtException.class);
    }

    @Test
    void refusesAnAcceptedTokenOnceItsKidNamesAnotherKey() {
        String token = sign(signingKey, Instant.now().plusSeconds(300));
        decoder.decode(token);

        published.set(new JWKSet(newKey("key-1").toPublicJWK())); // same kid, another key

        assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtException.class);
    }

    @Test
    void checksARefusedTokenInFullEachTime() {
        String token = sign(newKey("key-1"), Instant.now().plusSeconds(300)); // signed by a key nobody published

        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtException.class);
        }

        assertThat(fullChecks).hasValue(2);
    }

    private CachingJwtDecoder decoder() {
        JWKSource<SecurityContext> source = (selector, context) -> selector.select(published.get());
        KeyRecordingJwkSource keys = new KeyRecordingJwkSource(source);
        NimbusJwtDecoder nimbus = NimbusJwtDecoder.withJwkSource(keys).build();
        JwtDecoder counting = token -> {
            fullChecks.incrementAndGet();
            return nimbus.decode(token);
        };
        return new CachingJwtDecoder(counting, keys, new VerifiedTokenCache<>(10, Duration.ofSeconds(60), Clock.systemUTC()));
    }

    private static String sign(RSAKey key, Instant expiry) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                    new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(expiry)).build());
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A character in the middle of the signature: the last one may carry only padding bits. */
    private static String withSignatureCharacterChanged(String token) {
        int at = token.lastIndexOf('.') + 10;
        char changed = token.charAt(at) == 'A' ? 'B' : 'A';
        return token.substring(0, at) + changed + token.substring(at + 1);
    }

    private static RSAKey newKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
