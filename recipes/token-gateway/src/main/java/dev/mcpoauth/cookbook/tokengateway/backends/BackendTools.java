package dev.mcpoauth.cookbook.tokengateway.backends;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A backend's tools, each written once ({@link Definition}) and served to 2025-11-25 clients here
 * ({@link #specifications}) and to 2026-07-28 clients by {@link ModernTools}. Every call that reaches a
 * tool is recorded by name (the proof that a call the gateway refused never did), and a tool needing an
 * extra scope checks it on the exchanged token it runs for.
 */
public final class BackendTools {

    static final String NO_ARGUMENTS = "{\"type\":\"object\",\"properties\":{}}";

    /** A tool as both protocol revisions describe it, and what it does for a user. */
    record Definition(String name, String description, String inputSchema, Handler handler) {
    }

    interface Handler {
        Answer call(BackendUser user, Map<String, Object> arguments, Progress progress);
    }

    /** MCP progress notifications, on the request's event stream; nothing when the client asked for none. */
    interface Progress {
        void report(int done, int total, String message);
    }

    /** A tool's answer, before it becomes either revision's {@code CallToolResult}. */
    record Answer(String text, Map<String, Object> structuredContent, boolean isError) {

        static Answer of(String text, Map<String, Object> structuredContent) {
            return new Answer(text, structuredContent, false);
        }

        static Answer error(String text) {
            return new Answer(text, null, true);
        }
    }

    private final List<Definition> definitions;
    private final Map<String, String> extraScopeByTool;
    private final List<String> callRecord;

    /**
     * @param extraScopeByTool tool name -> scope the backend's token needs beyond the base scope (the
     *                         gateway's policy asks the same of the client's)
     * @param callRecord       where every call that reaches a tool is recorded by name
     */
    BackendTools(List<Definition> definitions, Map<String, String> extraScopeByTool, List<String> callRecord) {
        this.definitions = List.copyOf(definitions);
        this.extraScopeByTool = Map.copyOf(extraScopeByTool);
        this.callRecord = callRecord;
    }

    List<Definition> definitions() {
        return definitions;
    }

    /**
     * Runs a tool for a user. Defence in depth: a tool needing an extra scope checks it on the exchanged
     * token it runs for (the gateway's policy checked the client's), so a call that ever got past the
     * gateway still changes nothing.
     */
    Answer call(Definition tool, BackendUser user, Map<String, Object> arguments, Progress progress) {
        callRecord.add(tool.name());
        Optional<String> scope = Optional.ofNullable(extraScopeByTool.get(tool.name()));
        if (scope.isPresent() && !user.scopes().contains(scope.get())) {
            return Answer.error("This tool needs the scope " + scope.get() + "; ask for it and retry");
        }
        return tool.handler().call(user, arguments == null ? Map.of() : arguments, progress);
    }

    /** The tools for the 2025-11-25 SDK server. */
    List<SyncToolSpecification> specifications(McpJsonMapper json) {
        return definitions.stream().map(tool -> SyncToolSpecification.builder()
                .tool(Tool.builder().name(tool.name()).description(tool.description())
                        .inputSchema(json, tool.inputSchema()).build())
                .callHandler((exchange, request) -> {
                    Object progressToken = request.meta() == null ? null : request.meta().get("progressToken");
                    Answer answer = call(tool, BackendUser.of(exchange), request.arguments(), (done, total, message) -> {
                        if (progressToken != null) {
                            exchange.progressNotification(new ProgressNotification(progressToken, done, (double) total,
                                    message));
                        }
                    });
                    CallToolResult.Builder result = CallToolResult.builder().addTextContent(answer.text())
                            .isError(answer.isError());
                    return answer.structuredContent() == null ? result.build()
                            : result.structuredContent(answer.structuredContent()).build();
                })
                .build()).toList();
    }
}
