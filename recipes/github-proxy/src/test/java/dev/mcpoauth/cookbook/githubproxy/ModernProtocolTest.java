package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.BearerChallengeMatcher.bearerChallenge;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.INITIALIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * MCP 2026-07-28 clients and 2025-11-25 clients on the one {@code /mcp} URL (RevisionRouter), behind the
 * same Spring Security chain and McpAuthFilter (RevisionAwareMcpAuthFilter): the modern SDK client (MCP
 * Java SDK 2.2.0 {@code io.modelcontextprotocol.modern.client}) and the legacy one, with the proxy's own
 * tokens for a user signed in at the GitHub emulator, whose stored GitHub token the tools use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModernProtocolTest {

    private static final String MODERN = "2026-07-28";
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

    private ProxyStack stack;
    private String clientId;
    /** Alice's tokens for one client: the base scope only, and every tool's scope (after a step-up). */
    private String baseScopeOnly;
    private String everyTool;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
        clientId = stack.registerClient("Alice's modern MCP client");
        baseScopeOnly = stack.login(new HeadlessUserAgent(), clientId, ALICE, ProxyStack.BASE_SCOPE).accessToken();
        everyTool = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE).accessToken();
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void modernClientDiscoversAndCallsAGitHubToolForTheSignedInUser() {
        McpSyncClient client = modernClient(everyTool);
        long listed = repositoryListings();

        McpSchema.DiscoverResult discovered = client.discover();
        McpSchema.CallToolResult who = client.tool("whoami").call();
        McpSchema.CallToolResult repositories = client.tool("list_repositories").call();

        assertThat(discovered.supportedVersions()).containsExactly(MODERN);
        assertThat(who.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(who.structuredContent()).isInstanceOfSatisfying(Map.class, user ->
                assertThat(user).containsEntry("login", "alice").containsEntry("client", clientId));
        assertThat(repositories.structuredContent())
                .isEqualTo(Map.of("repositories", List.of("alice/dotfiles", "alice/garden-planner")));
        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed + 1);
    }

    @Test
    void legacyClientStillInitializesAndCallsTheSameToolOnTheSameUrl() {
        try (io.modelcontextprotocol.client.McpSyncClient legacy = McpTestClient.connect(stack.mcpUrl(), () -> baseScopeOnly)) {
            io.modelcontextprotocol.spec.McpSchema.CallToolResult result = legacy.callTool(
                    new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("whoami", Map.of()));

            assertThat(legacy.getCurrentInitializationResult().protocolVersion()).isEqualTo("2025-11-25");
            assertThat(result.structuredContent()).isInstanceOfSatisfying(Map.class, user ->
                    assertThat(user).containsEntry("login", "alice"));
        }
    }

    @Test
    void modernRequestWithoutTokenGetsTheSameChallengeAsALegacyOne() {
        Response modern = modernRequest(null, "tools/list", null).body(request(1, "tools/list", "")).post("/mcp");
        Response legacy = stack.given().contentType("application/json").accept("application/json, text/event-stream")
                .body(INITIALIZE).post("/mcp");

        modern.then().statusCode(401).header("WWW-Authenticate", bearerChallenge(
                "resource_metadata", stack.resourceMetadataUrl(), "scope", ProxyStack.BASE_SCOPE));
        assertThat(modern.header("WWW-Authenticate")).isEqualTo(legacy.header("WWW-Authenticate"));
    }

    @Test
    void modernClientSeesTheChallengeAsAnHttpStatus() {
        McpHttpStatusException refused = catchThrowableOfType(McpHttpStatusException.class,
                modernClient("not-a-token")::discover);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge ->
                assertThat(challenge).contains("error=\"invalid_token\"", "resource_metadata="));
    }

    @Test
    void modernToolCallWithoutTheToolsScopeGets403AndGitHubIsNotCalled() {
        long listed = repositoryListings();

        modernRequest(baseScopeOnly, "tools/call", "list_repositories").body(listRepositories()).post("/mcp")
                .then().statusCode(403).header("WWW-Authenticate", bearerChallenge("error", "insufficient_scope",
                        "scope", "mcp:tools repos:read", "resource_metadata", stack.resourceMetadataUrl()));

        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    @Test
    void theScopeCheckJudgesTheBodyNotMcpName() {
        long listed = repositoryListings();

        modernRequest(baseScopeOnly, "tools/call", "whoami").body(listRepositories()).post("/mcp")
                .then().statusCode(403).header("WWW-Authenticate", containsString("error=\"insufficient_scope\""));

        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    @Test
    void aBodyThatDisagreesWithMcpNameIsRefusedAndNothingRuns() {
        long listed = repositoryListings();

        modernRequest(everyTool, "tools/call", "whoami").body(listRepositories()).post("/mcp")
                .then().statusCode(400).body("jsonrpc", equalTo("2.0")).body("id", equalTo(7))
                .body("error.code", equalTo(-32020))
                .body("error.message", equalTo("Mcp-Name header does not match request name/uri"));

        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    @Test
    void aStolenSessionIdWithTheModernHeaderGetsNothing() {
        String bob = stack.login(new HeadlessUserAgent(), stack.registerClient("Bob's client"), BOB).accessToken();
        String bobsSession = stack.mcp(bob).body(INITIALIZE).post("/mcp").then().statusCode(200).extract().header("Mcp-Session-Id");
        long listed = repositoryListings();

        modernRequest(everyTool, "tools/call", "list_repositories").header("Mcp-Session-Id", bobsSession)
                .body(listRepositories()).post("/mcp")
                .then().statusCode(404).body("error.code", equalTo(-32600)).body("error.message", equalTo("Session not found"))
                .header("Mcp-Session-Id", nullValue());
        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    @Test
    void initializeWithTheModernHeaderGetsTheUnsupportedVersionErrorAndNoSession() {
        modernRequest(baseScopeOnly, "initialize", null).body(INITIALIZE).post("/mcp")
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
                        request(1, "tools/call", "\"name\":\"whoami\",\"name\":\"list_repositories\",\"arguments\":{},"), 400, -32700),
                argumentSet("a batch, refused by McpAuthFilter: -32600", "tools/list", null, "[" + request(1, "tools/list", "") + "]", 400, -32600));
    }

    @ParameterizedTest
    @MethodSource("refusedModernRequests")
    void modernRefusalsAreJsonRpcErrorsWithoutJavaInternals(String method, String name, String body, int status, int code) {
        Response response = modernRequest(everyTool, method, name).body(body).post("/mcp");

        response.then().statusCode(status).contentType(startsWith("application/json"))
                .body("jsonrpc", equalTo("2.0")).body("error.code", equalTo(code));
        assertThat(response.asString()).doesNotContain("Exception", "java.", "at io.", "stackTrace", "timestamp");
    }

    @Test
    void aForeignOriginIsAJsonRpcErrorOnTheModernPathToo() {
        Response response = modernRequest(baseScopeOnly, "tools/list", null).header("Origin", "https://evil.example")
                .body(request(1, "tools/list", "")).post("/mcp");

        response.then().statusCode(403).contentType(startsWith("application/json"))
                .body("error.code", equalTo(-32600)).body("error.message", equalTo("Origin not allowed"));
    }

    /**
     * Spring's CORS sees the proxy's own origin as same-origin and lets it pass; the SDK's Origin validator,
     * which knows only the listed origins, refuses it with {@code sendError(403)}. That reaches neither Spring
     * Boot's error page nor Spring Security's 401 on the {@code /error} dispatch.
     */
    @Test
    void theModernTransportsOwnRefusalIsAJsonRpcErrorNotSpringsErrorPage() {
        Response response = modernRequest(baseScopeOnly, "tools/list", null).header("Origin", stack.baseUrl.toString())
                .body(request(1, "tools/list", "")).post("/mcp");

        response.then().statusCode(403).contentType(startsWith("application/json")).header("WWW-Authenticate", nullValue())
                .body("jsonrpc", equalTo("2.0")).body("error.code", equalTo(-32600))
                .body("error.message", equalTo("Request refused")); // NoErrorPageOnMcp's text, not CORS's
        assertThat(response.asString()).doesNotContain("timestamp", "path", "Exception", "java.");
    }

    /** Spring's CORS answers the preflight: a browser client may send the headers 2026-07-28 adds. */
    @Test
    void aListedBrowserOriginMaySendTheModernHeaders() {
        stack.given().header("Origin", "http://localhost:6274").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name")
                .options("/mcp")
                .then().statusCode(200).header("Access-Control-Allow-Origin", "http://localhost:6274")
                .header("Access-Control-Allow-Headers", containsString("mcp-name"));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** The MCP Java SDK 2.2.0 modern client, sending the bearer token on every request. */
    private McpSyncClient modernClient(String token) {
        HttpClientMcpTransport transport = HttpClientMcpTransport.builder(stack.mcpUrl())
                .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                        headers.set("Authorization", "Bearer " + token)))
                .build();
        return McpClient.sync(transport)
                .clientInfo(McpSchema.Implementation.builder("modern-protocol-test", "1").build())
                .build();
    }

    /** A POST as a 2026-07-28 client sends it: the version, method and name mirrored into headers. */
    private RequestSpecification modernRequest(String token, String method, String name) {
        RequestSpecification request = stack.given().contentType("application/json")
                .accept("application/json, text/event-stream")
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

    private static String listRepositories() {
        return request(7, "tools/call", "\"name\":\"list_repositories\",\"arguments\":{},");
    }

    private long repositoryListings() {
        return stack.github.apiCalls().stream().filter(call -> call.path().equals("/user/repos")).count();
    }
}
