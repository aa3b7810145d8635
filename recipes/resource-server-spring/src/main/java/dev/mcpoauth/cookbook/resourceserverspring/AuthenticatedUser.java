package dev.mcpoauth.cookbook.resourceserverspring;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who is calling, as proven by the validated access token. Tools read it from the request's
 * {@link McpTransportContext}, never from a global: the MCP SDK may run a tool on another thread
 * than the HTTP request's, where Spring's {@code SecurityContextHolder} is empty.
 *
 * @param subject  {@code sub}: the stable user id to key per-user data on
 * @param username {@code preferred_username}, for display only
 * @param clientId {@code azp}: the OAuth client (MCP client) the user authorized
 * @param scopes   what the token grants
 */
public record AuthenticatedUser(String subject, String username, String clientId, List<String> scopes) {

    private static final String CONTEXT_KEY = AuthenticatedUser.class.getName();

    // tag::context-extractor[]
    /** The MCP transport's context extractor: runs on the request thread, after Spring Security authenticated it. */
    static McpTransportContext toTransportContext(HttpServletRequest request) {
        if (request.getUserPrincipal() instanceof JwtAuthenticationToken authentication) {
            Jwt jwt = authentication.getToken();
            String scope = jwt.getClaimAsString("scope");
            AuthenticatedUser user = new AuthenticatedUser(jwt.getSubject(), jwt.getClaimAsString("preferred_username"),
                    jwt.getClaimAsString("azp"), scope == null ? List.of() : List.of(scope.split(" ")));
            return McpTransportContext.create(Map.of(CONTEXT_KEY, user));
        }
        return McpTransportContext.EMPTY;
    }

    /** In a tool handler: the user of the request being handled. */
    static AuthenticatedUser of(McpSyncServerExchange exchange) {
        return of(exchange.transportContext());
    }

    /** The same for both protocol revisions: the context the transport's extractor built. */
    static AuthenticatedUser of(McpTransportContext context) {
        if (context.get(CONTEXT_KEY) instanceof AuthenticatedUser user) {
            return user;
        }
        // Unreachable while Spring Security guards /mcp; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated user in the MCP request context");
    }
    // end::context-extractor[]
}
