package dev.mcpoauth.cookbook.resourceserverjavalin;

import com.nimbusds.jwt.JWTClaimsSet;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * Who is calling, as proven by the validated access token. {@link McpAuthFilter} puts it on the
 * request; the MCP transport's context extractor hands it to the tools, which may run on another
 * thread than the request's.
 *
 * @param subject  {@code sub}: the stable user id to key per-user data on
 * @param username {@code preferred_username}, for display only
 * @param clientId {@code azp}: the OAuth client (MCP client) the user authorized
 * @param scopes   what the token grants
 */
public record AuthenticatedUser(String subject, String username, String clientId, List<String> scopes) {

    private static final String KEY = AuthenticatedUser.class.getName();

    static AuthenticatedUser from(JWTClaimsSet claims) throws ParseException {
        String scope = claims.getStringClaim("scope");
        return new AuthenticatedUser(claims.getSubject(), claims.getStringClaim("preferred_username"),
                claims.getStringClaim("azp"), scope == null || scope.isBlank() ? List.of() : List.of(scope.split(" ")));
    }

    void attachTo(HttpServletRequest request) {
        request.setAttribute(KEY, this);
    }

    /** The MCP transport's context extractor. */
    static McpTransportContext toTransportContext(HttpServletRequest request) {
        return request.getAttribute(KEY) instanceof AuthenticatedUser user
                ? McpTransportContext.create(Map.of(KEY, user))
                : McpTransportContext.EMPTY;
    }

    /** In a 2025-11-25 tool handler: the user of the request being handled. */
    static AuthenticatedUser of(McpSyncServerExchange exchange) {
        return of(exchange.transportContext());
    }

    /** The user in an MCP transport context, as both protocol revisions' tool handlers get it. */
    static AuthenticatedUser of(McpTransportContext context) {
        if (context.get(KEY) instanceof AuthenticatedUser user) {
            return user;
        }
        // Unreachable while McpAuthFilter guards /mcp; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated user in the MCP request context");
    }
}
