package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.time.AheadClock;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The connect link for MCP 2026-07-28 clients: an {@code InputRequiredResult} with a URL elicitation,
 * and a request state the client sends back on the retry. Two instances share the database and the
 * request-state key (as behind a load balancer); a third has its own database and another key, and
 * there alice is not connected, so the tests that need her asked to connect use it. Every
 * refused retry is checked for the exact answer (HTTP 400, JSON-RPC -32602) and for what did not happen:
 * no request reached the calendar API or realm B's token endpoint, although alice's calendar is connected
 * and an accepted retry would have listed her events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectLinkMcp2026Test {

    private static final String VERSION = "2026-07-28";
    private static final String SHARED_KEY = Base64.getEncoder().encodeToString(
            "test-only-request-state-key-shared-0001".getBytes(StandardCharsets.UTF_8));
    private static final String OTHER_KEY = Base64.getEncoder().encodeToString(
            "test-only-request-state-key-another-002".getBytes(StandardCharsets.UTF_8));
    private static final String NEW_KEY = Base64.getEncoder().encodeToString(
            "test-only-request-state-key-rotated-3".getBytes(StandardCharsets.UTF_8));
    private static final Map<String, Object> URL_ELICITATION = Map.of("elicitation", Map.of("url", Map.of()));
    /** What the conformance suite's input-required-result-tampered-state scenario answers the input request with. */
    private static final Map<String, Object> ACCEPTED = Map.of("action", "accept", "content", Map.of("ok", true));
    private static final Map<String, Object> ONE_EVENT = Map.of("limit", 1);
    private static final String ALICES_FIRST_EVENT = "2026-12-01T09:00  Alice: dentist";

    private final TestStack stack = TestStack.shared();
    private final AheadClock clock = new AheadClock();
    private ServerInstance first;
    private ServerInstance second;
    private ServerInstance otherKey;
    /** The first instance's database, after a key rotation: a new key, the shared one still accepted. */
    private ServerInstance rotated;
    private Rows rows;
    private Rows otherKeyRows;
    private String alice;
    private String bob;
    /** Sealed by the first instance for alice's {@code list_events} with {@link #ONE_EVENT}, before she connected. */
    private String alicesState;

    @BeforeAll
    void start() {
        PostgresServer.Database database = stack.postgres.createDatabase("connect_2026");
        rows = new Rows(stack.postgres.dataSource(database));
        first = new ServerInstance(stack, stack.serverProperties(database, Map.of("request-state.key", SHARED_KEY)), clock);
        second = new ServerInstance(stack, stack.serverProperties(database, Map.of("request-state.key", SHARED_KEY)), clock);
        PostgresServer.Database otherDatabase = stack.postgres.createDatabase("connect_2026_other_key");
        otherKeyRows = new Rows(stack.postgres.dataSource(otherDatabase));
        otherKey = new ServerInstance(stack, stack.serverProperties(otherDatabase, Map.of("request-state.key", OTHER_KEY)), clock);
        rotated = new ServerInstance(stack, stack.serverProperties(database,
                Map.of("request-state.key", NEW_KEY, "request-state.accepted-keys", OTHER_KEY + ", " + SHARED_KEY)), clock);
        alice = token(TestStack.ALICE);
        bob = token(TestStack.BOB);

        JsonPath asked = call(first, alice, "list_events", ONE_EVENT, URL_ELICITATION, null, null)
                .then().statusCode(200).extract().jsonPath();
        alicesState = asked.getString("result.requestState");
        // alice and bob connect their calendars: a retry that got through would now reach the calendar API.
        connect(first, asked.getString("result.inputRequests.connect_calendar.params.url"), TestStack.ALICE_CALENDAR);
        connect(first, connectLink(first, bob), TestStack.BOB_CALENDAR);
    }

    @AfterEach
    void clockAsItWas() {
        clock.reset();
    }

    @AfterAll
    void stop() {
        for (ServerInstance server : new ServerInstance[] {first, second, otherKey, rotated}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void aClientWithUrlElicitationGetsTheConnectLinkAsAnInputRequiredResult() {
        Response response = call(otherKey, alice, "list_events", Map.of(), URL_ELICITATION, null, null);

        response.then().statusCode(200)
                .body("result.resultType", equalTo("input_required"))
                .body("result.inputRequests.connect_calendar.method", equalTo("elicitation/create"))
                .body("result.inputRequests.connect_calendar.params.mode", equalTo("url"))
                .body("result.inputRequests.connect_calendar.params.message",
                        equalTo("Your calendar is not connected. Connect your calendar account in your browser."))
                .body("result.inputRequests.connect_calendar.params.url",
                        startsWith(stack.resource.resolve("/connect/calendar?request=").toString()))
                .body("result.content", nullValue());
        assertThat(otherKeyRows.all()).isEmpty();
    }

    /** Signed, not encrypted: what any client can read in the state, and that it holds nothing secret. */
    @Test
    void theRequestStateNamesTheUserTheToolAndTheArgumentsDigestOnly() throws Exception {
        String payload = new String(Base64.getUrlDecoder().decode(alicesState.substring(0, alicesState.lastIndexOf('.'))),
                StandardCharsets.UTF_8);

        Map<String, Object> fields = JsonMapper.shared().readValue(payload, new tools.jackson.core.type.TypeReference<Map<String, Object>>() { });

        assertThat(fields.keySet()).containsExactlyInAnyOrder("v", "s", "exp", "p", "m", "n");
        assertThat(fields.get("p")).isEqualTo(com.nimbusds.jwt.SignedJWT.parse(alice).getJWTClaimsSet().getSubject());
        assertThat(fields.get("m")).isEqualTo("tools/call");
        assertThat(fields.get("n")).isEqualTo("list_events");
        assertThat((String) fields.get("s")).matches("v1\\.1\\.[A-Za-z0-9_-]{43}");
    }

    @Test
    void theSdkClientConnectsThroughTheLinkAndItsRetryListsTheEvents() {
        List<String> linksOpened = new ArrayList<>();
        McpSyncClient client = McpClient.sync(HttpClientMcpTransport.builder(otherKey.mcpUrl())
                        .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                                headers.set("Authorization", "Bearer " + alice)))
                        .build())
                .clientInfo(McpSchema.Implementation.builder("connect-link-test", "1").build())
                // The user's browser: opens the link, signs in at the calendar service, comes back to the callback.
                .urlElicitation(request -> {
                    linksOpened.add(request.url());
                    assertThat(otherKey.completeConnect(URI.create(request.url()), TestStack.ALICE_CALENDAR,
                            new HeadlessUserAgent()).statusCode()).isEqualTo(200);
                    return McpSchema.ElicitResult.accept(Map.of());
                })
                .build();
        try {
            McpSchema.CallToolResult result = client.tool("list_events").arguments(Map.of("limit", 1)).call();

            assertThat(linksOpened).hasSize(1);
            assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(((McpSchema.TextContent) result.content().get(0)).text()).isEqualTo(ALICES_FIRST_EVENT);
        } finally {
            otherKeyRows.update("DELETE FROM upstream_connection");
        }
    }

    @Test
    void aStateSealedByOneInstanceOpensOnAnotherWithTheSameKey() {
        int apiRequests = stack.calendarApi.requestCount();

        Response response = call(second, alice, "list_events", ONE_EVENT, URL_ELICITATION, Map.of("connect_calendar", ACCEPTED), alicesState);

        response.then().statusCode(200)
                .body("result.isError", equalTo(false))
                .body("result.content[0].text", equalTo(ALICES_FIRST_EVENT));
        assertThat(stack.calendarApi.requestCount()).isEqualTo(apiRequests + 1);
    }

    @Test
    void aStateSealedUnderAnAcceptedKeyOpensAfterTheKeyRotated() {
        int apiRequests = stack.calendarApi.requestCount();

        Response response = retry(rotated, alice, "list_events", ONE_EVENT, alicesState);

        response.then().statusCode(200)
                .body("result.isError", equalTo(false))
                .body("result.content[0].text", equalTo(ALICES_FIRST_EVENT));
        assertThat(stack.calendarApi.requestCount()).isEqualTo(apiRequests + 1);
    }

    /** Each: who sends the retry, to which instance, for which tool and arguments, and which state. */
    Stream<Arguments> refusedRetries() {
        return Stream.of(
                // The official suite's input-required-result-tampered-state: the state with "-TAMPERED" appended.
                argumentSet("a tampered state, as the conformance suite tampers it", (Retry) test -> test.retry(
                        test.first, test.alice, "list_events", ONE_EVENT, test.alicesState + "-TAMPERED")),
                argumentSet("a payload rewritten to another round, under the old MAC", (Retry) test -> test.retry(
                        test.first, test.alice, "list_events", ONE_EVENT, rewritten(test.alicesState, "v1.1.", "v1.2."))),
                argumentSet("alice's state replayed by bob", (Retry) test -> test.retry(
                        test.first, test.bob, "list_events", ONE_EVENT, test.alicesState)),
                argumentSet("alice's state for limit 1 replayed with limit 50", (Retry) test -> test.retry(
                        test.first, test.alice, "list_events", Map.of("limit", 50), test.alicesState)),
                argumentSet("alice's state for limit 1 replayed with no arguments", (Retry) test -> test.retry(
                        test.first, test.alice, "list_events", Map.of(), test.alicesState)),
                argumentSet("alice's list_events state replayed on connect_status", (Retry) test -> test.retry(
                        test.first, test.alice, "connect_status", Map.of(), test.alicesState)),
                argumentSet("a state sealed under another key", (Retry) test -> test.retry(
                        test.first, test.alice, "list_events", ONE_EVENT, test.stateFromTheOtherKey())),
                // Accepting several keys must not loosen what each checks: bob still cannot use alice's state.
                argumentSet("alice's state replayed by bob where its key is an accepted one", (Retry) test -> test.retry(
                        test.rotated, test.bob, "list_events", ONE_EVENT, test.alicesState)),
                argumentSet("a tampered state where several keys are tried", (Retry) test -> test.retry(
                        test.rotated, test.alice, "list_events", ONE_EVENT, test.alicesState + "-TAMPERED")));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("refusedRetries")
    void aRetryWhoseStateDoesNotFitIsRefusedAndTheToolDoesNotRun(Retry retry) {
        int apiRequests = stack.calendarApi.requestCount();
        int tokenRequests = stack.tokenRequests();

        Response response = retry.send(this);

        assertRefused(response);
        assertThat(stack.calendarApi.requestCount()).as("calendar API requests").isEqualTo(apiRequests);
        assertThat(stack.tokenRequests()).as("upstream token requests").isEqualTo(tokenRequests);
    }

    @Test
    void anExpiredStateIsRefusedAndTheToolDoesNotRun() {
        int apiRequests = stack.calendarApi.requestCount();
        clock.jumpTo(Instant.now().plus(Duration.ofMinutes(10)).plusSeconds(1)); // request-state.lifetime: 10m

        Response response = retry(first, alice, "list_events", ONE_EVENT, alicesState);

        assertRefused(response);
        assertThat(stack.calendarApi.requestCount()).isEqualTo(apiRequests);
    }

    @Test
    void aRetryBeforeTheUserConnectedAsksAgainThreeTimesAtMost() {
        String state = call(otherKey, alice, "list_events", Map.of(), URL_ELICITATION, null, null)
                .then().statusCode(200).extract().path("result.requestState");
        for (int round = 2; round <= 3; round++) {
            state = retry(otherKey, alice, "list_events", Map.of(), state)
                    .then().statusCode(200).body("result.resultType", equalTo("input_required"))
                    .extract().path("result.requestState");
        }

        Response response = retry(otherKey, alice, "list_events", Map.of(), state);

        response.then().statusCode(200).body("result.isError", equalTo(true)).body("result.content[0].text",
                equalTo("Your calendar is still not connected after 3 links. Call list_events again once you want to try again."));
        assertThat(otherKeyRows.all()).isEmpty();
    }

    @Test
    void aUserWhoDeclinedIsNotAskedAgain() {
        String state = call(otherKey, alice, "list_events", Map.of(), URL_ELICITATION, null, null)
                .then().statusCode(200).extract().path("result.requestState");

        Response response = call(otherKey, alice, "list_events", Map.of(), URL_ELICITATION,
                Map.of("connect_calendar", Map.of("action", "decline")), state);

        response.then().statusCode(200).body("result.isError", equalTo(true)).body("result.requestState", nullValue());
    }

    @Test
    void aClientWithoutUrlElicitationGetsTheLinkInAToolError() {

        Response response = call(otherKey, alice, "list_events", Map.of(), Map.of(), null, null);

        response.then().statusCode(200)
                .body("result.isError", equalTo(true))
                .body("result.requestState", nullValue())
                .body("result.structuredContent.status", equalTo("not_connected"))
                .body("result.structuredContent.connect_url", startsWith(stack.resource.resolve("/connect/calendar?request=").toString()));
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Retry {
        Response send(ConnectLinkMcp2026Test test);
    }

    private static void assertRefused(Response response) {
        response.then().statusCode(400)
                .body("error.code", equalTo(-32602))
                .body("error.message", equalTo("Invalid or expired requestState"))
                .body("result", nullValue());
    }

    /** A retry as a client sends it after the user opened the link: the answer to the input request, and the state. */
    private Response retry(ServerInstance server, String token, String tool, Map<String, Object> arguments, String state) {
        return call(server, token, tool, arguments, URL_ELICITATION, Map.of("connect_calendar", ACCEPTED), state);
    }

    /** Alice's state for list_events with {@link #ONE_EVENT}, sealed by the instance with the other key. */
    private String stateFromTheOtherKey() {
        return call(otherKey, alice, "list_events", ONE_EVENT, URL_ELICITATION, null, null)
                .then().statusCode(200).extract().path("result.requestState");
    }

    /** The sealed state with its payload changed and its MAC kept. */
    private static String rewritten(String sealed, String from, String to) {
        int dot = sealed.lastIndexOf('.');
        String payload = new String(Base64.getUrlDecoder().decode(sealed.substring(0, dot)), StandardCharsets.UTF_8);
        assertThat(payload).contains(from);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.replace(from, to).getBytes(StandardCharsets.UTF_8))
                + sealed.substring(dot);
    }

    /** A stateless 2026-07-28 {@code tools/call} as the SDK's client writes it: {@code _meta} and the mirrored headers. */
    private static Response call(ServerInstance server, String token, String tool, Map<String, Object> arguments,
                                 Map<String, Object> capabilities, Map<String, Object> inputResponses, String requestState) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", tool);
        params.put("arguments", arguments);
        if (inputResponses != null) {
            params.put("inputResponses", inputResponses);
        }
        if (requestState != null) {
            params.put("requestState", requestState);
        }
        params.put("_meta", Map.of(MetaKeys.PROTOCOL_VERSION, VERSION, MetaKeys.CLIENT_CAPABILITIES, capabilities));
        String body = JsonMapper.shared().writeValueAsString(Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/call", "params", params));
        return server.mcp()
                .header("Authorization", "Bearer " + token)
                .header("MCP-Protocol-Version", VERSION)
                .header("Mcp-Method", "tools/call")
                .header("Mcp-Name", tool)
                .body(body)
                .post(server.mcpUrl());
    }

    private String connectLink(ServerInstance server, String token) {
        return call(server, token, "list_events", Map.of(), URL_ELICITATION, null, null)
                .then().statusCode(200).extract().path("result.inputRequests.connect_calendar.params.url");
    }

    private void connect(ServerInstance server, String link, UserCredentials calendarLogin) {
        assertThat(server.completeConnect(URI.create(link), calendarLogin, new HeadlessUserAgent()).statusCode()).isEqualTo(200);
    }

    private String token(UserCredentials user) {
        return AuthorizationCodeFlow.with(stack.users, "mcp-demo-client").scope("mcp:tools").resource(stack.resource)
                .run(new HeadlessUserAgent(), user).accessToken();
    }
}
