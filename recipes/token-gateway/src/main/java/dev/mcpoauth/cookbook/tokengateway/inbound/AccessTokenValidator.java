package dev.mcpoauth.cookbook.tokengateway.inbound;

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
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Validates a Keycloak access token with Nimbus JOSE + JWT: RS256 signature with a key from the
 * cached JWKS, exact issuer, {@code exp} required with bounded clock skew, {@code typ} JWT or at+jwt,
 * and exactly one audience: one of the gateway's protected resources ({@code /mcp/<backend>}) for client
 * tokens, a backend for exchanged tokens (RFC 8707). The gateway and both backends use this one class
 * with different settings.
 *
 * <p>The gateway's client-token validators also keep a {@link VerifiedTokenCache}: a client sends the same token on
 * every request, and the RS256 check with its key conversion was about a quarter of the gateway's own CPU per request.
 * A hit needs the very token (any changed byte is a miss), is never past {@code exp}, and counts only while the key
 * that verified it is still in the JWKS as the validator sees it now, so a removed key ends its tokens when it would
 * have without the cache.
 */
public final class AccessTokenValidator {

    /** Why a token was refused; the text becomes the challenge's {@code error_description}. */
    public static final class InvalidTokenException extends Exception {
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

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final JWKSource<SecurityContext> keys;
    private final String audience;
    private final String requiredAuthorizedParty;
    /** Null for a validator without one (the backends). */
    private final VerifiedTokenCache<JWTClaimsSet> verified;

    /**
     * @param requiredAuthorizedParty when set, the token's {@code azp} must be exactly this client:
     *                                backends accept tokens the gateway obtained, nothing else
     */
    public AccessTokenValidator(URI issuer, URI jwksUri, String audience, Duration clockSkew,
                                String requiredAuthorizedParty) throws MalformedURLException {
        this(issuer, cachedKeys(jwksUri), audience, clockSkew, requiredAuthorizedParty);
    }

    /** With keys shared by several validators (the gateway has one per protected resource, one JWKS cache). */
    public AccessTokenValidator(URI issuer, JWKSource<SecurityContext> keys, String audience, Duration clockSkew,
                                String requiredAuthorizedParty) {
        this(issuer, keys, audience, clockSkew, requiredAuthorizedParty, Clock.systemUTC(), null);
    }

    /**
     * @param clock    what {@code exp} and {@code nbf} are checked against, and the cache's entries end by
     * @param verified the verdicts of earlier full checks, or null to check every token in full
     */
    public AccessTokenValidator(URI issuer, JWKSource<SecurityContext> keys, String audience, Duration clockSkew,
                                String requiredAuthorizedParty, Clock clock, VerifiedTokenCache<JWTClaimsSet> verified) {
        this.keys = keys;
        this.audience = audience;
        this.requiredAuthorizedParty = requiredAuthorizedParty;
        this.verified = verified;
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
                audience, new JWTClaimsSet.Builder().issuer(issuer.toString()).build(), Set.of("exp", "sub")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** The issuer's signing keys, cached, refetched for an unknown kid at most once per 10 s. */
    public static JWKSource<SecurityContext> cachedKeys(URI jwksUri) throws MalformedURLException {
        // Nimbus's default HTTP timeouts (500 ms) can fail a first fetch on a busy host, and the rate limit below
        // would then refuse valid tokens for 10 s: connect 2 s, read 5 s, at most 50 KiB.
        JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(jwksUri.toURL(),
                        new DefaultResourceRetriever(2_000, 5_000, 50 * 1024))
                .cache(5 * 60_000, 15_000)      // keys cached 5 min; a fetch may take 15 s
                .rateLimited(10_000)            // an unknown kid refetches the JWKS at most once per 10 s
                .outageTolerant(24 * 3600_000)  // authorization server down: keep the last good keys
                .build();
        // Inside the rate-limit window an unknown kid simply has no key: invalid token, not a server error.
        return (selector, context) -> {
            try {
                return cachedKeys.get(selector, context);
            } catch (RateLimitReachedException refetchTooSoon) {
                return List.of();
            }
        };
    }

    public JWTClaimsSet validate(String token) throws InvalidTokenException {
        if (verified == null) {
            return check(token, null);
        }
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

    /** The full check: signature, type, issuer, audience, times, authorized party. */
    private JWTClaimsSet check(String token, SelectedKeys selected) throws InvalidTokenException {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, selected);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            // JOSEException: keys unreachable for a kid not in the cache; the token cannot be trusted.
            throw new InvalidTokenException(e.getMessage());
        }
        // RFC 8707, strict: this server must be the only audience. A token also valid elsewhere is
        // one that other server could replay here.
        if (!List.of(audience).equals(claims.getAudience())) {
            throw new InvalidTokenException("JWT audience rejected");
        }
        if (requiredAuthorizedParty != null && !requiredAuthorizedParty.equals(claims.getClaim("azp"))) {
            throw new InvalidTokenException("Token was not issued to the gateway");
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
