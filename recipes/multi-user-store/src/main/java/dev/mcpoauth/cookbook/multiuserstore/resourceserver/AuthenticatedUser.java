package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import io.micronaut.security.authentication.Authentication;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
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

    // tag::context-extractor[]
    /** From Micronaut Security's {@link Authentication} of a valid token: its name is {@code sub}, its attributes the claims. */
    static AuthenticatedUser from(Authentication authentication) {
        Map<String, Object> claims = authentication.getAttributes();
        // RFC 6749 section 3.3 (and RFC 9068 section 2.2.3): scope is one space-separated string.
        String scope = text(claims.get("scope"));
        return new AuthenticatedUser(authentication.getName(), text(claims.get("preferred_username")),
                text(claims.get("azp")), scope == null || scope.isBlank() ? List.of() : List.of(scope.split(" ")));
    }

    public void attachTo(HttpServletRequest request) {
        request.setAttribute(KEY, this);
    }

    /** The MCP transport's context extractor. */
    public static McpTransportContext toTransportContext(HttpServletRequest request) {
        return request.getAttribute(KEY) instanceof AuthenticatedUser user
                ? McpTransportContext.create(Map.of(KEY, user))
                : McpTransportContext.EMPTY;
    }

    /** In a tool handler: the user of the request being handled. */
    public static AuthenticatedUser of(McpSyncServerExchange exchange) {
        return of(exchange.transportContext());
    }

    /** The same for both MCP revisions: the context the transport's extractor built. */
    public static AuthenticatedUser of(McpTransportContext context) {
        if (context.get(KEY) instanceof AuthenticatedUser user) {
            return user;
        }
        // Unreachable while McpAuthFilter guards /mcp; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated user in the MCP request context");
    }
    // end::context-extractor[]

    /** The MCP account as people know it: the username, or the subject when the token carries none. */
    public String account() {
        return username != null ? username : subject;
    }

    private static String text(Object claim) {
        return claim instanceof String value ? value : null;
    }
}
