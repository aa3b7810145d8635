package dev.mcpoauth.cookbook.resourceserverspring;

import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.ALICE;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.BOB;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.MCP_URL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** End to end: Keycloak's login page, PKCE, resource indicator, then the real MCP Java SDK client. */
class McpHappyPathTest extends RunningServerTest {

    @Test
    void tokenFromTheLoginPageWithPkceOpensTheMcpServer() throws Exception {
        Tokens tokens = DemoEnvironment.login(ALICE, "mcp:tools");
        // RFC 8707: the token is bound to this MCP server and nothing else.
        assertThat(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getAudience())
                .containsExactly(MCP_URL.toString());

        try (McpSyncClient client = McpTestClient.connect(MCP_URL, tokens::accessToken)) {
            assertThat(client.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("whoami", "add_note", "list_notes");

            CallToolResult whoami = client.callTool(new CallToolRequest("whoami", Map.of()));

            assertThat(whoami.isError()).isNotEqualTo(Boolean.TRUE);
            @SuppressWarnings("unchecked")
            Map<String, Object> who = (Map<String, Object>) whoami.structuredContent();
            assertThat(who).containsEntry("username", "alice")
                    .containsEntry("client", DemoEnvironment.CLIENT_ID)
                    .containsEntry("subject", SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject());
        }
    }

    @Test
    void toolNeedingAnExtraScopeAnswers403InsufficientScopeThenWorksAfterStepUp() {
        AtomicReference<String> token = new AtomicReference<>(DemoEnvironment.login(ALICE, "mcp:tools").accessToken());
        try (McpSyncClient client = McpTestClient.connect(MCP_URL, token::get)) {
            CallToolRequest addNote = new CallToolRequest("add_note", Map.of("text", "buy milk"));

            Throwable refused = catchThrowable(() -> client.callTool(addNote));

            McpHttpClientTransportAuthorizationException failure = McpTestClient.authorizationFailure(refused).orElseThrow();
            assertThat(failure.getResponseInfo().statusCode()).isEqualTo(403);
            BearerChallenge challenge = BearerChallenge.parse(
                    failure.getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow());
            assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
            assertThat(challenge.get("scope")).isEqualTo("mcp:tools notes:write");
            assertThat(challenge.get("resource_metadata"))
                    .isEqualTo("http://localhost:" + DemoEnvironment.PORT + "/.well-known/oauth-protected-resource/mcp");

            // Step-up: ask for exactly the scopes the challenge named, then retry the same call.
            token.set(DemoEnvironment.login(ALICE, challenge.get("scope").split(" ")).accessToken());
            CallToolResult saved = client.callTool(addNote);

            assertThat(saved.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(saved.structuredContent()).isEqualTo(Map.of("count", 1));
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnNotes() {
        String aliceToken = DemoEnvironment.login(ALICE, "mcp:tools", "notes:write").accessToken();
        String bobToken = DemoEnvironment.login(BOB, "mcp:tools").accessToken();
        try (McpSyncClient alice = McpTestClient.connect(MCP_URL, () -> aliceToken);
             McpSyncClient bob = McpTestClient.connect(MCP_URL, () -> bobToken)) {
            alice.callTool(new CallToolRequest("add_note", Map.of("text", "alice's secret")));

            CallToolResult bobsNotes = bob.callTool(new CallToolRequest("list_notes", Map.of()));

            assertThat(bobsNotes.structuredContent()).isEqualTo(Map.of("notes", java.util.List.of()));
        }
    }
}
