package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import tools.jackson.databind.json.JsonMapper;

/** The tools on their own, called as the MCP SDK calls them: the second scope check, behind McpAuthFilter's. */
class McpToolsTest {

    private final McpTools tools = new McpTools(new JacksonMcpJsonMapper(JsonMapper.shared()));

    @Test
    void addNoteRefusesAUserWithoutNotesWriteEvenPastTheFilter() {
        McpSyncServerExchange reader = exchangeWithScope("mcp:tools");

        CallToolResult result = call("add_note", Map.of("text", "slipped past the filter"), reader);

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope notes:write; ask for it and retry");
        assertThat(call("list_notes", Map.of(), reader).structuredContent()).isEqualTo(Map.of("notes", List.of()));
    }

    private CallToolResult call(String toolName, Map<String, Object> arguments, McpSyncServerExchange exchange) {
        SyncToolSpecification tool = tools.specifications().stream()
                .filter(spec -> spec.tool().name().equals(toolName)).findFirst().orElseThrow();
        return tool.callHandler().apply(exchange, new CallToolRequest(toolName, arguments));
    }

    /** The exchange a tool gets: Spring Security's authenticated token, through the transport's context extractor. */
    private static McpSyncServerExchange exchangeWithScope(String scope) {
        Jwt jwt = Jwt.withTokenValue("token").header("alg", "RS256")
                .subject("user-1").claim("preferred_username", "alice").claim("azp", "mcp-client").claim("scope", scope)
                .build();
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/mcp");
        request.setUserPrincipal(new JwtAuthenticationToken(jwt));
        return new McpSyncServerExchange(new McpAsyncServerExchange("session-1", null, null, null,
                AuthenticatedUser.toTransportContext(request)));
    }

    private static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }
}
