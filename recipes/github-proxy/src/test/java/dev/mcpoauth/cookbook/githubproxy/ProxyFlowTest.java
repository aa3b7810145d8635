package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The happy path: an MCP client registers, the user signs in with GitHub and consents, tools call GitHub. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyFlowTest {

    static {
        LogCapture.install();
    }

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void aRegisteredClientGetsTokensForTheMcpServer() throws Exception {
        String clientId = stack.registerClient("Test MCP client");

        Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE);

        var claims = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly(stack.mcpUrl().toString());
        assertThat(claims.getIssuer()).isEqualTo(stack.baseUrl.toString());
        assertThat(claims.getStringClaim("client_id")).isEqualTo(clientId);
        assertThat(tokens.refreshToken()).isNotNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void toolsCallGitHubForTheSignedInUser() throws Exception {
        String clientId = stack.registerClient("Test MCP client");
        Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE);

        try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
            assertThat(client.listTools().tools()).extracting(Tool::name).containsExactlyInAnyOrder("whoami", "list_repositories");

            CallToolResult whoami = client.callTool(new CallToolRequest("whoami", Map.of()));
            CallToolResult repositories = client.callTool(new CallToolRequest("list_repositories", Map.of()));

            Map<String, Object> who = (Map<String, Object>) whoami.structuredContent();
            assertThat(who).containsEntry("login", "alice").containsEntry("name", "Alice Example").containsEntry("client", clientId);
            assertThat(String.valueOf(who.get("id"))) // sub = GitHub's numeric id
                    .isEqualTo(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject());
            assertThat(repositories.structuredContent())
                    .isEqualTo(Map.of("repositories", List.of("alice/dotfiles", "alice/garden-planner")));
        }
    }

    /** GitHub sees only the GitHub token the proxy holds for the user, never the proxy's own tokens. */
    @Test
    void theProxysTokensNeverReachGitHub() {
        Tokens tokens = signInAndCallBothTools(BOB);

        assertThat(stack.github.apiCalls()).isNotEmpty()
                .allSatisfy(call -> assertThat(call.token()).isNotIn(tokens.accessToken(), tokens.refreshToken()));
    }

    @Test
    void noTokenReachesTheLog() {
        Tokens tokens = signInAndCallBothTools(BOB);

        assertThat(LogCapture.text()).doesNotContain(tokens.accessToken()).doesNotContain(tokens.refreshToken());
        stack.github.apiCalls().stream().map(call -> call.token()).filter(token -> token != null)
                .forEach(githubToken -> assertThat(LogCapture.text()).doesNotContain(githubToken));
    }

    private Tokens signInAndCallBothTools(UserCredentials user) {
        Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), stack.registerClient("Test MCP client"), user);
        try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
            assertThat(client.callTool(new CallToolRequest("whoami", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(client.callTool(new CallToolRequest("list_repositories", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
        }
        return tokens;
    }
}
