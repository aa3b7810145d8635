package dev.mcpoauth.cookbook.resourceservermicronaut;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

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
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MCP 2026-07-28 clients and 2025-11-25 clients on the one {@code /mcp} URL ({@link RevisionRouter}),
 * behind the same McpAuthFilter ({@link RevisionAwareMcpAuthFilter}) and Micronaut Security's token
 * validation: the modern SDK client (MCP Java SDK 2.2.0 {@code io.modelcontextprotocol.modern.client})
 * and the legacy one, with real Keycloak tokens. The server serves the contract's resource URL from a
 * port of its own.
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
    private String bobReader;

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
        bobReader = login(BOB, BASE_SCOPE);
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void modernClientDiscoversAndCallsATool() {
        McpSyncClient client = modernClient(aliceReader);

        McpSchema.DiscoverResult discovered = client.discover();
        McpSchema.CallToolResult result = client.tool("whoami").call();

        assertThat(discovered.supportedVersions()).containsExactly(MODERN);
        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(result.structuredContent()).isInstanceOfSatisfying(Map.class, who ->
                assertThat(who).containsEntry("username", "alice").containsEntry("client", CLIENT_ID));
    }

    @Test
    void legacyClientStillInitializesAndCallsTheSameToolOnTheSameUrl() {
        try (io.modelcontextprotocol.client.McpSyncClient legacy = McpTestClient.connect(mcpUrl(), () -> aliceReader)) {
            io.modelcontextprotocol.spec.McpSchema.CallToolResult result = legacy.callTool(
                    new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("whoami", Map.of()));

            assertThat(legacy.getCurrentInitializationResult().protocolVersion()).isEqualTo("2025-11-25");
            assertThat(result.structuredContent()).isInstanceOfSatisfying(Map.class, who ->
                    assertThat(who).containsEntry("username", "alice"));
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
    void modernRequestWithoutTokenGetsTheSameChallengeAsALegacyOne() {
        Response modern = modernRequest(null, "tools/list", null).body(request(1, "tools/list", "")).post(mcpUrl());
        Response legacy = given().contentType("application/json").body(LEGACY_INITIALIZE).post(mcpUrl());

        modern.then().statusCode(401).header("WWW-Authenticate", "Bearer resource_metadata=\""
                + ENVIRONMENT.mcpUrl().resolve("/.well-known/oauth-protected-resource/mcp") + "\", scope=\"mcp:tools\"");
        assertThat(modern.header("WWW-Authenticate")).isEqualTo(legacy.header("WWW-Authenticate"));
    }

    @Test
    void modernClientSeesTheChallengeAsAnHttpStatus() {
        McpSyncClient client = modernClient("not-a-token");

        McpHttpStatusException refused = catchThrowableOfType(McpHttpStatusException.class, client::discover);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge ->
                assertThat(challenge).contains("error=\"invalid_token\"", "resource_metadata="));
    }

    @Test
    void modernToolCallWithoutTheToolsScopeGets403AndTheToolDoesNotRun() {
        String note = "needs notes:write " + UUID.randomUUID();

        modernRequest(aliceReader, "tools/call", "add_note").body(addNote(note)).post(mcpUrl())
                .then().statusCode(403).header("WWW-Authenticate", "Bearer error=\"insufficient_scope\", "
                        + "error_description=\"This request needs scope: mcp:tools notes:write\", "
                        + "resource_metadata=\"" + ENVIRONMENT.mcpUrl().resolve("/.well-known/oauth-protected-resource/mcp") + "\", "
                        + "scope=\"mcp:tools notes:write\"");

        assertThat(notesOf(modernClient(aliceReader))).doesNotContain(note);
    }

    @Test
    void theScopeCheckJudgesTheBodyNotMcpName() {
        String note = "named whoami in the header " + UUID.randomUUID();

        modernRequest(aliceReader, "tools/call", "whoami").body(addNote(note)).post(mcpUrl())
                .then().statusCode(403).header("WWW-Authenticate", containsString("error=\"insufficient_scope\""));

        assertThat(notesOf(modernClient(aliceReader))).doesNotContain(note);
    }

    @Test
    void aBodyThatDisagreesWithMcpNameIsRefusedAndTheToolDoesNotRun() {
        String note = "header says list_notes " + UUID.randomUUID();

        modernRequest(aliceWriter, "tools/call", "list_notes").body(addNote(note)).post(mcpUrl())
                .then().statusCode(400).body("jsonrpc", equalTo("2.0")).body("id", equalTo(7))
                .body("error.code", equalTo(-32020))
                .body("error.message", equalTo("Mcp-Name header does not match request name/uri"));

        assertThat(notesOf(modernClient(aliceReader))).doesNotContain(note);
    }

    @Test
    void aStolenSessionIdWithTheModernHeaderGetsNothing() {
        String bobsSession = given().contentType("application/json").header("Authorization", "Bearer " + bobReader)
                .body(LEGACY_INITIALIZE).post(mcpUrl()).then().statusCode(200).extract().header("Mcp-Session-Id");

        modernRequest(aliceReader, "tools/call", "list_notes").header("Mcp-Session-Id", bobsSession)
                .body(request(3, "tools/call", "\"name\":\"list_notes\",\"arguments\":{},")).post(mcpUrl())
                .then().statusCode(404).body("error.code", equalTo(-32600)).body("error.message", equalTo("Session not found"))
                .header("Mcp-Session-Id", nullValue());
    }

    @Test
    void aModernRequestIsStatelessEvenWithItsOwnSessionId() {
        String ownSession = given().contentType("application/json").header("Authorization", "Bearer " + aliceReader)
                .body(LEGACY_INITIALIZE).post(mcpUrl()).then().statusCode(200).extract().header("Mcp-Session-Id");

        modernRequest(aliceReader, "tools/call", "whoami").header("Mcp-Session-Id", ownSession)
                .body(request(4, "tools/call", "\"name\":\"whoami\",\"arguments\":{},")).post(mcpUrl())
                .then().statusCode(200).header("Mcp-Session-Id", nullValue())
                .body("result.structuredContent.username", equalTo("alice"));
    }

    @Test
    void initializeWithTheModernHeaderGetsTheUnsupportedVersionErrorAndNoSession() {
        modernRequest(aliceReader, "initialize", null).body(LEGACY_INITIALIZE).post(mcpUrl())
                .then().statusCode(400).header("Mcp-Session-Id", nullValue())
                .body("error.code", equalTo(-32022))
                .body("error.data.supported", equalTo(List.of(MODERN)))
                .body("error.data.requested", equalTo("2025-11-25"));
    }

    static Stream<Arguments> refusedModernRequests() {
        return Stream.of(
                argumentSet("an unknown method: 404, -32601", "tools/nope", null, request(1, "tools/nope", ""), 404, -32601),
                argumentSet("no _meta: -32602", "tools/list", null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}", 400, -32602),
                argumentSet("Mcp-Method disagrees with the body: -32020", "tools/list", null, request(1, "server/discover", ""), 400, -32020),
                argumentSet("an unknown tool: -32602", "tools/call", "nope", request(1, "tools/call", "\"name\":\"nope\",\"arguments\":{},"), 400, -32602),
                argumentSet("a request state this server never issued: -32602", "tools/call", "whoami",
                        request(1, "tools/call", "\"name\":\"whoami\",\"arguments\":{},\"requestState\":\"forged.state\","), 400, -32602),
                argumentSet("a duplicate key, refused by McpAuthFilter: -32700", "tools/call", "whoami",
                        request(1, "tools/call", "\"name\":\"whoami\",\"name\":\"add_note\",\"arguments\":{},"), 400, -32700),
                argumentSet("a batch, refused by McpAuthFilter: -32600", "tools/list", null, "[" + request(1, "tools/list", "") + "]", 400, -32600));
    }

    @ParameterizedTest
    @MethodSource("refusedModernRequests")
    void modernRefusalsAreJsonRpcErrorsWithoutJavaInternals(String method, String name, String body, int status, int code) {
        Response response = modernRequest(aliceWriter, method, name).body(body).post(mcpUrl());

        response.then().statusCode(status).contentType(startsWith("application/json"))
                .body("jsonrpc", equalTo("2.0")).body("error.code", equalTo(code));
        assertThat(response.asString()).doesNotContain("Exception", "java.", "at io.", "stackTrace", "timestamp");
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

    private static String addNote(String text) {
        return request(7, "tools/call", "\"name\":\"add_note\",\"arguments\":{\"text\":\"" + text + "\"},");
    }
}
