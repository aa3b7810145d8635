package dev.mcpoauth.cookbook.tokengateway.backends;

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
 * {@link BackendTools} for 2026-07-28 clients: the same definitions and handlers, as the MCP SDK's
 * modern tool repository. The user comes from the same transport context the backend's token filter
 * filled. A call that asked for progress (a {@code progressToken} in its {@code _meta}) is answered as
 * an event stream, the notifications first, then the result.
 */
final class ModernTools implements McpSyncToolRepository {

    private final List<McpSchema.Tool> listed;
    private final Map<String, McpSyncTool> byName;

    ModernTools(BackendTools tools, McpJsonMapper json) {
        this.byName = tools.definitions().stream().collect(Collectors.toUnmodifiableMap(BackendTools.Definition::name,
                tool -> McpSyncTool.of(McpSchema.Tool.builder(tool.name(), json, tool.inputSchema())
                        .description(tool.description()).build(), (context, request) -> {
                            BackendUser user = BackendUser.of(context.transportContext());
                            if (context.progressToken() == null) {
                                return McpSyncResponse.result(result(tools.call(tool, user, request.arguments(),
                                        (done, total, message) -> { })));
                            }
                            return McpSyncResponse.streaming(notifier -> result(tools.call(tool, user,
                                    request.arguments(), (done, total, message) ->
                                            notifier.progress(done, (double) total, message))));
                        })));
        this.listed = tools.definitions().stream().map(tool -> byName.get(tool.name()).definition()).toList();
    }

    private static McpSchema.CallToolOutcome result(BackendTools.Answer answer) {
        return McpSchema.CallToolResult.builder()
                .addContent(McpSchema.TextContent.builder(answer.text()).build())
                .structuredContent(answer.structuredContent()).isError(answer.isError()).build();
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
