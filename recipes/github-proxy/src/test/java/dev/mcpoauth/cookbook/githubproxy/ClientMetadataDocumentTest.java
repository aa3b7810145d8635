package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
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
        for (String clientId : List.of(origin + "/slow.json", "http://169.254.169.254/latest/meta-data/client.json",
                "http://10.0.0.1/client.json", "ftp://127.0.0.1/client.json")) {
            long started = System.nanoTime();
            HttpResponse<String> response = new HeadlessUserAgent().get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(response.statusCode()).as(clientId).isEqualTo(400);
            assertThat(took).as(clientId).isLessThan(Duration.ofMillis(4_500));
        }
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
