package dev.mcpoauth.cookbook.tokengateway.backends;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The backends' tools on their own, called as the MCP SDK calls them: the second scope check, behind the gateway's policy. */
class BackendToolsTest {

    private final McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
    /** An exchanged token with the base scope only. */
    private final BackendUser baseScopeOnly = new BackendUser("user-1", "alice", "mcp-gateway", List.of("mcp:tools"));

    @Test
    void addNoteRefusesATokenWithoutNotesWriteEvenPastTheGateway() {
        List<SyncToolSpecification> notes = NotesTools.specifications(json, new ArrayList<>());

        CallToolResult result = call(notes, "add_note", Map.of("text", "slipped past the gateway"), baseScopeOnly);

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope notes:write; ask for it and retry");
        assertThat(call(notes, "list_notes", Map.of(), baseScopeOnly).structuredContent()).isEqualTo(Map.of("notes", List.of()));
    }

    @Test
    void listEventsRefusesATokenWithoutCalendarReadEvenPastTheGateway() {
        List<SyncToolSpecification> calendar = CalendarTools.specifications(json, Duration.ZERO, new ArrayList<>());

        CallToolResult result = call(calendar, "list_events", Map.of(), baseScopeOnly);

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope calendar:read; ask for it and retry");
        assertThat(result.structuredContent()).isNull();
    }

    private static CallToolResult call(List<SyncToolSpecification> tools, String toolName, Map<String, Object> arguments,
                                       BackendUser user) {
        SyncToolSpecification tool = tools.stream().filter(spec -> spec.tool().name().equals(toolName)).findFirst().orElseThrow();
        return tool.callHandler().apply(exchangeOf(user), new CallToolRequest(toolName, arguments));
    }

    /** The exchange a tool gets: the user BackendServer attached to the request, through the transport's context extractor. */
    private static McpSyncServerExchange exchangeOf(BackendUser user) {
        Map<String, Object> attributes = new HashMap<>();
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(BackendToolsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getAttribute" -> attributes.get(args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        user.attachTo(request);
        return new McpSyncServerExchange(new McpAsyncServerExchange("session-1", null, null, null,
                BackendUser.toTransportContext(request)));
    }

    private static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }
}
