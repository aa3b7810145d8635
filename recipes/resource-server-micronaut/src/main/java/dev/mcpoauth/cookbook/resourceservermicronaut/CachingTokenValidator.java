package dev.mcpoauth.cookbook.resourceservermicronaut;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Micronaut Security's token validator with a {@link VerifiedTokenCache} in front: a token it has accepted is not
 * parsed, verified and run through the claims validators again on every request, only looked up, until its
 * {@code exp} and for at most {@link #MAX_AGE}, and only while the key that verified it is still in the JWKS this
 * server trusts ({@link AccessTokenValidation.JwksSignature#stillTrusts}). Anything else (a token not seen, changed in
 * any byte, past its expiry, verified by a key since removed) goes to Micronaut Security's validator as before, and
 * only its successes are remembered. Micronaut Security has no such cache; this class is what the recipe adds.
 */
final class CachingTokenValidator implements TokenValidator<HttpServletRequest> {

    /** Enough for every user of a busy server; beyond it the cache starts over (one full check per token). */
    static final int MAX_ENTRIES = 10_000;
    /** How long a verified token is remembered at most, whatever its {@code exp}. */
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private final TokenValidator<HttpServletRequest> validator;
    private final AccessTokenValidation.JwksSignature signature;
    private final VerifiedTokenCache<Authentication> verified;

    CachingTokenValidator(TokenValidator<HttpServletRequest> validator, AccessTokenValidation.JwksSignature signature,
                          AccessTokenValidation.ValidationClock time) {
        this.validator = validator;
        this.signature = signature;
        this.verified = new VerifiedTokenCache<>(MAX_ENTRIES, MAX_AGE, time.clock());
    }

    @Override
    public Publisher<Authentication> validateToken(String token, HttpServletRequest request) {
        Optional<Authentication> known = verified.find(token, signature::stillTrusts);
        if (known.isPresent()) {
            return Mono.just(known.get());
        }
        return Mono.from(validator.validateToken(token, request)).doOnNext(accepted -> remember(token, accepted));
    }

    /** How many verified tokens are remembered now. */
    int size() {
        return verified.size();
    }

    /**
     * Remembers a token Micronaut Security accepted, with the key that verified its signature. Asking the key again
     * costs one more RS256 check, once per token and {@link #MAX_AGE}: Micronaut Security does not say which key it
     * was, and remembering a key that did not verify the token would break the rotation guarantee.
     */
    private void remember(String token, Authentication accepted) {
        Instant expiry = AccessTokenValidation.AccessTokenClaims.instant(accepted.getAttributes().get(Claims.EXPIRATION_TIME));
        if (expiry == null) {
            return;
        }
        try {
            signature.verifyingKey(SignedJWT.parse(token))
                    .ifPresent(key -> verified.remember(token, accepted, expiry, key));
        } catch (ParseException | JOSEException notRemembered) {
            // accepted this once; the next request checks it in full again
        }
    }
}
