package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production database: the same flow, refresh, reuse detection and restart on a real PostgreSQL. */
class PostgresStorageTest {

    @Test
    void theWholeLifecycleWorksOnPostgresql(@TempDir Path unused) throws Exception {
        PostgresServer.Database database = PostgresServer.shared().createDatabase("proxy");
        try (ProxyStack stack = ProxyStack.start(unused, Map.of(
                "spring.datasource.url", database.jdbcUrl(),
                "spring.datasource.username", database.user(),
                "spring.datasource.password", database.password(),
                "spring.sql.init.platform", "postgresql",
                "proxy.refresh-reuse-grace", "0s"))) {
            String clientId = stack.registerClient("On PostgreSQL");
            Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE);

            stack.stopProxy();
            stack.startProxy(); // schema creation is idempotent; the signing key comes back from the database

            try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
                assertThat(client.callTool(new CallToolRequest("list_repositories", Map.of())).structuredContent())
                        .isEqualTo(Map.of("repositories", java.util.List.of("alice/dotfiles", "alice/garden-planner")));
            }
            String rotated = stack.refresh(clientId, tokens.refreshToken())
                    .then().statusCode(200).body("refresh_token", not(emptyOrNullString())).extract().path("refresh_token");
            stack.refresh(clientId, tokens.refreshToken()) // a replay: the grace is 0 s here
            .then()
                .statusCode(400)
                .body("error", equalTo("invalid_grant"));
            stack.refresh(clientId, rotated) // the replay revoked the grant
            .then()
                .statusCode(400)
                .body("error", equalTo("invalid_grant"));
        }
    }
}
