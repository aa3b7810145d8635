package dev.mcpoauth.cookbook.githubproxy.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubAccess;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubApi;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import tools.jackson.databind.json.JsonMapper;

/** The tools on their own, called as the MCP SDK calls them: the second scope check, behind McpAuthFilter's. */
class GitHubToolsTest {

    private final GitHubAccess github = mock(GitHubAccess.class);
    private final GitHubApi api = mock(GitHubApi.class);
    private final GitHubTools tools = new GitHubTools(new JacksonMcpJsonMapper(JsonMapper.shared()), github, api,
            mock(AuditLog.class));

    @Test
    void listRepositoriesRefusesAUserWithoutReposReadEvenPastTheFilter() {
        CallToolResult result = call("list_repositories", exchangeWithScope("mcp:tools"));

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope repos:read; ask for it and retry");
        verifyNoInteractions(github, api);
    }

    private CallToolResult call(String toolName, McpSyncServerExchange exchange) {
        SyncToolSpecification tool = tools.specifications().stream()
                .filter(spec -> spec.tool().name().equals(toolName)).findFirst().orElseThrow();
        return tool.callHandler().apply(exchange, new CallToolRequest(toolName, Map.of()));
    }

    /** The exchange a tool gets: Spring Security's authenticated token, through the transport's context extractor. */
    private static McpSyncServerExchange exchangeWithScope(String scope) {
        Jwt jwt = Jwt.withTokenValue("token").header("alg", "RS256")
                .subject("12345").claim("client_id", "mcp-client").claim("scope", scope).build();
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/mcp");
        request.setUserPrincipal(new JwtAuthenticationConverter().convert(jwt));
        return new McpSyncServerExchange(new McpAsyncServerExchange("session-1", null, null, null,
                AuthenticatedUser.toTransportContext(request)));
    }

    private static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }
}
