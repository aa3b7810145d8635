package dev.mcpoauth.cookbook.tokengateway.inbound;

import com.nimbusds.jwt.JWTClaimsSet;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling the gateway, as proven by the validated client token. {@link ClientTokenFilter}
 * puts it on the request; {@code forward.GatewayServlet} reads it.
 *
 * @param subject  {@code sub}: the user
 * @param username {@code preferred_username}, for display and audit
 * @param clientId {@code azp}: the MCP client the user authorized (the rate-limit and audit key)
 * @param scopes   what the client token grants
 * @param roles    the user's realm roles (the policy file may require one)
 * @param token    the client token itself: only ever sent to the authorization server as the
 *                 RFC 8693 {@code subject_token}, never to a backend, never logged
 */
public record AuthenticatedUser(String subject, String username, String clientId, Set<String> scopes, Set<String> roles,
                                String token) {

    private static final String KEY = AuthenticatedUser.class.getName();

    static AuthenticatedUser from(JWTClaimsSet claims, String token) throws ParseException {
        String scope = claims.getStringClaim("scope");
        List<String> roles = claims.getStringListClaim("roles");
        // Keycloak names the client in azp; RFC 9068 tokens in client_id. Rate limits and audit need one.
        String clientId = claims.getStringClaim("azp") != null ? claims.getStringClaim("azp")
                : Objects.requireNonNullElse(claims.getStringClaim("client_id"), "(no client id)");
        return new AuthenticatedUser(claims.getSubject(), claims.getStringClaim("preferred_username"),
                clientId,
                scope == null || scope.isBlank() ? Set.of() : Set.copyOf(Arrays.asList(scope.trim().split(" +"))),
                roles == null ? Set.of() : Set.copyOf(roles),
                token);
    }

    void attachTo(HttpServletRequest request) {
        request.setAttribute(KEY, this);
    }

    static AuthenticatedUser ofNullable(HttpServletRequest request) {
        return request.getAttribute(KEY) instanceof AuthenticatedUser user ? user : null;
    }

    public static AuthenticatedUser of(HttpServletRequest request) {
        if (request.getAttribute(KEY) instanceof AuthenticatedUser user) {
            return user;
        }
        // Unreachable while ClientTokenFilter guards each /mcp/<backend>; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated user on the request");
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "AuthenticatedUser[subject=" + subject + ", client=" + clientId + ", scopes=" + scopes + "]";
    }
}
