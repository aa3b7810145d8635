package dev.mcpoauth.cookbook.githubproxy.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link GitHubTools} for 2026-07-28 clients: the same definitions and handlers, as the MCP SDK's
 * modern tool repository. The user, and with them their stored GitHub token, comes from the same
 * transport context the 2025-11-25 tools read.
 */
final class ModernTools implements McpSyncToolRepository {

    private final List<McpSchema.Tool> listed;
    private final Map<String, McpSyncTool> byName;

    ModernTools(GitHubTools tools, McpJsonMapper json) {
        this.byName = tools.definitions().stream().collect(Collectors.toUnmodifiableMap(GitHubTools.Definition::name,
                tool -> McpSyncTool.of(McpSchema.Tool.builder(tool.name(), json, GitHubTools.NO_ARGUMENTS)
                        .description(tool.description()).build(), (context, request) -> {
                            GitHubTools.Answer answer = tools.call(tool, AuthenticatedUser.of(context.transportContext()));
                            return McpSyncResponse.result(McpSchema.CallToolResult.builder()
                                    .addContent(McpSchema.TextContent.builder(answer.text()).build())
                                    .structuredContent(answer.structuredContent()).isError(answer.isError()).build());
                        })));
        this.listed = tools.definitions().stream().map(tool -> byName.get(tool.name()).definition()).toList();
    }

    @Override
    public ToolsPage list(McpRequestContext context, String cursor) {
        return ToolsPage.of(listed);
    }

    /** {@code null} for a tool that does not exist: the SDK answers with a JSON-RPC error. */
    @Override
    public McpSyncTool find(McpRequestContext context, String name) {
        return byName.get(name);
    }
}
