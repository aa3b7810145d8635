package dev.mcpoauth.cookbook.resourceserverjavalin;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The tools on their own, called as the MCP SDK calls them: the second scope check, behind McpAuthFilter's. */
class McpToolsTest {

    private final McpTools tools = new McpTools(new JacksonMcpJsonMapper(JsonMapper.shared()));
    private final AuthenticatedUser reader = new AuthenticatedUser("user-1", "alice", "mcp-client", List.of("mcp:tools"));

    @Test
    void addNoteRefusesAUserWithoutNotesWriteEvenPastTheFilter() {
        CallToolResult result = call("add_note", Map.of("text", "slipped past the filter"), reader);

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope notes:write; ask for it and retry");
        assertThat(call("list_notes", Map.of(), reader).structuredContent()).isEqualTo(Map.of("notes", List.of()));
    }

    private CallToolResult call(String toolName, Map<String, Object> arguments, AuthenticatedUser user) {
        SyncToolSpecification tool = tools.specifications().stream()
                .filter(spec -> spec.tool().name().equals(toolName)).findFirst().orElseThrow();
        return tool.callHandler().apply(exchangeOf(user), new CallToolRequest(toolName, arguments));
    }

    /** The exchange a tool gets: the user McpAuthFilter attached to the request, through the transport's context extractor. */
    private static McpSyncServerExchange exchangeOf(AuthenticatedUser user) {
        Map<String, Object> attributes = new HashMap<>();
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(McpToolsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getAttribute" -> attributes.get(args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        user.attachTo(request);
        return new McpSyncServerExchange(new McpAsyncServerExchange("session-1", null, null, null,
                AuthenticatedUser.toTransportContext(request)));
    }

    private static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }
}
