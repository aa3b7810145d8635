package dev.mcpoauth.cookbook.benchmarks;

import static dev.mcpoauth.cookbook.benchmarks.Bench.MEASURED;
import static dev.mcpoauth.cookbook.benchmarks.Bench.ROUNDS;
import static dev.mcpoauth.cookbook.benchmarks.Bench.WARMUP;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator.ApiCall;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The github-proxy's MCP path: {@code tools/call whoami} through the proxy's own {@code /mcp} with a
 * token the proxy issued (the proxy checks it, finds and decrypts the user's GitHub token, calls
 * {@code GET /user}) against the same {@code GET /user} made straight to the GitHub emulator with that
 * GitHub token. The proxy runs in a JVM of its own (Spring Boot), configured as {@code ProxyStack} in
 * its tests configures it: an app with expiring GitHub tokens (8 h), an H2 file database.
 */
final class GitHubProxyPath {

    static final UserCredentials ALICE = new UserCredentials("alice", "alice-github-password");
    static final String GITHUB_CLIENT_ID = "Iv1.proxy-bench-app";
    static final String GITHUB_CLIENT_SECRET = "proxy-bench-app-secret"; // demo-only
    private static final JsonMapper JSON = JsonMapper.shared();
    /** Named, not imported: the proxy (Spring Boot) is not on this JVM's classpath. */
    static final String PROXY_MAIN = "dev.mcpoauth.cookbook.githubproxy.GitHubProxyApplication";

    private GitHubProxyPath() {
    }

    static void measure(Results results) throws Exception {
        try (GitHubEmulator github = emulator()) {
            int port = FreePort.find();
            URI base = URI.create("http://127.0.0.1:" + port);
            Path recipe = Path.of("..", "recipes", "github-proxy");
            try (ChildJvm proxy = ChildJvm.start("github-proxy", recipe, PROXY_MAIN, recipe, Map.of(),
                    List.of(), arguments(port, github, Path.of("target", "github-proxy-" + System.nanoTime())))) {
                proxy.awaitHttp200(base.resolve("/.well-known/oauth-authorization-server"), Duration.ofMinutes(2));
                HttpClient http = HttpClient.newHttpClient();
                URI mcpUrl = base.resolve("/mcp");
                String accessToken = login(http, base, mcpUrl);
                McpHttpSession.open(http, mcpUrl, accessToken).callTool("whoami"); // the GitHub token it uses shows in the emulator's log
                String gitHubToken = lastUserCall(github).token();

                int tokenRequestsBefore = github.tokenRequests();
                LatencyStats[] measured = LoopbackLoad.compare(LoopbackLoad.get(URI.create(github.apiBaseUrl() + "/user"), gitHubToken),
                        LoopbackLoad.mcp(mcpUrl, accessToken, "whoami"), 1, WARMUP, MEASURED, ROUNDS);
                int tokenRequests = github.tokenRequests() - tokenRequestsBefore;
                LatencyStats direct = measured[0];
                LatencyStats proxied = measured[1];
                double addedP50 = proxied.p50Millis() - direct.p50Millis();
                double addedP99 = proxied.p99Millis() - direct.p99Millis();
                results.add("github-proxy added latency, p50 (1 client, tools/call whoami -> GET /user)",
                        Results.ms(proxied.p50Millis()), Results.ms(direct.p50Millis()) + " GET /user direct",
                        Results.signedMs(addedP50), "<= 1 ms", addedP50 <= 1.0);
                results.add("github-proxy added latency, p99", Results.ms(proxied.p99Millis()),
                        Results.ms(direct.p99Millis()) + " GET /user direct", Results.signedMs(addedP99), "<= 3 ms",
                        addedP99 <= 3.0);
                results.inform("github-proxy latency percentiles p10 / p25 / p50 / p75 / p90 / p99 / p99.9 (1 client,"
                        + " tools/call whoami)", proxied.percentilesMillis(), direct.percentilesMillis() + " GET /user direct", "-");
                results.add("github-proxy calls to GitHub's token endpoint during the measured window",
                        Integer.toString(tokenRequests), "0", Integer.toString(tokenRequests), "0", tokenRequests == 0);
            }
        }
    }

    /** The GitHub emulator with the proxy's app (expiring tokens, 8 h) and Alice. */
    static GitHubEmulator emulator() throws java.io.IOException {
        GitHubEmulator github = GitHubEmulator.start();
        github.registerAppWithExpiringTokens(GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET,
                URI.create("http://127.0.0.1/login/oauth2/code/github"), Duration.ofHours(8));
        github.addUser(ALICE.username(), ALICE.password(), "Alice Example", "dotfiles", "garden-planner");
        return github;
    }

    /** As an operator configures it (ProxyStack in the recipe's tests): command-line properties, demo-only secrets. */
    private static List<String> arguments(int port, GitHubEmulator github, Path dataDirectory) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return arguments(port, github, Base64.getEncoder().encodeToString(key), Map.of("spring.datasource.url",
                "jdbc:h2:file:" + Files.createDirectories(dataDirectory).resolve("proxy").toAbsolutePath()));
    }

    /** The same with {@code extra} properties (a shared database, the public URL) and a given encryption key. */
    static List<String> arguments(int port, GitHubEmulator github, String encryptionKey, Map<String, Object> extra) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", port);
        properties.putAll(extra);
        properties.put("proxy.token-encryption-key", encryptionKey);
        properties.put("proxy.github-api-url", github.apiBaseUrl().toString());
        properties.put("spring.security.oauth2.client.registration.github.client-id", GITHUB_CLIENT_ID);
        properties.put("spring.security.oauth2.client.registration.github.client-secret", GITHUB_CLIENT_SECRET);
        properties.put("spring.security.oauth2.client.provider.github.authorization-uri", github.webBaseUrl() + "/login/oauth/authorize");
        properties.put("spring.security.oauth2.client.provider.github.token-uri", github.webBaseUrl() + "/login/oauth/access_token");
        properties.put("spring.security.oauth2.client.provider.github.user-info-uri", github.apiBaseUrl() + "/user");
        List<String> arguments = new ArrayList<>();
        properties.forEach((name, value) -> arguments.add("--" + name + "=" + value));
        return arguments;
    }

    /** RFC 7591 registration of a public client, then the whole front channel and the token request. */
    static String login(HttpClient http, URI base, URI mcpUrl) throws Exception {
        HttpResponse<String> registered = http.send(HttpRequest.newBuilder(base.resolve("/oauth2/register"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"client_name":"bench","redirect_uris":["http://127.0.0.1/callback"],
                         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
                         "token_endpoint_auth_method":"none","scope":"mcp:tools"}""")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (registered.statusCode() != 201) {
            throw new IllegalStateException("registration refused: " + registered.statusCode() + " " + registered.body());
        }
        String clientId = JSON.readTree(registered.body()).get("client_id").asString();
        JsonNode metadata = JSON.readTree(http.send(HttpRequest.newBuilder(base.resolve("/.well-known/oauth-authorization-server"))
                .build(), HttpResponse.BodyHandlers.ofString()).body());
        return AuthorizationCodeFlow.with(URI.create(metadata.get("issuer").asString()),
                        URI.create(metadata.get("authorization_endpoint").asString()),
                        URI.create(metadata.get("token_endpoint").asString()), clientId)
                .scope("mcp:tools").resource(mcpUrl).run(new HeadlessUserAgent(), ALICE).accessToken();
    }

    private static ApiCall lastUserCall(GitHubEmulator github) {
        List<ApiCall> calls = github.apiCalls();
        for (int i = calls.size() - 1; i >= 0; i--) {
            if (calls.get(i).path().endsWith("/user") && calls.get(i).status() == 200) {
                return calls.get(i);
            }
        }
        throw new IllegalStateException("whoami made no GET /user at the GitHub emulator: " + calls);
    }
}
