package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import io.micronaut.security.token.validator.TokenValidator;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the rest of the recipe takes from this package: the filter that guards the MCP servlet.
 * {@link McpAuthFilter} stays package-private because it is a whole-file copy of the Micronaut
 * resource-server recipe's (recipes/COPIES), where it is package-private too.
 */
public final class ResourceServer {

    /**
     * The whole security path of {@code /mcp}, in front of the MCP SDK's servlet.
     *
     * @param scopeOfTool the extra scope a tool needs beyond the server's, by tool name (empty: none)
     */
    public static HttpFilter mcpAuthFilter(McpConfiguration mcp, TokenValidator<HttpServletRequest> validator,
                                           Function<String, Optional<String>> scopeOfTool) {
        return new McpAuthFilter(mcp, validator, scopeOfTool);
    }

    private ResourceServer() {
    }
}
