package dev.mcpoauth.cookbook.resourceserverjavalin;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.mcp.Mcp2026TestClient;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What this recipe chose for MCP 2026-07-28 beyond the contract: the resource-server contract
 * (JavalinResourceServerContractTest) runs its wire-independent tests over both revisions and its
 * 2026-07-28 tests with the SDK's modern client. Here: notes shared between the revisions,
 * {@code initialize} sent with the 2026-07-28 header ({@link RevisionRouter} routes on the header, so
 * the modern transport refuses it), and two instances behind a balancer without sticky sessions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModernProtocolTest {

    private static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));
    private static final String MODERN = "2026-07-28";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"modern-protocol-test","version":"1"}}}""";
    /** As written: no charset appended to the Content-Type. */
    private static final RestAssuredConfig AS_WRITTEN = RestAssuredConfig.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    private JavalinResourceServer server;
    private String aliceReader;
    private String aliceWriter;

    @BeforeAll
    void startServerAndLogIn() throws Exception {
        server = JavalinResourceServer.start(config());
        aliceReader = login(ALICE, BASE_SCOPE);
        aliceWriter = login(ALICE, BASE_SCOPE, McpTools.NOTES_WRITE);
    }

    @AfterAll
    void stopServer() {
        server.stop();
    }

    @Test
    void aNoteWrittenOverOneRevisionIsReadOverTheOther() {
        String note = "both revisions " + UUID.randomUUID();
        McpSyncClient modern = Mcp2026TestClient.connect(mcpUrl(), () -> aliceWriter);

        modern.tool("add_note").arguments(Map.of("text", note)).call();

        try (io.modelcontextprotocol.client.McpSyncClient legacy = McpTestClient.connect(mcpUrl(), () -> aliceReader)) {
            assertThat(legacy.callTool(new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("list_notes", Map.of()))
                    .structuredContent()).isEqualTo(Map.of("notes", notesOf(modern)));
        }
        assertThat(notesOf(modern)).contains(note);
    }

    @Test
    void initializeWithTheModernHeaderGetsTheUnsupportedVersionErrorAndNoSession() {
        modernRequest(aliceReader, "initialize").body(INITIALIZE).post(mcpUrl())
                .then().statusCode(400).header("Mcp-Session-Id", nullValue())
                .body("error.code", equalTo(-32022))
                .body("error.data.supported", equalTo(List.of(MODERN)))
                .body("error.data.requested", equalTo("2025-11-25"));
    }

    @Test
    void aModernClientAlternatingBetweenTwoInstancesSucceeds() throws Exception {
        int secondPort = FreePort.find();
        JavalinResourceServer second = JavalinResourceServer.start(config(), secondPort); // same resource, another port
        try (RoundRobin balancer = RoundRobin.over(mcpUrl(), URI.create("http://localhost:" + secondPort + "/mcp"))) {
            McpSyncClient client = Mcp2026TestClient.connect(balancer.url(), () -> aliceReader);

            client.discover();
            for (int call = 0; call < 4; call++) {
                assertThat(client.tool("whoami").call().structuredContent()).isInstanceOfSatisfying(Map.class, who ->
                        assertThat(who).containsEntry("username", "alice"));
            }

            assertThat(balancer.requestsPerInstance()).allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(2));
        } finally {
            second.stop();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static ServerConfig config() {
        return new ServerConfig(ENVIRONMENT.mcpUrl(), ENVIRONMENT.realm().issuer(), ENVIRONMENT.jwksUri(),
                Duration.ofSeconds(60), BASE_SCOPE, List.of("http://localhost:6274"), "127.0.0.1");
    }

    private static URI mcpUrl() {
        return ENVIRONMENT.mcpUrl();
    }

    private static String login(UserCredentials user, String... scopes) {
        return AuthorizationCodeFlow.with(ENVIRONMENT.realm(), CLIENT_ID).scope(scopes).resource(mcpUrl())
                .run(new HeadlessUserAgent(), user).accessToken();
    }

    @SuppressWarnings("unchecked")
    private static List<String> notesOf(McpSyncClient client) {
        return (List<String>) ((Map<String, Object>) client.tool("list_notes").call().structuredContent()).get("notes");
    }

    private static RequestSpecification given() {
        return RestAssured.given().config(AS_WRITTEN).header("Accept", "application/json, text/event-stream");
    }

    /** A POST with the 2026-07-28 version and this method in headers, as a modern client sends it. */
    private static RequestSpecification modernRequest(String token, String method) {
        return given().contentType("application/json").header("Authorization", "Bearer " + token)
                .header("MCP-Protocol-Version", MODERN).header("Mcp-Method", method);
    }

    /** A load balancer without sticky sessions: each request to the next instance in turn. */
    private static final class RoundRobin implements AutoCloseable {

        private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect", "upgrade");
        private final HttpServer server;
        private final List<URI> instances;
        private final List<AtomicInteger> counts;
        private final AtomicInteger next = new AtomicInteger();
        private final HttpClient http = HttpClient.newHttpClient();

        private RoundRobin(List<URI> instances) throws Exception {
            this.instances = instances;
            this.counts = instances.stream().map(instance -> new AtomicInteger()).toList();
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                int index = Math.floorMod(next.getAndIncrement(), instances.size());
                counts.get(index).incrementAndGet();
                HttpRequest.Builder forwarded = HttpRequest.newBuilder(instances.get(index))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(
                                exchange.getRequestBody().readAllBytes()));
                exchange.getRequestHeaders().forEach((name, values) -> {
                    if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                        values.forEach(value -> forwarded.header(name, value));
                    }
                });
                try {
                    HttpResponse<byte[]> answer = http.send(forwarded.build(), HttpResponse.BodyHandlers.ofByteArray());
                    answer.headers().map().forEach((name, values) -> {
                        if (!Set.of("content-length", "transfer-encoding", "connection", ":status").contains(name.toLowerCase())) {
                            exchange.getResponseHeaders().put(name, values);
                        }
                    });
                    exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                    exchange.getResponseBody().write(answer.body());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    exchange.sendResponseHeaders(502, -1);
                }
                exchange.close();
            });
            server.start();
        }

        static RoundRobin over(URI... instances) throws Exception {
            return new RoundRobin(List.of(instances));
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mcp");
        }

        List<Integer> requestsPerInstance() {
            return counts.stream().map(AtomicInteger::get).toList();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
