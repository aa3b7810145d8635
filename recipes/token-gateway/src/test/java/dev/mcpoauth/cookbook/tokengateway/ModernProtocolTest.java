package dev.mcpoauth.cookbook.tokengateway;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_CALLS;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_RESOURCE;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_URL;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CONTRACT;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_CALLS;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_RESOURCE;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_URL;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.bearer;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.jsonRpcError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.mcp.Mcp2026TestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer.ReceivedRequest;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the gateway adds for MCP 2026-07-28 beyond the resource-server contract (GatewayContractTest
 * runs it over both revisions at {@code /mcp/notes}): a modern call relayed to each backend with that
 * backend's own exchanged token, the per-tool policy judging the body, the {@code Mcp-Name} header
 * checked at the gateway, sessions, and the backends' modern refusals relayed as they are.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModernProtocolTest {

    private static final String MODERN = "2026-07-28";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"modern-protocol-test","version":"1"}}}""";

    private TokenGateway gateway;

    @BeforeAll
    void startGateway() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
    }

    @AfterAll
    void stopGateway() {
        gateway.stop();
    }

    static Stream<Arguments> backends() {
        return Stream.of(
                argumentSet("notes", "notes", "whoami", NOTES, NOTES_URL, NOTES_RESOURCE, "mcp:tools notes:write"),
                argumentSet("calendar", "calendar", "list_events", CALENDAR, CALENDAR_URL, CALENDAR_RESOURCE,
                        "mcp:tools calendar:read"));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aModernCallReachesEachBackendWithThatBackendsOwnDownScopedToken(String backend, String tool,
            BackendServer server, URI backendUrl, URI resource, String scope) {
        // Granted every scope: each backend's token carries only its own.
        String token = login(backend, ALICE, "mcp:tools", "notes:write", "calendar:read");
        int before = server.received().size();
        McpSyncClient client = Mcp2026TestClient.connect(GatewayEnvironment.endpoint(backend), () -> token);

        var result = client.tool(tool).call();

        assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
        List<ReceivedRequest> received = server.received().subList(before, server.received().size());
        assertThat(received).isNotEmpty().allSatisfy(request -> {
            assertThat(request.tokenClaims().get("aud")).isEqualTo(backendUrl.toString());
            assertThat(request.tokenClaims().get("azp")).isEqualTo(resource.toString());
            assertThat(((String) request.tokenClaims().get("scope")).split(" ")).containsExactlyInAnyOrder(scope.split(" "));
            assertThat(request.headers()).containsEntry("mcp-protocol-version", MODERN).containsKey("mcp-method")
                    .doesNotContainKey("mcp-session-id");
        });
        assertThat(received).anySatisfy(request ->
                assertThat(request.headers()).containsEntry("mcp-method", "tools/call").containsEntry("mcp-name", tool));
    }

    @Test
    void toolsListOverTheModernRevisionShowsOnlyTheToolsThePolicyLetsTheUserCall() {
        String bobToken = login("calendar", BOB, "mcp:tools", "calendar:read");
        String aliceToken = login("calendar", ALICE, "mcp:tools", "calendar:read");

        var bobs = Mcp2026TestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> bobToken).listTools().list();
        var alices = Mcp2026TestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> aliceToken).listTools().list();

        assertThat(bobs.tools()).extracting(tool -> tool.name()).containsExactlyInAnyOrder("list_events", "sync_calendar");
        assertThat(alices.tools()).extracting(tool -> tool.name())
                .containsExactlyInAnyOrder("list_events", "sync_calendar", "delete_event");
        // A list that differs per user must not be kept by a shared cache (2026-07-28 CacheableResult).
        assertThat(bobs.cacheScope()).isEqualTo(McpSchema.CacheScope.PRIVATE);
        assertThat(alices.cacheScope()).isEqualTo(McpSchema.CacheScope.PRIVATE);
    }

    static Stream<Arguments> toolsThePolicyRefusesBob() {
        return Stream.of(
                argumentSet("a tool needing a role bob lacks: 200, -32001", "calendar", "delete_event", CALENDAR, CALENDAR_CALLS,
                        200, -32001),
                argumentSet("a tool denied to everyone: 200, -32001", "notes", "purge_notes", NOTES, NOTES_CALLS, 200, -32001),
                argumentSet("a tool the policy does not name: 400, -32602", "notes", "drop_tables", NOTES, NOTES_CALLS,
                        400, -32602));
    }

    @ParameterizedTest
    @MethodSource("toolsThePolicyRefusesBob")
    void aToolThePolicyRefusesOverTheModernRevisionNeverReachesTheBackend(String backend, String tool,
            BackendServer server, List<String> calls, int status, int code) {
        String token = login(backend, BOB, "mcp:tools", "calendar:read");
        int before = server.received().size();
        int callsBefore = calls.size();

        modernToolCall(token, tool, tool).post(GatewayEnvironment.endpoint(backend))
                .then().statusCode(status).body(jsonRpcError(code, 7));

        assertThat(server.received()).hasSize(before);
        assertThat(calls).hasSize(callsBefore);
    }

    static Stream<Arguments> mcpNamesThatDisagreeWithTheBody() {
        return Stream.of(
                argumentSet("another tool", List.of("whoami")),
                argumentSet("another tool, base64-encoded", List.of("=?base64?d2hvYW1p?=")),
                argumentSet("none", List.of()),
                argumentSet("the tool, and another", List.of("add_note", "whoami")));
    }

    /**
     * The gateway judged the body; what it forwards must say the same. Refused here, so the backend
     * (which would refuse it too) never sees it, and nothing on the way reads a name that was not judged.
     */
    @ParameterizedTest
    @MethodSource("mcpNamesThatDisagreeWithTheBody")
    void aCallWhoseMcpNameDisagreesWithTheBodyIsRefusedAtTheGatewayAndTheToolNeverRuns(List<String> mcpNames) {
        // A token that may call add_note: the only thing wrong is the header.
        String token = login("notes", ALICE, "mcp:tools", "notes:write");
        int before = NOTES.received().size();
        int callsBefore = NOTES_CALLS.size();
        RequestSpecification request = bearer(token).headers(Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call"))
                .body(modernBody("tools/call", Map.of("name", "add_note", "arguments", Map.of("text", "never saved"))));
        mcpNames.forEach(name -> request.header("Mcp-Name", name));

        request.post(GatewayEnvironment.endpoint("notes")).then().statusCode(400).body(jsonRpcError(-32020, 7));

        assertThat(NOTES.received()).hasSize(before);
        assertThat(NOTES_CALLS).hasSize(callsBefore);
    }

    /** The control for the test above: the name written as =?base64?...?= is the same name, and the call runs. */
    @Test
    void aBase64EncodedMcpNameThatAgreesWithTheBodyPasses() {
        String token = login("notes", ALICE, "mcp:tools");

        modernToolCall(token, "whoami", "=?base64?d2hvYW1p?=").post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(200).body("result.structuredContent.username", equalTo("alice"));
    }

    @Test
    void aStolenSessionIdSentWithTheModernHeaderGetsNothing() {
        String bobToken = login("notes", BOB, "mcp:tools");
        String aliceToken = login("notes", ALICE, "mcp:tools");
        String bobsSession = bearer(bobToken).body(INITIALIZE).post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(200).extract().header("Mcp-Session-Id");
        int before = NOTES.received().size();

        modernToolCall(aliceToken, "list_notes", "list_notes").header("Mcp-Session-Id", bobsSession)
                .post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(404).header("Mcp-Session-Id", nullValue()).body(jsonRpcError(-32600, null));

        assertThat(NOTES.received()).hasSize(before);
    }

    @Test
    void theOwnSessionIdSentWithTheModernHeaderIsNotForwarded() {
        String token = login("notes", ALICE, "mcp:tools");
        String ownSession = bearer(token).body(INITIALIZE).post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(200).extract().header("Mcp-Session-Id");
        int before = NOTES.received().size();

        modernToolCall(token, "whoami", "whoami").header("Mcp-Session-Id", ownSession)
                .post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(200).header("Mcp-Session-Id", nullValue());

        assertThat(NOTES.received().subList(before, NOTES.received().size())).singleElement()
                .satisfies(request -> assertThat(request.headers()).doesNotContainKey("mcp-session-id"));
    }

    @Test
    void initializeWithTheModernHeaderGetsTheBackendsUnsupportedVersionErrorUnchanged() {
        String token = login("notes", ALICE, "mcp:tools");
        int before = NOTES.received().size();

        bearer(token).headers(Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "initialize")).body(INITIALIZE)
                .post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(400).header("Mcp-Session-Id", nullValue())
                .body("error.code", equalTo(-32022))
                .body("error.data.supported", equalTo(List.of(MODERN)))
                .body("error.data.requested", equalTo("2025-11-25"));

        assertThat(NOTES.received()).hasSize(before + 1); // the backend's answer, relayed
    }

    static Stream<Arguments> refusalsOfTheBackend() {
        return Stream.of(
                argumentSet("an unknown method: 404, -32601", "tools/nope", "tools/nope", 404, -32601),
                argumentSet("Mcp-Method disagrees with the body: 400, -32020", "tools/list", "server/discover", 400, -32020));
    }

    @ParameterizedTest
    @MethodSource("refusalsOfTheBackend")
    void theBackendsModernRefusalsAreRelayedUnchanged(String mcpMethod, String method, int status, int code) {
        String token = login("notes", ALICE, "mcp:tools");
        int before = NOTES.received().size();

        bearer(token).headers(Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", mcpMethod))
                .body(modernBody(method, Map.of())).post(GatewayEnvironment.endpoint("notes"))
                .then().statusCode(status).body("error.code", equalTo(code)).body("id", equalTo(7));

        assertThat(NOTES.received()).hasSize(before + 1);
    }

    @Test
    void progressReachesAModernClientOnTheEventStreamBeforeTheResult() {
        String token = login("calendar", ALICE, "mcp:tools", "calendar:read");
        ObjectNode body = (ObjectNode) JsonMapper.shared().readTree(
                modernBody("tools/call", Map.of("name", "sync_calendar", "arguments", Map.of())));
        ((ObjectNode) body.path("params").path("_meta")).put(MetaKeys.PROGRESS_TOKEN, "sync-1");

        String stream = bearer(token).headers(Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call",
                        "Mcp-Name", "sync_calendar")).body(JsonMapper.shared().writeValueAsString(body))
                .post(GatewayEnvironment.endpoint("calendar"))
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();

        assertThat(stream.split("notifications/progress", -1)).hasSize(6);
        assertThat(stream.lastIndexOf("notifications/progress")).isLessThan(stream.indexOf("Calendar synchronised."));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String login(String backend, UserCredentials user, String... scopes) {
        return AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope(scopes)
                .resource(GatewayEnvironment.endpoint(backend)).run(new HeadlessUserAgent(), user).accessToken();
    }

    /** A 2026-07-28 tools/call (id 7) of {@code tool}, whose Mcp-Name header says {@code mcpName}. */
    private static RequestSpecification modernToolCall(String token, String tool, String mcpName) {
        return bearer(token).headers(Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call", "Mcp-Name", mcpName))
                .body(modernBody("tools/call", Map.of("name", tool, "arguments", Map.of())));
    }

    /** A 2026-07-28 request (id 7): the version and the client's capabilities in {@code params._meta}. */
    private static String modernBody(String method, Map<String, Object> params) {
        ObjectNode request = JsonMapper.shared().createObjectNode().put("jsonrpc", "2.0").put("id", 7).put("method", method);
        ObjectNode written = request.putObject("params");
        written.setAll((ObjectNode) JsonMapper.shared().valueToTree(params));
        ObjectNode meta = written.putObject("_meta");
        meta.put(MetaKeys.PROTOCOL_VERSION, MODERN);
        meta.putObject(MetaKeys.CLIENT_CAPABILITIES);
        return JsonMapper.shared().writeValueAsString(request);
    }
}
