package dev.mcpoauth.cookbook.resourceserverjavalin;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.List;
import java.util.Set;

/**
 * Validates an access token with Nimbus JOSE + JWT: RS256 signature with a key from the cached
 * JWKS, issuer, audience (exactly this server, RFC 8707), {@code exp} required, {@code exp}/{@code nbf}
 * with bounded clock skew, {@code typ} JWT or at+jwt (RFC 9068).
 */
final class AccessTokenValidator {

    /** Why a token was refused; the text becomes the challenge's {@code error_description}. */
    static final class InvalidTokenException extends Exception {
        InvalidTokenException(String reason) {
            super(reason);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String audience;

    AccessTokenValidator(ServerConfig config) throws MalformedURLException {
        this.audience = config.resource().toString();
        // Nimbus's default HTTP timeouts (500 ms) can fail a first fetch on a busy host, and the rate limit below
        // would then refuse valid tokens for 10 s: connect 2 s, read 5 s, at most 50 KiB.
        JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(config.jwksUri().toURL(),
                        new DefaultResourceRetriever(2_000, 5_000, 50 * 1024))
                .cache(5 * 60_000, 15_000)      // keys cached 5 min; a fetch may take 15 s
                .rateLimited(10_000)            // an unknown kid refetches the JWKS at most once per 10 s
                .outageTolerant(24 * 3600_000)  // authorization server down: keep the last good keys
                .build();
        // Inside the rate-limit window an unknown kid simply has no key: invalid token, not a server error.
        JWKSource<SecurityContext> keys = (selector, context) -> {
            try {
                return cachedKeys.get(selector, context);
            } catch (RateLimitReachedException refetchTooSoon) {
                return List.of();
            }
        };
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(
                JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                audience,
                new JWTClaimsSet.Builder().issuer(config.authorizationServer().toString()).build(), // exact iss
                Set.of("exp", "sub"));
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    JWTClaimsSet validate(String token) throws InvalidTokenException {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            // JOSEException: keys unreachable for a kid not in the cache; the token cannot be trusted.
            throw new InvalidTokenException(e.getMessage());
        }
        // RFC 8707, strict: this server must be the only audience. A token also valid at another
        // resource is one that resource could replay here.
        if (!List.of(audience).equals(claims.getAudience())) {
            throw new InvalidTokenException(new BadJWTException("JWT audience rejected").getMessage());
        }
        return claims;
    }
}
