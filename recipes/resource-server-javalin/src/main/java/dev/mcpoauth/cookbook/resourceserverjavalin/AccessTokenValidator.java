package dev.mcpoauth.cookbook.resourceserverjavalin;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Validates an access token with Nimbus JOSE + JWT: RS256 signature with a key from the cached
 * JWKS, issuer, audience (exactly this server, RFC 8707), {@code exp} required, {@code exp}/{@code nbf}
 * with bounded clock skew, {@code typ} JWT or at+jwt (RFC 9068).
 *
 * <p>A token that passed is kept in a {@link VerifiedTokenCache}: a client sends the same token on every request,
 * and the RS256 check was the largest part of what authentication cost here. A hit needs the very token (any changed
 * byte is a miss), is never past {@code exp}, and counts only while the key that verified it is still in the JWKS as
 * the validator sees it now, so a removed key ends its tokens when it would have without the cache.
 */
final class AccessTokenValidator {

    /** Why a token was refused; the text becomes the challenge's {@code error_description}. */
    static final class InvalidTokenException extends Exception {
        InvalidTokenException(String reason) {
            super(reason);
        }
    }

    /** The JWKs the key source handed out for one token: which key verified it, for the cache. */
    private static final class SelectedKeys implements SecurityContext {
        List<JWK> keys = List.of();
    }

    /** Every RSA key of the current JWKS: what a cached verdict's key must still be among. */
    private static final JWKSelector RSA_KEYS = new JWKSelector(new JWKMatcher.Builder().keyType(KeyType.RSA).build());
    /** Enough for every user of a busy server; beyond it the cache starts over (one full check per token). */
    private static final int MAX_CACHED_TOKENS = 10_000;
    /** How long a verified token is kept at most, whatever its {@code exp}. */
    private static final Duration MAX_CACHE_AGE = Duration.ofSeconds(60);

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final JWKSource<SecurityContext> keys;
    private final String audience;
    private final VerifiedTokenCache<JWTClaimsSet> verified =
            new VerifiedTokenCache<>(MAX_CACHED_TOKENS, MAX_CACHE_AGE, Clock.systemUTC());

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
        this.keys = (selector, context) -> {
            try {
                return cachedKeys.get(selector, context);
            } catch (RateLimitReachedException refetchTooSoon) {
                return List.of();
            }
        };
        // The key source, but noting in the call's context which keys it handed out: the one that verified the token.
        JWKSource<SecurityContext> noted = (selector, context) -> {
            List<JWK> found = keys.get(selector, context);
            if (context instanceof SelectedKeys selected) {
                selected.keys = found;
            }
            return found;
        };
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, noted));
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
        Optional<JWTClaimsSet> earlier = verified.find(token, this::stillTrusted);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        SelectedKeys selected = new SelectedKeys();
        JWTClaimsSet claims = check(token, selected);
        // One candidate key is the one that verified the token; with several (a JWKS without kids) it is not known
        // which, so the verdict is not kept.
        if (selected.keys.size() == 1 && selected.keys.get(0) instanceof RSAKey key && claims.getExpirationTime() != null) {
            verified.remember(token, claims, claims.getExpirationTime().toInstant(), keyId(key));
        }
        return claims;
    }

    /** The full check: signature, type, issuer, audience, times. */
    private JWTClaimsSet check(String token, SelectedKeys selected) throws InvalidTokenException {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, selected);
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

    // tag::verified-key[]
    /** Whether the key a cached verdict names is still in the JWKS: the same key source the full check asks, now. */
    private boolean stillTrusted(String keyId) {
        try {
            return keys.get(RSA_KEYS, null).stream()
                    .anyMatch(jwk -> jwk instanceof RSAKey key && keyId.equals(keyId(key)));
        } catch (KeySourceException unreachable) {
            return false; // the full check decides, as it would have without the cache
        }
    }

    /** The whole public key, not only its kid: a new key under an old kid is another key. */
    private static String keyId(RSAKey key) {
        return key.getKeyID() + '\n' + key.getModulus() + '\n' + key.getPublicExponent();
    }
    // end::verified-key[]
}
