package dev.mcpoauth.cookbook.multiuserstore.tools;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools.Answer;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools.ConnectRequired;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools.Definition;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools.Result;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.InputResponses;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link CalendarTools} for MCP 2026-07-28 clients: the same definitions and handlers, as the MCP SDK's
 * modern tool repository. The user comes from the same transport context McpAuthFilter filled.
 * <p>
 * What differs is the connect link. 2026-07-28 has no server-to-client request and no -32042: a tool that
 * needs the user to connect answers an {@code InputRequiredResult} holding a URL elicitation (the link)
 * and a request state; the client opens the link, then sends the same call again with the elicitation's
 * answer and the state. On that retry the tool runs if the calendar is connected now, asks again if not
 * (at most {@value #MAX_ROUNDS} times on one call), and stops if the user declined. The state is sealed by
 * the server's {@code RequestStateCodec} ({@link RequestStateConfiguration#codec}: shared key, the caller's
 * {@code sub}, the tool, a lifetime) and carries the digest of the arguments ({@link ConnectRetryState}).
 * A client that did not declare {@code elicitation.url} gets the link in a tool error, as a 2025-11-25
 * client without it does.
 */
public final class ModernCalendarTools implements McpSyncToolRepository {

    /** The key of the one input request: the client answers under it. */
    static final String CONNECT = "connect_calendar";
    /** How many times one call asks the user to connect before it gives up with a tool error. */
    static final int MAX_ROUNDS = 3;

    private final CalendarTools tools;
    private final McpJsonMapper json;
    private final List<McpSchema.Tool> listed;
    private final Map<String, McpSyncTool> byName;

    public ModernCalendarTools(CalendarTools tools, McpJsonMapper json) {
        this.tools = tools;
        this.json = json;
        this.byName = tools.definitions().stream().collect(Collectors.toUnmodifiableMap(Definition::name,
                tool -> McpSyncTool.of(McpSchema.Tool.builder(tool.name(), json, tool.inputSchema())
                        .description(tool.description()).build(), (context, request) -> call(tool, context, request))));
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

    // tag::input-required[]
    private McpSyncResponse<McpSchema.CallToolOutcome> call(Definition tool, McpRequestContext context,
                                                           McpSchema.CallToolRequest request) {
        Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
        int round = 0;
        if (request.requestState() != null) {
            // Opened by the codec already (shared key, this user, this tool, not expired): now the arguments.
            round = ConnectRetryState.roundOf(request.requestState(), tool.name(), arguments);
        }
        Answer answer = tools.call(tool, AuthenticatedUser.of(context.transportContext()), arguments);
        if (!(answer instanceof ConnectRequired connect)) {
            return result((Result) answer);
        }
        if (!supportsUrlElicitation(context.clientCapabilities())) {
            return result(connect.asToolError());
        }
        McpSchema.ElicitResult response = round == 0 ? null
                : InputResponses.get(request.inputResponses(), CONNECT, McpSchema.ElicitResult.class, json);
        if (response != null && response.action() == McpSchema.ElicitResult.Action.DECLINE) {
            return result(CalendarTools.error("You declined to connect your calendar, so there is nothing to list."
                    + " Call " + tool.name() + " again when you want to connect it."));
        }
        if (round >= MAX_ROUNDS) {
            return result(CalendarTools.error("Your calendar is still not connected after " + MAX_ROUNDS
                    + " links. Call " + tool.name() + " again once you want to try again."));
        }
        return McpSyncResponse.result(McpSchema.InputRequiredResult.builder()
                .elicitUrl(CONNECT, connect.elicitationMessage(), connect.link().toString())
                .requestState(ConnectRetryState.of(tool.name(), arguments, round + 1)) // the SDK seals it on the way out
                .build());
    }
    // end::input-required[]

    private static boolean supportsUrlElicitation(McpSchema.ClientCapabilities capabilities) {
        return capabilities != null && capabilities.elicitation() != null && capabilities.elicitation().url() != null;
    }

    private static McpSyncResponse<McpSchema.CallToolOutcome> result(Result answer) {
        return McpSyncResponse.result(McpSchema.CallToolResult.builder()
                .addContent(McpSchema.TextContent.builder(answer.text()).build())
                .structuredContent(answer.structuredContent()).isError(answer.isError()).build());
    }
}
