package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client ID Metadata Documents: the client_id is a URL the proxy fetches. Served here from
 * loopback, which the proxy accepts only because the test enables its demo-only loopback setting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientMetadataDocumentTest {

    static {
        LogCapture.install();
    }

    private ProxyStack stack;
    private HttpServer documents;
    private String origin;

    @BeforeAll
    void start(@TempDir Path data) throws IOException {
        stack = ProxyStack.start(data, Map.of());
        documents = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin = "http://127.0.0.1:" + documents.getAddress().getPort();
        serve("/client.json", 200, document(origin + "/client.json", "Inspector-like client"));
        serve("/impostor.json", 200, document("https://claude.ai/client.json", "Impostor"));
        serve("/huge.json", 200, document(origin + "/huge.json", "x".repeat(6000)));
        serve("/moved.json", 302, "");
        serve("/slow.json", 200, document(origin + "/slow.json", "Slow"));
        documents.start();
    }

    @AfterAll
    void stop() {
        documents.stop(0);
        stack.close();
    }

    @Test
    void aUrlClientIdIsFetchedShownOnTheConsentPageAndGetsTokens() throws Exception {
        String clientId = origin + "/client.json";

        Tokens tokens = stack.login(new HeadlessUserAgent(), clientId, ALICE);

        try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
            assertThat(client.callTool(new CallToolRequest("whoami", Map.of())).structuredContent())
                    .isEqualTo(Map.of("login", "alice", "name", "Alice Example", "id", 100000, "client", clientId));
        }
    }

    @Test
    void documentsThatLieAreTooLargeOrRedirectNameNoClient() {
        for (String path : new String[] {"/impostor.json", "/huge.json", "/moved.json", "/missing.json"}) {
            HttpResponse<String> response = new HeadlessUserAgent().get(
                    Browser.authorizationUrl(stack, origin + path, Pkce.create(), Map.of()));
            // An unknown client: an error page, and no redirect to wherever the document said.
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("Location")).as(path).isEmpty();
        }
    }

    @Test
    void slowDocumentsAndInternalAddressesAreRefusedWithinTheTimeBudget() {
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put(origin + "/slow.json", "the document could not be fetched or parsed (HttpTimeoutException)");
        // Each of these is refused before any connection is tried (nothing listens there, so a connect
        // failure would also end in 400: the audited reason tells the two apart).
        for (String internal : List.of("https://169.254.169.254/latest/meta-data/client.json", // cloud metadata
                "https://10.0.0.1/client.json", "https://100.64.0.1/client.json", "https://[fd00::1]/client.json",
                "https://[::ffff:169.254.169.254]/client.json", // IPv4-mapped IPv6
                "https://[64:ff9b::a9fe:a9fe]/client.json")) { // 169.254.169.254 through NAT64
            refusals.put(internal, "the client_id host resolves to an internal address");
        }
        // Not an https URL: not a URL client id at all, just an unknown one.
        assertThat(new HeadlessUserAgent().get(Browser.authorizationUrl(stack, "ftp://127.0.0.1/client.json", Pkce.create(),
                Map.of())).statusCode()).isEqualTo(400);
        refusals.forEach((clientId, reason) -> {
            long started = System.nanoTime();
            HttpResponse<String> response = new HeadlessUserAgent().get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(response.statusCode()).as(clientId).isEqualTo(400);
            assertThat(took).as(clientId).isLessThan(Duration.ofMillis(4_500));
            assertThat(LogCapture.text()).as(clientId).contains("\"client_id\":\"" + clientId
                    + "\",\"user\":null,\"outcome\":\"refused\",\"reason\":\"" + reason + "\"");
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(String path, int status, String body) {
        documents.createContext(path, exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (path.equals("/slow.json")) {
                sleep(5_000); // longer than the proxy's 3 s budget
            }
            if (status == 302) {
                exchange.getResponseHeaders().add("Location", origin + "/client.json");
            }
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
    }

    private static String document(String clientId, String name) {
        return """
                {"client_id":"%s","client_name":"%s","redirect_uris":["http://127.0.0.1/callback"],
                 "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}"""
                .formatted(clientId, name);
    }
}
