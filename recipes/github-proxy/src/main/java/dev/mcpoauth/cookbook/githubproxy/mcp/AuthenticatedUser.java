package dev.mcpoauth.cookbook.githubproxy.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Who calls a tool, from the proxy's validated access token: the GitHub user id ({@code sub}), the
 * MCP client ({@code client_id}) and the scopes granted. Tools read it from the MCP request context,
 * never from a thread-bound global: the SDK may run a tool on another thread than the HTTP request's.
 */
record AuthenticatedUser(String userId, String clientId, List<String> scopes) {

    private static final String CONTEXT_KEY = AuthenticatedUser.class.getName();

    /** The MCP transport's context extractor: runs on the request thread, after Spring Security authenticated it. */
    static McpTransportContext toTransportContext(HttpServletRequest request) {
        if (request.getUserPrincipal() instanceof JwtAuthenticationToken authentication) {
            Jwt jwt = authentication.getToken();
            // The scopes as Spring Security granted them: its JWT converter's SCOPE_ authorities.
            List<String> scopes = authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                    .filter(authority -> authority != null && authority.startsWith("SCOPE_"))
                    .map(authority -> authority.substring("SCOPE_".length())).toList();
            return McpTransportContext.create(Map.of(CONTEXT_KEY,
                    new AuthenticatedUser(jwt.getSubject(), jwt.getClaimAsString("client_id"), scopes)));
        }
        return McpTransportContext.EMPTY;
    }

    /** In a 2025-11-25 tool handler: the caller of the request being handled. */
    static AuthenticatedUser of(McpSyncServerExchange exchange) {
        return of(exchange.transportContext());
    }

    /** The same for both protocol revisions: the context the transport's extractor built. */
    static AuthenticatedUser of(McpTransportContext context) {
        if (context.get(CONTEXT_KEY) instanceof AuthenticatedUser caller) {
            return caller;
        }
        // Unreachable while Spring Security guards /mcp; failing closed if that ever changes.
        throw new IllegalStateException("No authenticated caller in the MCP request context");
    }
}
