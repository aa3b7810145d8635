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
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.SYNC_STEP;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.anonymous;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.bearer;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.jsonRpcError;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.HamcrestCondition.matching;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.tokens.TokenForge;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer.ReceivedRequest;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger.ExchangedToken;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.restassured.http.Headers;
import io.restassured.response.Response;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the gateway adds to a resource server, end to end: real Keycloak (token exchange), real
 * backends, the MCP Java SDK client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayTest {

    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"gateway-test","version":"1"}}}""";
    private static final String WHOAMI = """
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""";
    private static final String ADD_NOTE = """
            {"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"add_note","arguments":{"text":"from a test"}}}""";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> tokensSeen = new CopyOnWriteArrayList<>();
    private TokenGateway gateway;
    private String toolsOnlyToken;

    @BeforeAll
    void startGateway() throws Exception {
        LogCapture.install();
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
    }

    @AfterAll
    void stopGateway() {
        gateway.stop();
    }

    /** Last, once every other test has sent its tokens through the gateway. */
    @Test
    @Order(Integer.MAX_VALUE)
    void noTokenMaterialReachedTheLog() {
        String log = LogCapture.text();
        for (String token : tokensSeen) {
            assertThat(log).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        }
    }

    @Test
    void eachBackendReceivesItsOwnShortLivedExchangedTokenNeverTheClientsToken() throws Exception {
        // One token per resource, each granted all three scopes: each backend's token carries only its own.
        String notesToken = login("notes", ALICE, "mcp:tools", "notes:write", "calendar:read");
        String calendarToken = login("calendar", ALICE, "mcp:tools", "notes:write", "calendar:read");
        JWTClaimsSet notesClient = SignedJWT.parse(notesToken).getJWTClaimsSet();
        JWTClaimsSet calendarClient = SignedJWT.parse(calendarToken).getJWTClaimsSet();
        int notesBefore = NOTES.received().size();
        int calendarBefore = CALENDAR.received().size();

        try (McpSyncClient notes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> notesToken);
             McpSyncClient calendar = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> calendarToken)) {
            CallToolResult whoami = notes.callTool(new CallToolRequest("whoami", Map.of()));
            CallToolResult events = calendar.callTool(new CallToolRequest("list_events", Map.of()));

            @SuppressWarnings("unchecked")
            Map<String, Object> who = (Map<String, Object>) whoami.structuredContent();
            assertThat(who).containsEntry("subject", notesClient.getSubject())
                    .containsEntry("username", "alice").containsEntry("client", NOTES_RESOURCE.toString());
            assertThat((List<Object>) who.get("scopes")).containsExactlyInAnyOrder("mcp:tools", "notes:write");
            assertThat(events.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(events.structuredContent()).isEqualTo(Map.of("events",
                    List.of("Stand-up with alice", "1:1 with alice's manager")));
        }

        assertExchangedTokens(NOTES.received().subList(notesBefore, NOTES.received().size()), NOTES_URL,
                NOTES_RESOURCE, "mcp:tools notes:write", notesClient);
        assertExchangedTokens(CALENDAR.received().subList(calendarBefore, CALENDAR.received().size()), CALENDAR_URL,
                CALENDAR_RESOURCE, "mcp:tools calendar:read", calendarClient);
    }

    /**
     * Every request carried a token for this backend alone, obtained by the gateway as the resource the
     * client's token was for, short-lived, down-scoped.
     */
    private static void assertExchangedTokens(List<ReceivedRequest> received, URI backend, URI gatewayResource,
                                              String scope, JWTClaimsSet client) {
        assertThat(received).isNotEmpty().allSatisfy(request -> {
            Map<String, Object> claims = request.tokenClaims();
            assertThat(claims.get("aud")).isEqualTo(backend.toString());
            assertThat(claims.get("azp")).isEqualTo(gatewayResource.toString());
            assertThat(claims.get("sub")).isEqualTo(client.getSubject());
            assertThat(((String) claims.get("scope")).split(" ")).containsExactlyInAnyOrder(scope.split(" "));
            assertThat((Long) claims.get("exp") - (Long) claims.get("iat"))
                    .isEqualTo(GatewayEnvironment.EXCHANGED_TOKEN_LIFESPAN.toSeconds());
            assertThat(claims.get("jti")).isNotEqualTo(client.getJWTID());
        });
    }

    // ---- each /mcp/<backend> is its own protected resource (RFC 9728 section 3.3, RFC 8707) ----------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"notes", "calendar"})
    void aRequestWithoutATokenGetsTheChallengeNamingThisPathsMetadata(String backend) {
        URI called = GatewayEnvironment.endpoint(backend);

        Headers headers = anonymous().body(INITIALIZE).when().post(called).then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer resource_metadata=\"" + metadataUrl(called) + "\", scope=\"mcp:tools\"")
                .body(emptyString())
                .extract().headers();
        assertThat(headers.getValues("WWW-Authenticate")).hasSize(1);
    }

    /** The URL the challenge names is the RFC 9728 section 3.1 path-suffixed one: one document, one URL. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backendsAndTheirScopes")
    void theMetadataNamesExactlyTheUrlCalledAsItsResource(String backend, List<String> scopes) {
        URI called = GatewayEnvironment.endpoint(backend);

        plain().when().get(called.resolve("/.well-known/oauth-protected-resource/mcp/" + backend)).then()
                .statusCode(200)
                .contentType(startsWith("application/json"))
                .body("resource", equalTo(called.toString())) // RFC 9728 section 3.3: identical to the URL called
                .body("authorization_servers", contains(CONTRACT.realm().issuer().toString()))
                .body("scopes_supported", equalTo(scopes))
                .body("bearer_methods_supported", contains("header"))
                .body("resource_name", equalTo("MCP OAuth Cookbook: token gateway, " + backend))
                .body("keySet()", containsInAnyOrder("resource", "authorization_servers", "scopes_supported",
                        "bearer_methods_supported", "resource_name"));
    }

    static Stream<Arguments> backendsAndTheirScopes() {
        return Stream.of(Arguments.of("notes", List.of("mcp:tools", "notes:write")),
                Arguments.of("calendar", List.of("mcp:tools", "calendar:read")));
    }

    @Test
    void aStrictClientFollowingTheCalendarsChallengeGetsATokenThatOpensIt() throws Exception {
        URI called = GatewayEnvironment.endpoint("calendar");
        String metadataUrl = anonymous().body(INITIALIZE).when().post(called).then().statusCode(401)
                .extract().header("WWW-Authenticate").replaceFirst(".*resource_metadata=\"([^\"]+)\".*", "$1");
        String resource = plain().when().get(metadataUrl).then().statusCode(200).extract().path("resource");
        // A strict client stops here unless resource is the URL it called (RFC 9728 section 3.3).
        assertThat(resource).isEqualTo(called.toString());

        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope("mcp:tools", "calendar:read")
                .resource(URI.create(resource)).run(new HeadlessUserAgent(), ALICE).accessToken();
        tokensSeen.add(token);

        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getAudience()).containsExactly(called.toString());
        try (McpSyncClient calendar = McpTestClient.connect(called, () -> token)) {
            assertThat(calendar.callTool(new CallToolRequest("list_events", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
        }
    }

    @ParameterizedTest(name = "a token for /mcp/{0} at /mcp/{1}")
    @MethodSource("otherBackends")
    void aTokenForOneBackendsResourceIsRefusedAtAnotherWithThatResourcesChallenge(String issuedFor, String calledAt) {
        String token = login(issuedFor, ALICE, "mcp:tools", "notes:write", "calendar:read");
        URI called = GatewayEnvironment.endpoint(calledAt);
        long exchangesBefore = gateway.exchangesPerformed();
        List<ReceivedRequest> notesBefore = NOTES.received();
        List<ReceivedRequest> calendarBefore = CALENDAR.received();

        Headers headers = bearer(token).body(INITIALIZE).when().post(called).then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\", "
                        + "error_description=\"JWT aud claim rejected\", "
                        + "resource_metadata=\"" + metadataUrl(called) + "\", scope=\"mcp:tools\"")
                .body(emptyString())
                .extract().headers();

        assertThat(headers.getValues("WWW-Authenticate")).hasSize(1);
        assertThat(gateway.exchangesPerformed()).isEqualTo(exchangesBefore); // refused before any exchange
        assertThat(postsSince(NOTES, notesBefore)).isEmpty();
        assertThat(postsSince(CALENDAR, calendarBefore)).isEmpty();
        // the control: the same token where it belongs
        bearer(token).body(INITIALIZE).when().post(GatewayEnvironment.endpoint(issuedFor)).then().statusCode(200);
    }

    static Stream<Arguments> otherBackends() {
        return Stream.of(Arguments.of("notes", "calendar"), Arguments.of("calendar", "notes"));
    }

    @ParameterizedTest(name = "at {0}")
    @MethodSource("resources")
    void aTokenWhoseAudienceNamesEveryBackendOpensNone(URI resource) throws Exception {
        // Keycloak narrows aud to one resource only when asked; otherwise the mcp:tools mappers name all.
        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope("mcp:tools")
                .run(new HeadlessUserAgent(), ALICE).accessToken();
        tokensSeen.add(token);
        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getAudience())
                .containsExactlyInAnyOrder(NOTES_RESOURCE.toString(), CALENDAR_RESOURCE.toString());

        // Strict RFC 8707: a token valid at several resources is one each of them could replay at the others.
        bearer(token).body(INITIALIZE).when().post(resource).then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\", "
                        + "error_description=\"JWT audience rejected\", resource_metadata=\"" + metadataUrl(resource)
                        + "\", scope=\"mcp:tools\"");
    }

    static Stream<URI> resources() {
        return Stream.of(NOTES_RESOURCE, CALENDAR_RESOURCE);
    }

    @Test
    void theMcpPathAboveTheBackendsAnswers404WithoutAChallenge() {
        anonymous().body(INITIALIZE).when().post(GatewayEnvironment.GATEWAY_MCP).then()
                .statusCode(404)
                .header("WWW-Authenticate", nullValue()) // no token would open anything here
                .body(jsonRpcError(-32601, null));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"})
    void noMetadataIsServedWhereNoResourceIs(String path) {
        plain().when().get(GatewayEnvironment.GATEWAY_MCP.resolve(path)).then().statusCode(404);
    }

    /** Keycloak: the requesting client must be in the subject token's audience. */
    @Test
    void theRealmRefusesTheCalendarResourceExchangingANotesToken() {
        exchange(login("notes", ALICE, "mcp:tools"), CALENDAR_RESOURCE, CALENDAR_URL).then()
                .statusCode(403)
                .body("error", equalTo("access_denied"))
                .body("error_description", equalTo("Client is not within the token audience"))
                .body("keySet()", containsInAnyOrder("error", "error_description"));
    }

    /** The notes resource lacks the calendar backend's audience scope. */
    @Test
    void theRealmRefusesTheNotesResourceTheCalendarBackendsAudience() {
        exchange(login("notes", ALICE, "mcp:tools"), NOTES_RESOURCE, CALENDAR_URL).then()
                .statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("Requested audience not available: " + CALENDAR_URL))
                .body("keySet()", containsInAnyOrder("error", "error_description"));
    }

    @Test
    void theRealmExchangesANotesTokenForTheNotesBackendAsTheNotesResource() throws Exception {
        String exchanged = exchange(login("notes", ALICE, "mcp:tools"), NOTES_RESOURCE, NOTES_URL).then()
                .statusCode(200)
                .extract().path("access_token");
        tokensSeen.add(exchanged);

        JWTClaimsSet claims = SignedJWT.parse(exchanged).getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly(NOTES_URL.toString());
        assertThat(claims.getStringClaim("azp")).isEqualTo(NOTES_RESOURCE.toString());
    }

    @Test
    void exchangedTokensAreCachedSoTheHotPathMakesNoCallToKeycloak() throws Exception {
        String token = login("notes", BOB, "mcp:tools");
        try (McpSyncClient notes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> token)) {
            notes.callTool(new CallToolRequest("whoami", Map.of()));
            long exchangesBefore = gateway.exchangesPerformed();

            for (int call = 0; call < 20; call++) {
                notes.callTool(new CallToolRequest("list_notes", Map.of()));
            }

            assertThat(gateway.exchangesPerformed() - exchangesBefore).isZero();
        }
    }

    @ParameterizedTest(name = "at the {0} backend")
    @ValueSource(strings = {"notes", "calendar"})
    void aClientTokenSentStraightToABackendIsRefused(String backend) {
        String clientToken = login("notes", ALICE, "mcp:tools", "notes:write");
        URI backendUrl = "notes".equals(backend) ? NOTES_URL : CALENDAR_URL;

        bearer(clientToken).body(INITIALIZE).when().post(backendUrl).then().statusCode(401);
    }

    @Test
    void aTokenExchangedForOneBackendIsRefusedByTheOther() throws Exception {
        String clientToken = login("notes", ALICE, "mcp:tools", "notes:write");
        TokenExchanger exchanger = new TokenExchanger(CONTRACT.realm().tokenEndpoint(), GatewayEnvironment.config()::clientId,
                GatewayEnvironment.SECRET, Duration.ofSeconds(5), Duration.ofSeconds(10), Clock.systemUTC());
        ExchangedToken forNotes = exchanger.exchange(clientToken, Backend.at("notes", NOTES_URL), Set.of("mcp:tools"));
        tokensSeen.add(forNotes.value());

        bearer(forNotes.value()).body(INITIALIZE).when().post(CALENDAR_URL).then().statusCode(401);
        bearer(forNotes.value()).body(INITIALIZE).when().post(NOTES_URL).then().statusCode(200); // the control
    }

    /** delete_event needs the calendar-admin role: bob lacks it, alice has it; purge_notes is denied to all. */
    @Test
    void toolsListShowsOnlyTheToolsThePolicyLetsTheUserCall() {
        String bobToken = login("calendar", BOB, "mcp:tools", "calendar:read");
        String bobNotesToken = login("notes", BOB, "mcp:tools");
        String aliceToken = login("calendar", ALICE, "mcp:tools", "calendar:read");
        try (McpSyncClient bob = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> bobToken);
             McpSyncClient alice = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> aliceToken);
             McpSyncClient bobNotes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> bobNotesToken)) {
            assertThat(bob.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("list_events", "sync_calendar");
            assertThat(alice.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("list_events", "sync_calendar", "delete_event");
            assertThat(bobNotes.listTools().tools()).extracting(Tool::name).doesNotContain("purge_notes");
        }
    }

    @ParameterizedTest
    @MethodSource("toolsThePolicyRefusesBob")
    void aToolThePolicyRefusesNeverReachesTheBackend(String backend, String tool, String message, List<String> backendCalls) {
        String token = login(backend, BOB, "mcp:tools", "calendar:read");
        try (McpSyncClient bob = McpTestClient.connect(GatewayEnvironment.endpoint(backend), () -> token)) {
            Throwable refused = catchThrowable(() -> bob.callTool(new CallToolRequest(tool, Map.of("id", "1"))));

            assertThat(refused).isInstanceOf(McpError.class).hasMessageContaining(message);
            assertThat(((McpError) refused).getJsonRpcError().code()).isEqualTo(-32001);
            assertThat(backendCalls).doesNotContain(tool);
        }
    }

    static Stream<Arguments> toolsThePolicyRefusesBob() {
        return Stream.of(
                argumentSet("a tool needing a role bob lacks", "calendar", "delete_event",
                        "The gateway's policy does not allow you to call 'delete_event'", CALENDAR_CALLS),
                argumentSet("a tool denied to everyone", "notes", "purge_notes",
                        "does not allow you to call 'purge_notes'", NOTES_CALLS),
                argumentSet("a tool the policy does not name", "notes", "drop_tables",
                        "Tool 'drop_tables' is not available through this gateway", NOTES_CALLS));
    }

    /** The control for the test above: a call the policy allows does arrive, so "never reached" means something. */
    @Test
    void aToolNeedingARoleReachesTheBackendForAUserWithTheRole() {
        String aliceToken = login("calendar", ALICE, "mcp:tools", "calendar:read");
        try (McpSyncClient alice = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> aliceToken)) {
            CallToolResult allowed = alice.callTool(new CallToolRequest("delete_event", Map.of("id", "1")));

            assertThat(allowed.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(CALENDAR_CALLS).contains("delete_event");
        }
    }

    @Test
    void aToolNeedingAScopeTheClientLacksAnswers403WithTheScopesToAskFor() {
        String token = login("calendar", BOB, "mcp:tools");

        Headers headers = bearer(token).body("""
                        {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_events","arguments":{}}}""")
                .when().post(GatewayEnvironment.endpoint("calendar")).then()
                .statusCode(403)
                .header("WWW-Authenticate", "Bearer error=\"insufficient_scope\", "
                        + "error_description=\"This request needs scope: mcp:tools calendar:read\", resource_metadata=\""
                        + metadataUrl(CALENDAR_RESOURCE) + "\", scope=\"mcp:tools calendar:read\"")
                .extract().headers();
        assertThat(headers.getValues("WWW-Authenticate")).hasSize(1);
    }

    @Test
    void progressNotificationsArriveInOrder() throws Exception {
        SyncWithProgress sync = syncCalendarWithProgress();

        assertThat(sync.result().isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(sync.progress()).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
    }

    /** Unbuffered: each notification is passed on as the backend sends it, not held back until the result. */
    @Test
    void progressNotificationsAreNotBuffered() throws Exception {
        SyncWithProgress sync = syncCalendarWithProgress();

        // The first notification arrived while the backend still had four steps to go.
        long firstToResult = Duration.ofNanos(sync.finished() - sync.arrivals().get(0)).toMillis();
        assertThat(firstToResult).isGreaterThanOrEqualTo(SYNC_STEP.toMillis() * 3);
        for (int i = 1; i < sync.arrivals().size(); i++) {
            assertThat(Duration.ofNanos(sync.arrivals().get(i) - sync.arrivals().get(i - 1)).toMillis())
                    .isGreaterThanOrEqualTo(SYNC_STEP.toMillis() / 2);
        }
    }

    /** A sync_calendar call (five steps, one progress notification each) and when each notification arrived. */
    private record SyncWithProgress(CallToolResult result, List<Double> progress, List<Long> arrivals, long finished) {
    }

    private SyncWithProgress syncCalendarWithProgress() throws Exception {
        String token = login("calendar", ALICE, "mcp:tools", "calendar:read");
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<Double> progress = new CopyOnWriteArrayList<>();
        CountDownLatch allFive = new CountDownLatch(5);
        URI endpoint = GatewayEnvironment.endpoint("calendar");
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(endpoint.resolve("/").toString())
                .endpoint(endpoint.getPath())
                .addHttpRequestCustomizer((request, method, uri, body, context) ->
                        request.header("Authorization", "Bearer " + token))
                .build();
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
                .progressConsumer((ProgressNotification notification) -> {
                    arrivals.add(System.nanoTime());
                    progress.add(notification.progress());
                    allFive.countDown();
                }).build()) {
            client.initialize();

            CallToolResult result = client.callTool(CallToolRequest.builder().name("sync_calendar").arguments(Map.of())
                    .progressToken("sync-1").build());
            long finished = System.nanoTime();
            // The SDK hands notifications to the consumer on another thread, so the last one may reach it just
            // after the result: wait for it rather than race it.
            assertThat(allFive.await(5, TimeUnit.SECONDS)).as("all five progress notifications arrive").isTrue();
            return new SyncWithProgress(result, List.copyOf(progress), List.copyOf(arrivals), finished);
        }
    }

    @Test
    void onlyTheAllowListedHeadersReachTheBackend() throws Exception {
        String token = login("notes", ALICE, "mcp:tools");
        int before = NOTES.received().size();

        String sessionId = bearer(token).headers(Map.of(
                        "Cookie", "session=browser-cookie", "X-Api-Key", "client-secret-key", "Forwarded", "for=10.0.0.1",
                        "X-Forwarded-For", "10.0.0.1", "Proxy-Authorization", "Basic c2VjcmV0", "Origin", "http://localhost:6274"))
                .body(INITIALIZE).when().post(GatewayEnvironment.endpoint("notes")).then()
                .statusCode(200)
                .extract().header("Mcp-Session-Id");
        // A GET opens the session's event stream, which stays open: wait until the backend has it, then hang up.
        // The JDK client here: the stream never ends, and only an asynchronous request can be cancelled.
        CompletableFuture<HttpResponse<InputStream>> stream = http.sendAsync(
                HttpRequest.newBuilder(GatewayEnvironment.endpoint("notes"))
                        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", sessionId).header("Last-Event-ID", "event-42").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Instant deadline = Instant.now().plusSeconds(10);
        while (NOTES.received().stream().skip(before).noneMatch(request -> request.method().equals("GET"))
                && Instant.now().isBefore(deadline)) {
            // Not a Clock case: a bounded poll for a request to arrive at another server. Nothing else tells of
            // it: the stream's headers come back only with its first event, and the backend has no hook.
            Thread.sleep(50);
        }
        stream.cancel(true);

        List<ReceivedRequest> received = NOTES.received().subList(before, NOTES.received().size());
        ReceivedRequest initialize = received.get(0);
        assertThat(initialize.headers().keySet()).doesNotContain("cookie", "x-api-key", "forwarded", "x-forwarded-for",
                "proxy-authorization", "origin");
        assertThat(initialize.headers().values()).noneMatch(value -> value.contains(token));
        assertThat(initialize.tokenClaims().get("aud")).isEqualTo(NOTES_URL.toString());
        assertThat(received).anySatisfy(request -> {
            assertThat(request.method()).isEqualTo("GET");
            assertThat(request.headers()).containsEntry("last-event-id", "event-42").containsEntry("mcp-session-id", sessionId);
        });
    }

    @Test
    void everyRequestLeavesOneAuditLineWithoutTokenMaterial() throws Exception {
        String token = login("calendar", BOB, "mcp:tools", "calendar:read");
        try (McpSyncClient calendar = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> token)) {
            calendar.callTool(new CallToolRequest("list_events", Map.of()));
            catchThrowable(() -> calendar.callTool(new CallToolRequest("delete_event", Map.of("id", "9"))));
        }
        String subject = SignedJWT.parse(token).getJWTClaimsSet().getSubject();

        List<String> lines = new ArrayList<>();
        for (String line : LogCapture.text().split("\n")) {
            if (line.contains("mcp.audit") && line.contains(subject) && line.contains("\"backend\":\"calendar\"")) {
                lines.add(line);
            }
        }
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"client_id\":\"" + CLIENT_ID + "\"")
                .contains("\"method\":\"tools/call\"").contains("\"tool\":\"list_events\"")
                .contains("\"decision\":\"allowed\"").contains("\"status\":200").containsPattern("\"latency_ms\":\\d+"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"tool\":\"delete_event\"")
                .contains("\"decision\":\"denied\""));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("\"method\":\"initialize\""));
        assertThat(String.join("\n", lines)).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    @Test
    void aRequestWithoutATokenIsAudited() {
        anonymous().body(INITIALIZE).when().post(GatewayEnvironment.endpoint("calendar")).then().statusCode(401);

        assertThat(LogCapture.text()).containsPattern(
                "mcp\\.audit - \\{[^\n]*\"subject\":null,\"client_id\":null,\"backend\":\"calendar\",\"method\":\"POST\","
                        + "\"tool\":null,\"decision\":\"no_token\",\"status\":401");
    }

    /**
     * Each body the backend's transport could read otherwise than the gateway (issue 18: the EBCDIC
     * tools/call that passed the scope check) is refused with its JSON-RPC error, and the backend
     * records nothing: the policy decides on what the backend would execute, or nothing goes.
     */
    @ParameterizedTest
    @MethodSource("bodiesTheGatewayCannotJudgeAsTheBackendWouldRead")
    void aBodyTheBackendCouldReadDifferentlyNeverReachesIt(Map<String, String> headers, byte[] body, int status, int code)
            throws Exception {
        String token = toolsOnlyToken(); // mcp:tools only: add_note needs notes:write
        List<ReceivedRequest> before = NOTES.received();
        int callsBefore = NOTES_CALLS.size();

        HttpResponse<String> refused = postBytes(GatewayEnvironment.endpoint("notes"), token, headers, body);

        assertThat(refused.statusCode()).isEqualTo(status);
        assertThat(refused.body()).is(matching(jsonRpcError(code, null)));
        assertThat(postsSince(NOTES, before)).isEmpty();
        assertThat(NOTES_CALLS).hasSize(callsBefore);
    }

    static Stream<Arguments> bodiesTheGatewayCannotJudgeAsTheBackendWouldRead() {
        String json = "application/json";
        return Stream.of(
                argumentSet("EBCDIC (IBM037) declared", Map.of("Content-Type", json + "; charset=IBM037"),
                        ADD_NOTE.getBytes(Charset.forName("IBM037")), 415, -32700),
                argumentSet("Latin-1 declared", Map.of("Content-Type", json + "; charset=ISO-8859-1"),
                        ADD_NOTE.getBytes(StandardCharsets.ISO_8859_1), 415, -32700),
                argumentSet("UTF-16 with BOM, declared UTF-8", Map.of("Content-Type", json + "; charset=utf-8"),
                        ADD_NOTE.getBytes(StandardCharsets.UTF_16), 400, -32700),
                argumentSet("UTF-32LE without BOM, undeclared", Map.of("Content-Type", json),
                        ADD_NOTE.getBytes(Charset.forName("UTF-32LE")), 400, -32700),
                argumentSet("UTF-8 with a byte order mark", Map.of("Content-Type", json),
                        ("\uFEFF" + ADD_NOTE).getBytes(StandardCharsets.UTF_8), 400, -32700),
                argumentSet("a batch of an allowed and a forbidden call", Map.of("Content-Type", json),
                        ("[" + WHOAMI + "," + ADD_NOTE + "]").getBytes(StandardCharsets.UTF_8), 400, -32600),
                argumentSet("duplicate method key", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"add_note"}}"""),
                        400, -32700),
                argumentSet("duplicate name key", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","name":"add_note"}}"""),
                        400, -32700),
                argumentSet("trailing content after the object", Map.of("Content-Type", json),
                        utf8(WHOAMI + ADD_NOTE), 400, -32700),
                argumentSet("gzip Content-Encoding", Map.of("Content-Type", json, "Content-Encoding", "gzip"),
                        utf8(ADD_NOTE), 415, -32700),
                argumentSet("text/plain", Map.of("Content-Type", "text/plain"), utf8(ADD_NOTE), 415, -32700),
                argumentSet("no Content-Type", Map.of(), utf8(ADD_NOTE), 415, -32700),
                argumentSet("tools/call without a tool name", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}"""), 400, -32602),
                argumentSet("larger than 1 MiB", Map.of("Content-Type", json),
                        utf8(ADD_NOTE.replace("from a test", "x".repeat(1024 * 1024))), 413, -32600));
    }

    @Test
    void theBackendReceivesExactlyTheJudgedBytesDeclaredAsApplicationJson() throws Exception {
        String token = toolsOnlyToken();
        // Not ASCII, odd spacing, a quoted upper-case charset: all of it must arrive byte for byte.
        byte[] sent = utf8("""
                { "jsonrpc" : "2.0", "id" : 1, "method" : "initialize", "params" : {"protocolVersion":"2025-11-25",
                  "capabilities":{}, "clientInfo":{"name":"gatewäy-tëst \u00e9", "version":"1"}} }""");
        List<ReceivedRequest> before = NOTES.received();

        HttpResponse<String> response = postBytes(GatewayEnvironment.endpoint("notes"), token,
                Map.of("Content-Type", "Application/JSON; charset=\"UTF-8\""), sent);

        assertThat(response.statusCode()).isEqualTo(200);
        List<ReceivedRequest> received = postsSince(NOTES, before);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).headers()).containsEntry("content-type", "application/json")
                .doesNotContainKey("content-encoding");
        assertThat(received.get(0).body()).isEqualTo(sent);
    }

    @Test
    void aBackendsRefusalOfASessionlessCallReachesTheClientAsAJsonRpcError() {
        // The MCP SDK 2.2.0 servlet answers this with a serialized exception, stack trace included.
        bearer(toolsOnlyToken()).body(WHOAMI).when().post(GatewayEnvironment.endpoint("notes")).then()
                .statusCode(400)
                .body(allOf(jsonRpcError(-32600, 3), not(containsString("stackTrace")), not(containsString("cause")),
                        not(containsString("Exception"))));
    }

    @Test
    void anUnknownBackendGets404WithoutReachingAnyBackend() {
        List<ReceivedRequest> notesBefore = NOTES.received();
        List<ReceivedRequest> calendarBefore = CALENDAR.received();

        bearer(toolsOnlyToken()).body(INITIALIZE).when().post(GatewayEnvironment.endpoint("billing")).then()
                .statusCode(404)
                .body(jsonRpcError(-32601, null));

        assertThat(postsSince(NOTES, notesBefore)).isEmpty();
        assertThat(postsSince(CALENDAR, calendarBefore)).isEmpty();
    }

    @Test
    void aTokenKeycloakNoLongerAcceptsIsRefusedWith401AtTheExchange() {
        // Valid for the gateway's own checks (signed with a realm key, right iss/aud/exp) but tied to no
        // Keycloak session: what an ended session looks like. The exchange refuses it; so must the gateway.
        String orphan = TokenForge.trustedBy(CONTRACT.realm()).valid(NOTES_RESOURCE.toString(), "no-session-user",
                "mcp:tools");
        tokensSeen.add(orphan);
        List<ReceivedRequest> before = NOTES.received();

        bearer(orphan).body(INITIALIZE).when().post(GatewayEnvironment.endpoint("notes")).then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\", "
                        + "error_description=\"The authorization server no longer accepts this token\", resource_metadata=\""
                        + metadataUrl(NOTES_RESOURCE) + "\", scope=\"mcp:tools\"");

        assertThat(postsSince(NOTES, before)).isEmpty();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Bob with only the base scope at /mcp/notes, logged in once for the tests that need no fresh token. */
    private String toolsOnlyToken() {
        if (toolsOnlyToken == null) {
            toolsOnlyToken = login("notes", BOB, "mcp:tools");
        }
        return toolsOnlyToken;
    }

    /**
     * The POSTs a backend received after the snapshot {@code before} (by identity: the record keeps
     * its latest 1000). Only POSTs: an earlier test's client may still be closing its session (a
     * DELETE) or its event stream.
     */
    private static List<ReceivedRequest> postsSince(BackendServer backend, List<ReceivedRequest> before) {
        Set<ReceivedRequest> earlier = Collections.newSetFromMap(new IdentityHashMap<>());
        earlier.addAll(before);
        return backend.received().stream()
                .filter(request -> !earlier.contains(request) && request.method().equals("POST")).toList();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A POST with exactly these headers (no Content-Type unless given) and these bytes. The JDK client: the
     * cases need byte-level control (declared charsets, raw bytes, no Content-Type at all).
     */
    private HttpResponse<String> postBytes(URI url, String token, Map<String, String> headers, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token)
                .header("Accept", "application/json, text/event-stream").timeout(Duration.ofSeconds(20));
        headers.forEach(request::header);
        return http.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A token as an MCP client gets it for {@code /mcp/<backend>}: resource = that URL (RFC 8707). */
    private String login(String backend, UserCredentials user, String... scopes) {
        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope(scopes)
                .resource(GatewayEnvironment.endpoint(backend)).run(new HeadlessUserAgent(), user).accessToken();
        tokensSeen.add(token);
        return token;
    }

    /** One RFC 8693 request as the gateway's resource {@code asClient}, for {@code audience}; the raw answer. */
    private static Response exchange(String subjectToken, URI asClient, URI audience) {
        return plain().contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                .formParam("subject_token", subjectToken)
                .formParam("subject_token_type", "urn:ietf:params:oauth:token-type:access_token")
                .formParam("audience", audience.toString()).formParam("scope", "mcp:tools")
                .formParam("client_id", asClient.toString()).formParam("client_secret", GatewayEnvironment.SECRET)
                .when().post(CONTRACT.realm().tokenEndpoint());
    }

    /** RFC 9728 section 3.1 for {@code resource}: the well-known segment before its path. */
    private static URI metadataUrl(URI resource) {
        return resource.resolve("/.well-known/oauth-protected-resource" + resource.getPath());
    }
}
