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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.boot.test.system.OutputCaptureExtension;
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

    /**
     * The limiter lets requests through while the database is down (the endpoint then fails on its own,
     * as it needs the database too), says so once, and counts again when the database is back.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void rateLimitsFailOpenWhileTheDatabaseIsDown(@TempDir Path unused, CapturedOutput output) {
        PostgresServer.Database database = PostgresServer.shared().createDatabase("proxy");
        String client = """
                {"client_name":"During the outage","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""";
        try (ProxyStack stack = ProxyStack.start(unused, Map.of(
                "spring.datasource.url", database.jdbcUrl(),
                "spring.datasource.username", database.user(),
                "spring.datasource.password", database.password(),
                "spring.sql.init.platform", "postgresql",
                "proxy.rate-limits.registrations-per-hour", "2"))) {
            stack.registerClient("Before the outage"); // 1 of 2

            PostgresServer.shared().stop();
            try {
                for (int attempt = 0; attempt < 2; attempt++) { // the second would be a 429 if it were counted
                    stack.register(client) // Spring Authorization Server's catch-all, without the driver's message
                    .then()
                        .statusCode(400)
                        .body("error", equalTo("invalid_request"))
                        .body("error_description", equalTo("The registration request could not be processed"));
                }
            } finally {
                PostgresServer.shared().start();
            }
            awaitConnections(stack.bean(JdbcTemplate.class)); // the pool replaces its broken connections first


            assertThat(output.getAll()).containsOnlyOnce("Rate limits unavailable");
            stack.registerClient("After the outage"); // 2 of 2: the outage's requests were not counted
            stack.register(client)
            .then()
                .statusCode(429)
                .header("Retry-After", not(emptyOrNullString()));
            assertThat(output.getAll()).containsOnlyOnce("Rate limits are counted again");
        }
    }

    private static void awaitConnections(JdbcTemplate jdbc) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try {
                jdbc.queryForObject("SELECT 1", Integer.class);
                return;
            } catch (DataAccessException notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw notYet;
                }
            }
        }
    }
}
