package dev.mcpoauth.cookbook.githubproxy;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.builder.SpringApplicationBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code make run RECIPE=github-proxy}: the proxy on port 8080 (PROXY_PORT to move it).
 * <ul>
 * <li>Without GITHUB_CLIENT_ID: against the test kit's GitHub emulator, then a client walk-through
 *     (discovery, registration, GitHub sign-in, consent, tokens, tools, refresh), all printed.</li>
 * <li>With GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET: against real GitHub; connect an MCP client
 *     (MCP Inspector) yourself, since signing in to GitHub needs a person.</li>
 * </ul>
 * Without PROXY_TOKEN_ENCRYPTION_KEY the run uses a random key and an in-memory database, so
 * nothing outlives it. Serves until Ctrl-C.
 */
public final class RunDemo {

    public static void main(String[] args) {
        try {
            run();
        } catch (Exception | Error e) {
            e.printStackTrace(); // exec:java would otherwise wait for the web server's threads and hide it
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        String port = System.getenv().getOrDefault("PROXY_PORT", "8080");
        URI proxy = URI.create("http://127.0.0.1:" + port);
        boolean realGitHub = System.getenv("GITHUB_CLIENT_ID") != null;
        List<String> arguments = new ArrayList<>(List.of("--server.port=" + port));
        if (System.getenv("PROXY_TOKEN_ENCRYPTION_KEY") == null) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            arguments.add("--proxy.token-encryption-key=" + Base64.getEncoder().encodeToString(key));
            arguments.add("--spring.datasource.url=jdbc:h2:mem:github-proxy-demo;DB_CLOSE_DELAY=-1");
        }
        GitHubEmulator github = null;
        if (!realGitHub) {
            github = GitHubEmulator.start();
            github.registerOAuthApp(ProxyStack.GITHUB_CLIENT_ID, ProxyStack.GITHUB_CLIENT_SECRET,
                    URI.create("http://127.0.0.1/login/oauth2/code/github"));
            github.addUser("octocat", "octocat-demo-password", "The Octocat", "hello-world", "spoon-knife");
            arguments.addAll(List.of(
                    "--spring.security.oauth2.client.registration.github.client-id=" + ProxyStack.GITHUB_CLIENT_ID,
                    "--spring.security.oauth2.client.registration.github.client-secret=" + ProxyStack.GITHUB_CLIENT_SECRET,
                    "--spring.security.oauth2.client.provider.github.authorization-uri=" + github.webBaseUrl() + "/login/oauth/authorize",
                    "--spring.security.oauth2.client.provider.github.token-uri=" + github.webBaseUrl() + "/login/oauth/access_token",
                    "--spring.security.oauth2.client.provider.github.user-info-uri=" + github.apiBaseUrl() + "/user",
                    "--proxy.github-api-url=" + github.apiBaseUrl()));
        }
        new SpringApplicationBuilder(GitHubProxyApplication.class).run(arguments.toArray(String[]::new));

        if (realGitHub) {
            System.out.printf("""

                    === Serving against real GitHub at %s ===
                      MCP server URL:  %s/mcp
                      Try it with MCP Inspector (npx @modelcontextprotocol/inspector), transport Streamable HTTP.
                      Your OAuth App's callback URL must be %s/login/oauth2/code/github.
                    Ctrl-C to stop.%n""", proxy, proxy, proxy);
        } else {
            walkThrough(proxy);
            System.out.printf("""

                    === Serving at %s against the GitHub emulator at %s ===
                      MCP server URL:  %s/mcp   (GitHub user octocat / octocat-demo-password)
                    Ctrl-C to stop.%n""", proxy, github.webBaseUrl(), proxy);
        }
        new CountDownLatch(1).await();
    }

    private static void walkThrough(URI proxy) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI mcp = proxy.resolve("/mcp");
        System.out.println("\n=== 1. An MCP client calls the server without a token ===");
        HttpResponse<String> unauthorized = http.send(HttpRequest.newBuilder(mcp).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("  " + unauthorized.statusCode() + "  WWW-Authenticate: " + unauthorized.headers().firstValue("WWW-Authenticate").orElse(""));

        System.out.println("\n=== 2. Discovery: RFC 9728 then RFC 8414 ===");
        JsonNode resource = getJson(http, proxy.resolve("/.well-known/oauth-protected-resource/mcp"));
        System.out.println("  resource " + resource.get("resource") + ", authorization_servers " + resource.get("authorization_servers"));
        JsonNode server = getJson(http, proxy.resolve("/.well-known/oauth-authorization-server"));
        for (String field : List.of("registration_endpoint", "code_challenge_methods_supported", "token_endpoint_auth_methods_supported",
                "client_id_metadata_document_supported")) {
            System.out.println("  " + field + ": " + server.get(field));
        }

        System.out.println("\n=== 3. Dynamic client registration (GitHub itself has none) ===");
        ProxyStack demo = ProxyStack.attach(proxy);
        String clientId = demo.registerClient("Cookbook walk-through");
        System.out.println("  client_id " + clientId + " (public client, token_endpoint_auth_method none)");

        System.out.println("\n=== 4. Authorization: GitHub sign-in, the proxy's consent page, code + PKCE + resource; then a step-up to repos:read ===");
        Tokens tokens = demo.loginForEveryTool(new HeadlessUserAgent(), clientId,
                new dev.mcpoauth.cookbook.testkit.browser.UserCredentials("octocat", "octocat-demo-password"));
        var claims = com.nimbusds.jwt.SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        System.out.println("  the proxy's own access token: iss " + claims.getIssuer() + ", aud " + claims.getAudience()
                + ", sub " + claims.getSubject() + " (GitHub user id), lifetime "
                + (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000 + " s; plus a refresh token");
        System.out.println("  the GitHub token stays in the proxy's database, encrypted");

        System.out.println("\n=== 5. Tools call GitHub for the user ===");
        try (McpSyncClient client = McpTestClient.connect(mcp, tokens::accessToken)) {
            for (String tool : List.of("whoami", "list_repositories")) {
                var result = client.callTool(new CallToolRequest(tool, Map.of()));
                System.out.println("  " + tool + ": " + ((TextContent) result.content().get(0)).text().replace("\n", ", "));
            }
        }

        System.out.println("\n=== 6. Refresh: the refresh token rotates; the old one is now a theft signal ===");
        JsonNode refreshed = JsonMapper.shared().readTree(demo.refresh(clientId, tokens.refreshToken()).asString());
        System.out.println("  new access token: " + refreshed.has("access_token") + ", new refresh token differs: "
                + !tokens.refreshToken().equals(refreshed.path("refresh_token").asString()));
        System.out.println("  (the proxy's audit log, logger mcp.audit, above: one line per step, with the client id)");
    }

    private static JsonNode getJson(HttpClient http, URI uri) throws Exception {
        return JsonMapper.shared().readTree(http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
