package dev.mcpoauth.cookbook.resourceservermicronaut;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import io.micronaut.security.token.jwt.validator.ExpirationJwtClaimsValidator;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.net.MalformedURLException;
import java.security.Key;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
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

        private final JWSVerificationKeySelector<SecurityContext> keySelector;

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
            JWKSource<SecurityContext> keys = (selector, context) -> {
                try {
                    return cachedKeys.get(selector, context);
                } catch (RateLimitReachedException refetchTooSoon) {
                    return List.of();
                }
            };
            this.keySelector = new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys);
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
            JWSHeader header = jwt.getHeader();
            boolean acceptedType = header.getType() == null || ACCEPTED_TYPES.contains(header.getType());
            if (!supports(header.getAlgorithm()) || !acceptedType) {
                return false;
            }
            for (Key key : candidateKeys(header)) {
                if (key instanceof RSAPublicKey publicKey && jwt.verify(new RSASSAVerifier(publicKey))) {
                    return true;
                }
            }
            return false;
        }

        private List<? extends Key> candidateKeys(JWSHeader header) {
            try {
                return keySelector.selectJWSKeys(header, null);
            } catch (KeySourceException keysUnavailable) {
                // No cached key matches and the JWKS cannot be fetched: nothing to verify with.
                LOG.warn("JWKS unavailable: {}", keysUnavailable.getMessage());
                return List.of();
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

        AccessTokenClaims(McpConfiguration mcp) {
            this.issuer = mcp.authorizationServer().toString();
            this.audience = List.of(mcp.resource().toString());
            this.clockSkew = mcp.clockSkew();
        }

        @Override
        public boolean validate(Claims claims, T request) {
            Instant now = Instant.now();
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

        private static Instant instant(Object claim) {
            if (claim instanceof Date date) {
                return date.toInstant();
            }
            return claim instanceof Number seconds ? Instant.ofEpochSecond(seconds.longValue()) : null;
        }
    }
}
