package dev.mcpoauth.cookbook.resourceservermicronaut;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import io.micronaut.security.token.jwt.validator.ExpirationJwtClaimsValidator;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes an access token valid here, as the two beans Micronaut Security's JWT validator (the
 * {@code TokenValidator} {@link McpAuthFilter} calls) asks: it parses the token, has every
 * {@link SignatureConfiguration} bean verify the signature ({@link JwksSignature}, the only one),
 * then every {@link GenericJwtClaimsValidator} bean accept the claims ({@link AccessTokenClaims},
 * plus Micronaut Security's own {@code SubjectNotNullJwtClaimsValidator}: {@code sub} is required).
 * A token that fails any of them is no {@code Authentication}, and the filter answers 401
 * {@code invalid_token}. Nothing here needs configuration beyond {@code mcp.*}.
 */
final class AccessTokenValidation {

    private static final Logger LOG = LoggerFactory.getLogger(AccessTokenValidation.class);

    private AccessTokenValidation() {
    }

    /**
     * Verifies access-token signatures against the authorization server's JWKS: RS256 only (RFC 8725
     * section 3.1: the algorithm is fixed here, never taken from the token), keys cached, an unknown
     * {@code kid} refetching the set at most once per 10 s, the last good keys kept while the
     * authorization server is down.
     *
     * <p>Micronaut Security has its own JWKS support ({@code micronaut.security.token.jwt.signatures.jwks}),
     * but in 4.15.1 it refreshes keys on a timer rather than on an unknown {@code kid}, keeps no last
     * good keys through an outage, and at DEBUG logs every token it verifies. Nimbus'
     * {@link JWKSourceBuilder}, which Micronaut Security already depends on, does what this server needs.
     */
    // tag::jwks[]
    @Singleton
    static final class JwksSignature implements SignatureConfiguration {

        /** RFC 8725 section 3.11 explicit typing: plain JWTs and RFC 9068 access tokens; no typ is accepted too. */
        private static final Set<JOSEObjectType> ACCEPTED_TYPES = Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"));

        /** The keys {@link #stillTrusts} looks through: what {@link JWKMatcher#forJWSHeader} selects for RS256, any kid. */
        private static final JWKMatcher RS256_SIGNING_KEYS = new JWKMatcher.Builder().keyType(KeyType.RSA)
                .keyUses(KeyUse.SIGNATURE, null).algorithms(JWSAlgorithm.RS256, null).build();
        private static final int MAX_KEYS = 64;

        /** A trusted key, ready to verify with. */
        private record TrustedKey(String thumbprint, RSASSAVerifier verifier) {
        }

        private final JWKSource<SecurityContext> keys;
        private final Map<RSAKey, TrustedKey> verifiers = new ConcurrentHashMap<>();

        JwksSignature(McpConfiguration mcp) throws MalformedURLException {
            // Nimbus's default HTTP timeouts (500 ms) can fail a first fetch on a busy host, and the rate limit below
            // would then refuse valid tokens for 10 s: connect 2 s, read 5 s, at most 50 KiB.
            JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(mcp.jwksUri().toURL(),
                            new DefaultResourceRetriever(2_000, 5_000, 50 * 1024))
                    .cache(5 * 60_000, 15_000)     // keys cached 5 min; a fetch may take 15 s
                    .rateLimited(10_000)           // an unknown kid refetches the JWKS at most once per 10 s
                    .outageTolerant(24 * 3600_000) // authorization server down: keep the last good keys
                    .build();
            // Inside the rate-limit window an unknown kid simply has no key: 401 invalid_token, not a server error.
            this.keys = (selector, context) -> {
                try {
                    return cachedKeys.get(selector, context);
                } catch (RateLimitReachedException refetchTooSoon) {
                    return List.of();
                }
            };
        }

        @Override
        public boolean supports(JWSAlgorithm algorithm) {
            return JWSAlgorithm.RS256.equals(algorithm);
        }

        @Override
        public String supportedAlgorithmsMessage() {
            return "Only the RS256 algorithm is supported";
        }

        @Override
        public boolean verify(SignedJWT jwt) throws JOSEException {
            return verifyingKey(jwt).isPresent();
        }

        /**
         * The JWK thumbprint (RFC 7638) of the trusted key that verifies this token's signature, if one does: what
         * a verified-token cache remembers a verified token by.
         */
        Optional<String> verifyingKey(SignedJWT jwt) throws JOSEException {
            JWSHeader header = jwt.getHeader();
            boolean acceptedType = header.getType() == null || ACCEPTED_TYPES.contains(header.getType());
            if (!supports(header.getAlgorithm()) || !acceptedType) {
                return Optional.empty();
            }
            for (JWK jwk : trustedKeys(JWKMatcher.forJWSHeader(header))) {
                TrustedKey key = trusted(jwk);
                if (key != null && jwt.verify(key.verifier())) {
                    return Optional.of(key.thumbprint());
                }
            }
            return Optional.empty();
        }

        /**
         * Whether the key with this thumbprint is still in the key set this server trusts now: the same cached JWKS a
         * full check would use, refreshed when and only when a full check would refresh it.
         */
        boolean stillTrusts(String thumbprint) {
            for (JWK jwk : trustedKeys(RS256_SIGNING_KEYS)) {
                TrustedKey key = trusted(jwk);
                if (key != null && key.thumbprint().equals(thumbprint)) {
                    return true;
                }
            }
            return false;
        }

        private List<JWK> trustedKeys(JWKMatcher matcher) {
            try {
                return keys.get(new JWKSelector(matcher), null);
            } catch (KeySourceException keysUnavailable) {
                // No cached key matches and the JWKS cannot be fetched: nothing to verify with.
                LOG.warn("JWKS unavailable: {}", keysUnavailable.getMessage());
                return List.of();
            }
        }

        /**
         * The public key and verifier of a JWK, made once per key rather than on every request (converting the JWK
         * and setting up the verifier cost as much as a third of the RS256 check). Keyed by the whole JWK, so a key
         * replaced under the same {@code kid} is a new entry; a JWKS holds a handful of keys, so a full map is
         * simply cleared.
         */
        private TrustedKey trusted(JWK jwk) {
            if (!(jwk instanceof RSAKey rsaKey)) {
                return null;
            }
            TrustedKey known = verifiers.get(rsaKey);
            if (known != null) {
                return known;
            }
            try {
                TrustedKey made = new TrustedKey(rsaKey.computeThumbprint().toString(),
                        new RSASSAVerifier(rsaKey.toRSAPublicKey()));
                if (verifiers.size() >= MAX_KEYS) {
                    verifiers.clear();
                }
                verifiers.put(rsaKey, made);
                return made;
            } catch (JOSEException unusableKey) {
                LOG.warn("JWKS key {} is not a usable RSA public key", rsaKey.getKeyID());
                return null;
            }
        }
    }
    // end::jwks[]

    /**
     * The claims a token must carry, checked after its signature. It replaces Micronaut Security's
     * expiry check, which has no clock skew and lets a token without {@code exp} pass; Micronaut
     * Security's issuer check is not used either, because it compares by suffix, ignoring the scheme.
     * This one is strict:
     * <ul>
     *   <li>{@code iss} exactly the configured authorization server (RFC 9068 section 4);</li>
     *   <li>{@code aud} exactly this server's canonical URL and nothing else (RFC 8707; a token also valid
     *       at another resource is one that resource could replay here);</li>
     *   <li>{@code exp} present and not passed, {@code nbf} not ahead, each within the clock skew (RFC 7519
     *       sections 4.1.4 and 4.1.5).</li>
     * </ul>
     */
    // tag::claims[]
    @Singleton
    @Replaces(ExpirationJwtClaimsValidator.class)
    static final class AccessTokenClaims<T> implements GenericJwtClaimsValidator<T> {

        private final String issuer;
        private final List<String> audience;
        private final Duration clockSkew;
        private final Clock clock;

        AccessTokenClaims(McpConfiguration mcp, ValidationClock time) {
            this.issuer = mcp.authorizationServer().toString();
            this.audience = List.of(mcp.resource().toString());
            this.clockSkew = mcp.clockSkew();
            this.clock = time.clock();
        }

        @Override
        public boolean validate(Claims claims, T request) {
            Instant now = clock.instant();
            Instant expiry = instant(claims.get(Claims.EXPIRATION_TIME));
            Instant notBefore = instant(claims.get(Claims.NOT_BEFORE));
            return check(issuer.equals(claims.get(Claims.ISSUER)), "iss is not the configured authorization server")
                    && check(audience.equals(audienceOf(claims.get(Claims.AUDIENCE))), "aud is not exactly this resource")
                    && check(expiry != null, "exp is missing")
                    && check(now.isBefore(expiry.plus(clockSkew)), "expired")
                    && check(notBefore == null || !now.isBefore(notBefore.minus(clockSkew)), "not yet valid");
        }
        // end::claims[]

        /** Why a token was refused, at DEBUG: the reason only, never the token. */
        private static boolean check(boolean passed, String reason) {
            if (!passed) {
                LOG.debug("Access token rejected: {}", reason);
            }
            return passed;
        }

        /** {@code aud} is a string or an array of strings (RFC 7519 section 4.1.3). */
        private static List<?> audienceOf(Object aud) {
            if (aud instanceof String single) {
                return List.of(single);
            }
            return aud instanceof List<?> several ? several : List.of();
        }

        /** {@code exp} or {@code nbf} as Micronaut Security hands it over: a {@link Date}, or seconds. */
        static Instant instant(Object claim) {
            if (claim instanceof Date date) {
                return date.toInstant();
            }
            return claim instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue()) : null;
        }
    }

    /**
     * The clock tokens are judged on ({@code exp}, {@code nbf}, and how long a verified token is remembered): the
     * system's, unless the application brings its own (tests bring one they move past a token's expiry instead of
     * sleeping). A type of its own, not {@link Clock}, so that an application clock for other purposes does not
     * move token validation with it.
     */
    record ValidationClock(Clock clock) {
    }

    @Factory
    static final class SystemValidationClock {

        @Singleton
        @Requires(missingBeans = ValidationClock.class)
        ValidationClock validationClock() {
            return new ValidationClock(Clock.systemUTC());
        }
    }
}
