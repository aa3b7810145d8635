package dev.mcpoauth.cookbook.probe;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a token given to the probe says about itself, read without verification: only to tell a
 * correct refusal (another audience, expired, another issuer) from a wrong one. An opaque token says
 * nothing; its resource server learns the same from the authorization server (introspection).
 */
record TokenClaims(boolean jwt, String algorithm, JWTClaimsSet claims, int length) {

    /** Resource servers commonly allow this much clock skew; a token expired more recently is not judged. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(2);

    static TokenClaims of(String token) {
        try {
            JWT parsed = JWTParser.parse(token);
            JWTClaimsSet claims = parsed.getJWTClaimsSet(); // null for an encrypted JWT: as opaque as any
            if (claims != null) {
                return new TokenClaims(true, parsed.getHeader().getAlgorithm().getName(), claims, token.length());
            }
        } catch (ParseException | RuntimeException e) {
            // not a JWT: opaque
        }
        return new TokenClaims(false, null, new JWTClaimsSet.Builder().build(), token.length());
    }

    List<String> audience() {
        return claims.getAudience() == null ? List.of() : claims.getAudience();
    }

    Optional<String> issuer() {
        return Optional.ofNullable(claims.getIssuer());
    }

    Optional<String> scope() {
        Object scope = claims.getClaim("scope");
        return scope == null ? Optional.empty() : Optional.of(String.valueOf(scope));
    }

    Optional<Instant> expiry() {
        return Optional.ofNullable(claims.getExpirationTime()).map(Date::toInstant);
    }

    Optional<Instant> notBefore() {
        return Optional.ofNullable(claims.getNotBeforeTime()).map(Date::toInstant);
    }

    /** The expiry, if it is more than the usual clock skew before {@code now}. */
    Optional<Instant> expiredAt(Instant now) {
        return expiry().filter(exp -> exp.plus(CLOCK_SKEW).isBefore(now));
    }

    /** The claims for the reader; never the token itself. */
    String describe() {
        if (!jwt) {
            return "opaque token (not a JWT), " + length + " characters";
        }
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("alg", algorithm);
        for (String name : List.of("iss", "aud", "sub", "azp", "client_id", "scope", "iat", "exp")) {
            Object value = claims.getClaim(name);
            if (value instanceof Date date) {
                value = date.toInstant().toString();
            }
            if (value != null) {
                shown.put(name, value);
            }
        }
        return "JWT (unverified) " + shown;
    }
}
