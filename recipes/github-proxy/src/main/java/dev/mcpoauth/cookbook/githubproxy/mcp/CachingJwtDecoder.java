package dev.mcpoauth.cookbook.githubproxy.mcp;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * Spring Security's {@code NimbusJwtDecoder}, asked once per token instead of once per request: a token it accepted is
 * answered from a {@link VerifiedTokenCache} until the token's {@code exp} (at most {@code maxAge}), and only while the
 * very key that verified it is still in the JWKS the decoder trusts. Everything else (a new token, a token with one
 * byte changed, a token whose key left the JWKS) goes through the full check, whose verdict alone decides.
 *
 * <p>Which key verified a token: the decoder's key selector asks the {@link KeyRecordingJwkSource} for the keys that
 * match the token's header; when exactly one matched and the decoder then accepted the token, that key verified it.
 * When several matched (no {@code kid}, say), the verdict is not kept: nothing would say which key to watch.
 */
final class CachingJwtDecoder implements JwtDecoder {

    private final JwtDecoder decoder;
    private final KeyRecordingJwkSource keys;
    private final VerifiedTokenCache<Jwt> verified;
    /** Every key the JWK source holds: what {@link #stillTrusted} asks for on each cache hit. */
    private static final JWKSelector ALL_KEYS = new JWKSelector(new JWKMatcher.Builder().build());

    /**
     * RFC 7638 thumbprints of the JWKS's keys, computed once per key object the JWKS cache holds: keyed by identity,
     * since a JWK's own equals and hashCode walk all of its fields, on every request.
     */
    private final Map<KeyObject, String> thumbprints = new ConcurrentHashMap<>();

    /**
     * @param decoder  the full check, built on {@code keys}
     * @param keys     the JWK source {@code decoder} selects its keys from
     * @param verified where accepted tokens are kept
     */
    CachingJwtDecoder(JwtDecoder decoder, KeyRecordingJwkSource keys, VerifiedTokenCache<Jwt> verified) {
        this.decoder = decoder;
        this.keys = keys;
        this.verified = verified;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt known = verified.find(token, this::stillTrusted).orElse(null);
        if (known != null) {
            return known;
        }
        keys.startRecording();
        try {
            Jwt jwt = decoder.decode(token); // throws for every refusal: nothing refused is kept
            List<JWK> candidates = keys.recorded();
            if (candidates.size() == 1 && jwt.getExpiresAt() != null) {
                verified.remember(token, jwt, jwt.getExpiresAt(), thumbprint(candidates.get(0)));
            }
            return jwt;
        } finally {
            keys.stopRecording();
        }
    }

    /** The key is still one the JWKS cache holds: the same answer the full check would get from it now. */
    private boolean stillTrusted(String thumbprint) {
        List<JWK> current;
        try {
            current = keys.get(ALL_KEYS, null);
        } catch (KeySourceException unavailable) {
            return false; // the full check decides, with the JWK source's own failure handling
        }
        for (JWK key : current) {
            if (thumbprint.equals(thumbprint(key))) {
                return true;
            }
        }
        return false;
    }

    private String thumbprint(JWK key) {
        if (thumbprints.size() > 100) {
            thumbprints.clear(); // keys rotated away many times over: start again rather than grow
        }
        return thumbprints.computeIfAbsent(new KeyObject(key), object -> computeThumbprint(object.key()));
    }

    /** A JWK compared by identity: the same object the JWKS cache handed out before. */
    private record KeyObject(JWK key) {
        @Override
        public boolean equals(Object other) {
            return other instanceof KeyObject object && object.key == key;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(key);
        }
    }

    private static String computeThumbprint(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException noSha256) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", noSha256);
        }
    }

    /**
     * The JWK source the decoder selects its verification keys from, which can tell, on the thread that asked,
     * which keys it handed out while recording.
     */
    static final class KeyRecordingJwkSource implements JWKSource<SecurityContext> {

        private final JWKSource<SecurityContext> source;
        private final ThreadLocal<List<JWK>> recorded = new ThreadLocal<>();

        KeyRecordingJwkSource(JWKSource<SecurityContext> source) {
            this.source = source;
        }

        @Override
        public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
            List<JWK> found = source.get(selector, context);
            if (recorded.get() != null) {
                recorded.set(found);
            }
            return found;
        }

        void startRecording() {
            recorded.set(List.of());
        }

        /** The keys the last selection on this thread returned since {@link #startRecording()}. */
        List<JWK> recorded() {
            List<JWK> found = recorded.get();
            return found == null ? List.of() : found;
        }

        void stopRecording() {
            recorded.remove();
        }
    }
}
