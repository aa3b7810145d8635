package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims a token must carry to be accepted here, checked after its signature. Micronaut Security
 * runs every {@link GenericJwtClaimsValidator} bean; application.yml switches off its own expiry
 * check (no clock skew, {@code exp} optional), and its issuer check is not used because it
 * compares by suffix, ignoring the scheme. This one is strict:
 * <ul>
 *   <li>{@code iss} exactly the configured authorization server (RFC 9068 section 4);</li>
 *   <li>{@code aud} exactly this server's canonical URL and nothing else (RFC 8707; a token also valid
 *       at another resource is one that resource could replay here);</li>
 *   <li>{@code exp} present and not passed, {@code nbf} not ahead, each within the clock skew (RFC 7519
 *       sections 4.1.4 and 4.1.5).</li>
 * </ul>
 * Micronaut Security's own {@code SubjectNotNullJwtClaimsValidator} stays on: {@code sub} is required.
 */
// tag::claims[]
@Singleton
final class AccessTokenClaimsValidator<T> implements GenericJwtClaimsValidator<T> {

    private static final Logger LOG = LoggerFactory.getLogger(AccessTokenClaimsValidator.class);

    private final String issuer;
    private final List<String> audience;
    private final Duration clockSkew;

    AccessTokenClaimsValidator(McpConfiguration mcp) {
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
