package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client ID Metadata Documents: the client_id is a URL the proxy fetches. Served here from
 * loopback, which the proxy accepts only because the test enables its demo-only loopback setting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientMetadataDocumentTest {

    static {
        LogCapture.install();
    }

    /** The fetch budget given to the proxy here (its default is 3 s), so the slow document costs the suite little. */
    private static final Duration BUDGET = Duration.ofSeconds(1);
    /** How long the slow document takes to arrive: well past the budget. */
    private static final Duration SLOW = Duration.ofMillis(2_500);

    private ProxyStack stack;
    private HttpServer documents;
    private ExecutorService handlers;
    private String origin;

    @BeforeAll
    void start(@TempDir Path data) throws IOException {
        stack = ProxyStack.start(data, Map.of("proxy.client-metadata-documents.timeout", BUDGET.toString()));
        documents = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        handlers = Executors.newCachedThreadPool(); // the slow document must not hold up the others
        documents.setExecutor(handlers);
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
        handlers.shutdownNow();
        stack.close();
    }

    @Test
    void aUrlClientIdWorksEndToEnd() throws Exception {
        String clientId = origin + "/client.json";

        Tokens tokens = stack.login(new HeadlessUserAgent(), clientId, ALICE);

        try (McpSyncClient client = McpTestClient.connect(stack.mcpUrl(), tokens::accessToken)) {
            assertThat(client.callTool(new CallToolRequest("whoami", Map.of())).structuredContent())
                    .isEqualTo(Map.of("login", "alice", "name", "Alice Example", "id", 100000, "client", clientId));
        }
    }

    @Test
    void theConsentPageNamesAUrlClientAsItsDocumentDoes() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        stack.login(browser, stack.registerClient("Approved earlier"), BOB); // signed in, this client not yet approved
        String consent = Browser.session(stack, browser)
                .when().get(Browser.authorizationUrl(stack, origin + "/client.json", Pkce.create(), Map.of()).toString())
                .then().statusCode(302).header("Location", containsString("/oauth2/consent?"))
                .extract().header("Location");

        Browser.session(stack, browser)
        .when()
            .get(stack.baseUrl.resolve(consent).toString())
        .then()
            .statusCode(200)
            .body(containsString("<b id=\"client-name\">Inspector-like client</b>"));
    }

    static Stream<Arguments> untrustworthyDocuments() {
        return Stream.of(
                argumentSet("a document naming another URL as its client_id", "/impostor.json",
                        "the document's client_id is not its own URL"),
                argumentSet("a document over 5 KiB", "/huge.json", "the document is larger than 5120 bytes"),
                argumentSet("a redirect", "/moved.json", "the document URL answered 302"),
                argumentSet("no document", "/missing.json", "the document URL answered 404"));
    }

    /** An unknown client: an error page, and no redirect to wherever the document said. */
    @ParameterizedTest
    @MethodSource("untrustworthyDocuments")
    void aDocumentTheProxyCannotTrustNamesNoClient(String path, String reason) {
        String clientId = origin + path;

        authorize(clientId)
        .then()
            .statusCode(400)
            .header("Location", nullValue());

        assertThat(LogCapture.text()).contains(refusal(clientId, reason));
    }

    @Test
    void aSlowDocumentIsRefusedWithinTheTimeBudget() {
        String clientId = origin + "/slow.json";

        authorize(clientId)
        .then()
            .statusCode(400)
            .time(lessThan(SLOW.toMillis())); // the proxy stopped waiting before the document came

        assertThat(LogCapture.text()).contains(
                refusal(clientId, "the document could not be fetched or parsed (HttpTimeoutException)"));
    }

    static Stream<Arguments> internalAddresses() {
        return Stream.of(
                argumentSet("cloud metadata", "https://169.254.169.254/latest/meta-data/client.json"),
                argumentSet("a private address (10/8)", "https://10.0.0.1/client.json"),
                argumentSet("a shared address (100.64/10)", "https://100.64.0.1/client.json"),
                argumentSet("a unique-local IPv6 address", "https://[fd00::1]/client.json"),
                argumentSet("cloud metadata as IPv4-mapped IPv6", "https://[::ffff:169.254.169.254]/client.json"),
                argumentSet("cloud metadata through NAT64 (64:ff9b::/96)", "https://[64:ff9b::a9fe:a9fe]/client.json"));
    }

    /**
     * Nothing listens at these addresses, so a connect failure would also end in 400: the audited
     * reason tells the two apart.
     */
    @ParameterizedTest
    @MethodSource("internalAddresses")
    void aClientIdAtAnInternalAddressIsRefusedBeforeAnyConnection(String clientId) {
        authorize(clientId)
        .then()
            .statusCode(400)
            .time(lessThan(SLOW.toMillis()));

        assertThat(LogCapture.text()).contains(refusal(clientId, "the client_id host resolves to an internal address"));
    }

    /** Not an https URL: not a URL client id at all, just an unknown one. */
    static Stream<Arguments> redirectUrisTheDocumentDoesNotList() {
        return Stream.of(
                argumentSet("another path on loopback", "http://127.0.0.1:41234/elsewhere"),
                argumentSet("another host", "https://attacker.example/callback"));
    }

    /**
     * The document's {@code redirect_uris} are the only ones (MCP 2026-07-28, Client ID Metadata
     * Documents: the server MUST validate the authorization request's redirect URI against them):
     * an error page, never a redirect to where the request said.
     */
    @ParameterizedTest
    @MethodSource("redirectUrisTheDocumentDoesNotList")
    void aRedirectUriTheDocumentDoesNotListGetsAnErrorPage(String redirectUri) {
        stack.given()
        .when()
            .get(Browser.authorizationUrl(stack, origin + "/client.json", Pkce.create(),
                    Map.of("redirect_uri", redirectUri)).toString())
        .then()
            .statusCode(400)
            .header("Location", nullValue());
    }

    @Test
    void aClientIdWithAnotherSchemeIsAnUnknownClient() {
        authorize("ftp://127.0.0.1/client.json")
        .then()
            .statusCode(400)
            .header("Location", nullValue());
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** An authorization request from a browser with no session: the proxy checks the client first. */
    private Response authorize(String clientId) {
        return stack.given().when().get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()).toString());
    }

    /** The audit line of a refused document. */
    private static String refusal(String clientId, String reason) {
        return "\"client_id\":\"" + clientId + "\",\"user\":null,\"outcome\":\"refused\",\"reason\":\"" + reason + "\"";
    }

    private void serve(String path, int status, String body) {
        documents.createContext(path, exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            if (path.equals("/slow.json")) {
                sleep(SLOW); // the slowness under test: this server, not the test, is slow
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

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String document(String clientId, String name) {
        return """
                {"client_id":"%s","client_name":"%s","redirect_uris":["http://127.0.0.1/callback"],
                 "grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none"}"""
                .formatted(clientId, name);
    }
}
