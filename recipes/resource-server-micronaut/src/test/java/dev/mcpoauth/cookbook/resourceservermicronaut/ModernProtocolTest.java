package dev.mcpoauth.cookbook.resourceservermicronaut;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What this recipe chose for MCP 2026-07-28 beyond the resource-server contract, which runs every
 * wire-independent test over both revisions ({@code speakingMcp2026()}): one note store behind both
 * revisions, {@code initialize} with the 2026-07-28 header answered as the SDK's modern server does, the
 * modern transport's own refusal of a foreign Origin answered as a JSON-RPC error, and the CORS preflight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModernProtocolTest {

    private static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));
    private static final String MODERN = "2026-07-28";
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";
    private static final String LEGACY_INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"modern-protocol-test","version":"1"}}}""";
    /** As written: no charset appended to the Content-Type. */
    private static final RestAssuredConfig AS_WRITTEN = RestAssuredConfig.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    private EmbeddedServer server;
    private int port;
    private String aliceReader;
    private String aliceWriter;

    @BeforeAll
    void startServerAndLogIn() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "mcp.resource", ENVIRONMENT.mcpUrl().toString(),
                "mcp.authorization-server", ENVIRONMENT.realm().issuer().toString(),
                "mcp.jwks-uri", ENVIRONMENT.jwksUri().toString()));
        port = server.getPort();
        aliceReader = login(ALICE, BASE_SCOPE);
        aliceWriter = login(ALICE, BASE_SCOPE, McpTools.NOTES_WRITE);
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNoteWrittenOverOneRevisionIsReadOverTheOther() {
        String note = "both revisions " + UUID.randomUUID();
        McpSyncClient modern = modernClient(aliceWriter);

        modern.tool("add_note").arguments(Map.of("text", note)).call();

        try (io.modelcontextprotocol.client.McpSyncClient legacy = McpTestClient.connect(mcpUrl(), () -> aliceReader)) {
            assertThat(legacy.callTool(new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("list_notes", Map.of()))
                    .structuredContent()).isEqualTo(Map.of("notes", notesOf(modern)));
        }
        assertThat(notesOf(modern)).contains(note);
    }

    @Test
    void initializeWithTheModernHeaderGetsTheUnsupportedVersionErrorAndNoSession() {
        modernRequest(aliceReader, "initialize", null).body(LEGACY_INITIALIZE).post(mcpUrl())
                .then().statusCode(400).header("Mcp-Session-Id", nullValue())
                .body("error.code", equalTo(-32022))
                .body("error.data.supported", equalTo(List.of(MODERN)))
                .body("error.data.requested", equalTo("2025-11-25"));
    }

    /**
     * Only McpAuthFilter stands in front of {@code /mcp} (no CORS layer of Micronaut's): the SDK's Origin
     * validator refuses an unlisted origin with {@code sendError(403)}, answered as a JSON-RPC error, not Jetty's page.
     */
    @Test
    void aForeignOriginIsAJsonRpcErrorOnTheModernPathToo() {
        Response response = modernRequest(aliceReader, "tools/list", null).header("Origin", "https://evil.example")
                .body(request(1, "tools/list", "")).post(mcpUrl());

        response.then().statusCode(403).contentType(startsWith("application/json")).header("WWW-Authenticate", nullValue())
                .body("jsonrpc", equalTo("2.0")).body("error.code", equalTo(-32600)).body("error.message", equalTo("Forbidden"));
        assertThat(response.asString()).doesNotContain("<html", "Exception", "java.");
    }

    /** McpAuthFilter answers the preflight; a browser client may send the headers 2026-07-28 adds. */
    @Test
    void aListedBrowserOriginMaySendTheModernHeaders() {
        given().header("Origin", "http://localhost:6274").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name")
                .options(mcpUrl())
                .then().statusCode(204).header("Access-Control-Allow-Origin", "http://localhost:6274")
                .header("Access-Control-Allow-Headers", containsString("Mcp-Method, Mcp-Name"));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private URI mcpUrl() {
        return URI.create("http://localhost:" + port + "/mcp");
    }

    private static String login(UserCredentials user, String... scopes) {
        return AuthorizationCodeFlow.with(ENVIRONMENT.realm(), CLIENT_ID).scope(scopes).resource(ENVIRONMENT.mcpUrl())
                .run(new HeadlessUserAgent(), user).accessToken();
    }

    /** The MCP Java SDK 2.2.0 modern client, sending the bearer token on every request. */
    private McpSyncClient modernClient(String token) {
        HttpClientMcpTransport transport = HttpClientMcpTransport.builder(mcpUrl())
                .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                        headers.set("Authorization", "Bearer " + token)))
                .build();
        return McpClient.sync(transport)
                .clientInfo(McpSchema.Implementation.builder("modern-protocol-test", "1").build())
                .build();
    }

    @SuppressWarnings("unchecked")
    private static List<String> notesOf(McpSyncClient client) {
        return (List<String>) ((Map<String, Object>) client.tool("list_notes").call().structuredContent()).get("notes");
    }

    private static RequestSpecification given() {
        return RestAssured.given().config(AS_WRITTEN).header("Accept", "application/json, text/event-stream");
    }

    /** A POST as a 2026-07-28 client sends it: the version, method and name mirrored into headers. */
    private static RequestSpecification modernRequest(String token, String method, String name) {
        RequestSpecification request = given().contentType("application/json")
                .header("MCP-Protocol-Version", MODERN).header("Mcp-Method", method);
        if (name != null) {
            request.header("Mcp-Name", name);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    /** A 2026-07-28 request: {@code params} members (each followed by a comma), then the required {@code _meta}. */
    private static String request(int id, String method, String params) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":{" + params + META + "}}";
    }
}
