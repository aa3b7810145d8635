package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubApi;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.restassured.builder.ResponseSpecBuilder;
import io.restassured.response.Response;
import io.restassured.specification.ResponseSpecification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/** GitHub tokens at rest, refreshed or lost upstream, and the proxy restarting or sitting behind a reverse proxy. */
class ProxyStorageTest {

    /** A registration past a cap or a rate limit. */
    private static final String THIRD_CLIENT = """
            {"client_name":"Third","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""";

    @Test
    void storedGitHubTokensAreCiphertext(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            String aliceId = subject(stack.login(new HeadlessUserAgent(), stack.registerClient("Client"), ALICE));
            String aliceGitHubToken = stack.bean(GitHubTokenStore.class).find(aliceId).orElseThrow().accessToken();

            byte[] stored = stack.bean(JdbcTemplate.class).queryForObject(
                    "SELECT access_token FROM github_token WHERE user_id = ?", byte[].class, aliceId);

            assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(aliceGitHubToken);
        }
    }

    /** Someone with database access copies Alice's ciphertext onto Bob's row: it does not decrypt there. */
    @Test
    void aGitHubTokenCopiedToAnotherUsersRowDoesNotDecrypt(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            String aliceId = subject(stack.login(new HeadlessUserAgent(), stack.registerClient("Client"), ALICE));
            String bobId = subject(stack.login(new HeadlessUserAgent(), stack.registerClient("Client"), BOB));
            GitHubTokenStore store = stack.bean(GitHubTokenStore.class);
            JdbcTemplate jdbc = stack.bean(JdbcTemplate.class);
            String aliceGitHubToken = store.find(aliceId).orElseThrow().accessToken();
            byte[] stored = jdbc.queryForObject("SELECT access_token FROM github_token WHERE user_id = ?", byte[].class, aliceId);

            jdbc.update("UPDATE github_token SET access_token = ? WHERE user_id = ?", stored, bobId);

            assertThatThrownBy(() -> store.find(bobId)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not decrypt").hasMessageNotContaining(aliceGitHubToken);
        }
    }

    @Test
    void anExpiredGitHubTokenIsRefreshedWithRotationWhenAToolNeedsIt(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of(), true)) {
            Tokens tokens = stack.login(new HeadlessUserAgent(), stack.registerClient("Client"), ALICE);
            GitHubTokenStore store = stack.bean(GitHubTokenStore.class);
            String userId = subject(tokens);
            var before = store.find(userId).orElseThrow();
            // Eight hours later, as far as the stored expiry says.
            stack.bean(JdbcTemplate.class).update("UPDATE github_token SET access_expires_at = ? WHERE user_id = ?",
                    java.sql.Timestamp.from(java.time.Instant.now().minusSeconds(5)), userId);
            int tokenRequests = stack.github.tokenRequests();

            try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
                CallToolResult whoami = client.callTool(new CallToolRequest("whoami", Map.of()));
                assertThat(whoami.isError()).isNotEqualTo(Boolean.TRUE);
            }

            var after = store.find(userId).orElseThrow();
            assertThat(stack.github.tokenRequests() - tokenRequests).isEqualTo(1);
            assertThat(after.accessToken()).isNotEqualTo(before.accessToken()).startsWith("ghu_");
            assertThat(after.refreshToken()).isNotEqualTo(before.refreshToken()).startsWith("ghr_");
            assertThat(stack.github.isActive(after.accessToken())).isTrue();
        }
    }

    @Test
    void aGitHub401OnAnUnexpiredTokenTriggersOneRefreshWhenGitHubIssuedARefreshToken(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of(), true)) {
            Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), stack.registerClient("Client"), ALICE);
            GitHubTokenStore store = stack.bean(GitHubTokenStore.class);
            var stored = store.find(subject(tokens)).orElseThrow();
            // An access token GitHub no longer honours before its expiry, with a refresh token it still does.
            String revoked = "ghu_no-longer-honoured";
            store.save(new GitHubTokenStore.GitHubToken(stored.userId(), revoked, stored.expiresAt(), stored.refreshToken(),
                    stored.scopes()));
            int tokenRequests = stack.github.tokenRequests();

            try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
                assertThat(client.callTool(new CallToolRequest("list_repositories", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
            }

            assertThat(stack.github.tokenRequests() - tokenRequests).isEqualTo(1);
            assertThat(store.find(subject(tokens)).orElseThrow().accessToken()).isNotEqualTo(revoked);
        }
    }

    @Test
    void aClassicTokenRevokedAtGitHubGivesAClearReconnectAnswer(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            Tokens tokens = stack.loginForEveryTool(new HeadlessUserAgent(), stack.registerClient("Client"), ALICE);
            String githubToken = stack.bean(GitHubTokenStore.class).find(subject(tokens)).orElseThrow().accessToken();
            stack.bean(GitHubApi.class).revoke(githubToken); // as if the user revoked the app in GitHub's settings

            try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
                CallToolResult result = client.callTool(new CallToolRequest("list_repositories", Map.of()));

                assertThat(result.isError()).isTrue();
                assertThat(((TextContent) result.content().get(0)).text()).startsWith("GitHub access for your account has ended")
                        .contains("Sign in again");
            }
            assertThat(stack.bean(GitHubTokenStore.class).find(subject(tokens))).isEmpty();
        }
    }

    @Test
    void openRegistrationStopsAtItsCap(@TempDir Path data) {
        try (ProxyStack stack = ProxyStack.start(data, Map.of("proxy.max-registered-clients", "2"))) {
            stack.registerClient("First");
            stack.registerClient("Second");

            stack.register(THIRD_CLIENT)
            .then()
                .statusCode(400)
                .body("error", equalTo("invalid_client_metadata"));
        }
    }

    @Test
    void registrationsAreRateLimitedPerAddress(@TempDir Path data) {
        try (ProxyStack stack = ProxyStack.start(data, Map.of("proxy.rate-limits.registrations-per-hour", "2"))) {
            stack.registerClient("First");
            stack.registerClient("Second");

            stack.register(THIRD_CLIENT)
            .then()
                .spec(tooManyRequests());
        }
    }

    /** H2 is for one instance (`make run`): its limits live in memory, and the proxy says so at start. */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void onH2TheProxySaysAtStartThatRateLimitsArePerInstance(@TempDir Path data, CapturedOutput output) {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            assertThat(output.getAll()).containsOnlyOnce("are counted per instance (in memory, on H2)");
        }
    }

    @Test
    void tokenRequestsAreRateLimitedPerAddress(@TempDir Path data) {
        try (ProxyStack stack = ProxyStack.start(data, Map.of("proxy.rate-limits.token-requests-per-minute", "3"))) {
            String guessedCode = "grant_type=authorization_code&code=guessed&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback"
                    + "&code_verifier=" + "v".repeat(43) + "&client_id=" + stack.registerClient("Guessing client");
            for (int guess = 1; guess <= 3; guess++) {
                tokenRequest(stack, guessedCode).then().statusCode(400).body("error", equalTo("invalid_grant")); // Spring saw it
            }

            tokenRequest(stack, guessedCode) // the fourth guess
            .then()
                .spec(tooManyRequests());
        }
    }

    /** The access token still calls a tool and the refresh token still refreshes: clients, grants and the signing key were kept. */
    @Test
    void tokensIssuedBeforeARestartStillWorkAfterIt(@TempDir Path data) throws Exception {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            String clientId = stack.registerClient("Survives restarts");
            Tokens tokens = stack.login(new HeadlessUserAgent(), clientId, ALICE);

            stack.stopProxy();
            stack.startProxy();

            try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
                assertThat(client.callTool(new CallToolRequest("whoami", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
            }
            stack.refresh(clientId, tokens.refreshToken())
            .then()
                .statusCode(200)
                .body("access_token", not(emptyOrNullString()));
        }
    }

    @Test
    void behindAReverseProxyTheMetadataNamesThePublicUrl(@TempDir Path data) {
        try (ProxyStack stack = ProxyStack.start(data, Map.of())) {
            Map<String, String> forwarded = Map.of("X-Forwarded-Proto", "https", "X-Forwarded-Host", "mcp.example.com",
                    "X-Forwarded-Port", "443");

            stack.given().headers(forwarded)
            .when()
                .get("/.well-known/oauth-authorization-server")
            .then()
                .statusCode(200)
                .body("issuer", equalTo("https://mcp.example.com"))
                .body("token_endpoint", equalTo("https://mcp.example.com/oauth2/token"));
            stack.given().headers(forwarded)
            .when()
                .get("/.well-known/oauth-protected-resource/mcp")
            .then()
                .statusCode(200)
                .body("resource", equalTo("https://mcp.example.com/mcp"))
                .body("authorization_servers[0]", equalTo("https://mcp.example.com"));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** 429 with a positive Retry-After and the error the proxy's rate limit answers with. */
    private static ResponseSpecification tooManyRequests() {
        return new ResponseSpecBuilder()
                .expectStatusCode(429)
                .expectHeader("Retry-After", matchesPattern("[1-9][0-9]*"))
                .expectBody("error", equalTo("too_many_requests"))
                .build();
    }

    private static Response tokenRequest(ProxyStack stack, String form) {
        return stack.given().contentType("application/x-www-form-urlencoded").body(form).when().post("/oauth2/token");
    }

    private static String subject(Tokens tokens) throws Exception {
        return SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject();
    }
}
