package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import io.micronaut.security.token.validator.TokenValidator;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the rest of the recipe takes from this package: the filter that guards the MCP servlet, and
 * the servlet that routes each request to the transport of the MCP revision it speaks.
 * {@link McpAuthFilter}, {@link RevisionAwareMcpAuthFilter} and {@link RevisionRouter} stay
 * package-private because they are whole-file copies of the resource-server recipes' (recipes/COPIES),
 * where they are package-private too.
 */
public final class ResourceServer {

    /**
     * The whole security path of {@code /mcp}, in front of the MCP SDK's servlets, for both MCP revisions.
     *
     * @param scopeOfTool the extra scope a tool needs beyond the server's, by tool name (empty: none)
     */
    public static HttpFilter mcpAuthFilter(McpConfiguration mcp, TokenValidator<HttpServletRequest> validator,
                                           Function<String, Optional<String>> scopeOfTool) {
        return new RevisionAwareMcpAuthFilter(new McpAuthFilter(mcp, validator, scopeOfTool));
    }

    /** One servlet at {@code /mcp}: 2026-07-28 requests to {@code modern}, everything else to {@code legacy}. */
    public static HttpServlet revisionRouter(HttpServlet modern, HttpServlet legacy) {
        return new RevisionRouter(modern, legacy);
    }

    private ResourceServer() {
    }
}
