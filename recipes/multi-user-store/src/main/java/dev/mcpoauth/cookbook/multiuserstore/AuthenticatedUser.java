package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.security.authentication.Authentication;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;

/**
 * Who is calling, as proven by the validated access token. Tools read it from the request's
 * {@link McpTransportContext}, never from a global: the MCP SDK may run a tool on another thread
 * than the HTTP request's.
 *
 * @param subject  {@code sub}: the stable user id to key per-user data on
 * @param username {@code preferred_username}, for display only
 * @param clientId {@code azp}: the OAuth client (MCP client) the user authorized
 * @param scopes   what the token grants
 */
public record AuthenticatedUser(String subject, String username, String clientId, List<String> scopes) {

    private static final String CONTEXT_KEY = AuthenticatedUser.class.getName();

    /** Where {@link BearerTokenFilter} leaves the validated token's {@link Authentication} on the request. */
    static final String REQUEST_ATTRIBUTE = Authentication.class.getName();

    /** The authenticated caller of a request that passed {@link BearerTokenFilter}, if any. */
    static Authentication authentication(HttpServletRequest request) {
        return request.getAttribute(REQUEST_ATTRIBUTE) instanceof Authentication authentication ? authentication : null;
    }

    // tag::context-extractor[]
    /** The MCP transport's context extractor: runs on the request thread, after BearerTokenFilter authenticated it. */
    static McpTransportContext toTransportContext(HttpServletRequest request) {
        Authentication authentication = authentication(request);
        if (authentication == null) {
            return McpTransportContext.EMPTY;
        }
        Map<String, Object> claims = authentication.getAttributes();
        // Micronaut Security's name is the `sub` claim; its roles are the token's scopes (application.yml).
        AuthenticatedUser user = new AuthenticatedUser(authentication.getName(), text(claims.get("preferred_username")),
                text(claims.get("azp")), List.copyOf(authentication.getRoles()));
        return McpTransportContext.create(Map.of(CONTEXT_KEY, user));
    }

    /** The MCP account as people know it: the username, or the subject when the token carries none. */
    String account() {
        return username != null ? username : subject;
    }

    private static String text(Object claim) {
        return claim instanceof String value ? value : null;
    }

    /** In a tool handler: the user of the request being handled. */
    static AuthenticatedUser of(McpSyncServerExchange exchange) {
        if (exchange.transportContext().get(CONTEXT_KEY) instanceof AuthenticatedUser user) {
            return user;
        }
        // Unreachable while BearerTokenFilter guards /mcp; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated user in the MCP request context");
    }
    // end::context-extractor[]
}
