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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

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
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the gateway adds to a resource server, end to end: real Keycloak (token exchange), real
 * backends, the MCP Java SDK client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
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
    void stopGatewayAndCheckTheLog() {
        gateway.stop();
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
    @MethodSource("backendsAndTheirScopes")
    void theChallengeAndTheWellKnownUrlLeadToMetadataWhoseResourceIsExactlyTheUrlCalled(String backend,
                                                                                       List<String> scopes)
            throws Exception {
        URI called = GatewayEnvironment.endpoint(backend);

        HttpResponse<String> challenged = http.send(HttpRequest.newBuilder(called).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> named = get(metadataUrl(called));
        HttpResponse<String> wellKnown = get(called.resolve("/.well-known/oauth-protected-resource/mcp/" + backend));

        assertThat(challenged.statusCode()).isEqualTo(401);
        assertThat(challenged.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer resource_metadata=\"" + metadataUrl(called) + "\", scope=\"mcp:tools\"");
        for (HttpResponse<String> metadata : List.of(named, wellKnown)) {
            assertThat(metadata.statusCode()).isEqualTo(200);
            assertThat(metadata.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
            assertThat(JsonMapper.shared().readValue(metadata.body(), Map.class)).isEqualTo(Map.of(
                    "resource", called.toString(), // RFC 9728 section 3.3: identical to the URL the client called
                    "authorization_servers", List.of(CONTRACT.realm().issuer().toString()),
                    "scopes_supported", scopes,
                    "bearer_methods_supported", List.of("header"),
                    "resource_name", "MCP OAuth Cookbook: token gateway, " + backend));
        }
    }

    static Stream<Arguments> backendsAndTheirScopes() {
        return Stream.of(Arguments.of("notes", List.of("mcp:tools", "notes:write")),
                Arguments.of("calendar", List.of("mcp:tools", "calendar:read")));
    }

    @Test
    void aStrictClientStartingFromTheCalendarUrlGetsATokenForExactlyThatUrlAndUsesIt() throws Exception {
        URI called = GatewayEnvironment.endpoint("calendar");
        HttpResponse<String> challenged = http.send(HttpRequest.newBuilder(called).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build(), HttpResponse.BodyHandlers.ofString());
        String metadataUrl = challenged.headers().firstValue("WWW-Authenticate").orElseThrow()
                .replaceFirst(".*resource_metadata=\"([^\"]+)\".*", "$1");
        JsonNode metadata = JsonMapper.shared().readTree(get(URI.create(metadataUrl)).body());
        // A strict client stops here unless resource is the URL it called (RFC 9728 section 3.3).
        assertThat(metadata.path("resource").asString()).isEqualTo(called.toString());

        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope("mcp:tools", "calendar:read")
                .resource(URI.create(metadata.path("resource").asString())).run(new HeadlessUserAgent(), ALICE).accessToken();
        tokensSeen.add(token);

        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getAudience()).containsExactly(called.toString());
        try (McpSyncClient calendar = McpTestClient.connect(called, () -> token)) {
            assertThat(calendar.callTool(new CallToolRequest("list_events", Map.of())).isError()).isNotEqualTo(Boolean.TRUE);
        }
    }

    @ParameterizedTest(name = "a token for /mcp/{0} at /mcp/{1}")
    @MethodSource("otherBackends")
    void aTokenForOneBackendsResourceIsRefusedAtAnotherWithThatResourcesChallenge(String issuedFor, String calledAt)
            throws Exception {
        String token = login(issuedFor, ALICE, "mcp:tools", "notes:write", "calendar:read");
        URI called = GatewayEnvironment.endpoint(calledAt);
        long exchangesBefore = gateway.exchangesPerformed();
        List<ReceivedRequest> notesBefore = NOTES.received();
        List<ReceivedRequest> calendarBefore = CALENDAR.received();

        HttpResponse<String> refused = postInitialize(called, token, Map.of());

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\", "
                + "error_description=\"JWT aud claim rejected\", "
                + "resource_metadata=\"" + metadataUrl(called) + "\", scope=\"mcp:tools\"");
        assertThat(refused.body()).isEmpty();
        assertThat(gateway.exchangesPerformed()).isEqualTo(exchangesBefore); // refused before any exchange
        assertThat(postsSince(NOTES, notesBefore)).isEmpty();
        assertThat(postsSince(CALENDAR, calendarBefore)).isEmpty();
        assertThat(postInitialize(GatewayEnvironment.endpoint(issuedFor), token, Map.of()).statusCode())
                .isEqualTo(200); // the control: the same token where it belongs
    }

    static Stream<Arguments> otherBackends() {
        return Stream.of(Arguments.of("notes", "calendar"), Arguments.of("calendar", "notes"));
    }

    @Test
    void aTokenAskedForWithoutAResourceNamesEveryPathAndOpensNone() throws Exception {
        // Keycloak narrows aud to one resource only when asked; otherwise the mcp:tools mappers name all.
        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope("mcp:tools")
                .run(new HeadlessUserAgent(), ALICE).accessToken();
        tokensSeen.add(token);

        assertThat(SignedJWT.parse(token).getJWTClaimsSet().getAudience())
                .containsExactlyInAnyOrder(NOTES_RESOURCE.toString(), CALENDAR_RESOURCE.toString());
        for (URI resource : List.of(NOTES_RESOURCE, CALENDAR_RESOURCE)) {
            HttpResponse<String> refused = postInitialize(resource, token, Map.of());
            assertThat(refused.statusCode()).isEqualTo(401);
            // Strict RFC 8707: a token valid at several resources is one each of them could replay at the others.
            assertThat(refused.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\", "
                    + "error_description=\"JWT audience rejected\", resource_metadata=\"" + metadataUrl(resource)
                    + "\", scope=\"mcp:tools\"");
        }
    }

    @Test
    void theMcpPathAboveTheBackendsIsNoResourceAndHasNoMetadata() throws Exception {
        URI mcp = GatewayEnvironment.GATEWAY_MCP;

        HttpResponse<String> post = http.send(HttpRequest.newBuilder(mcp).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(post.headers().firstValue("WWW-Authenticate")).isEmpty(); // no token would open anything here
        assertJsonRpcError(post.body(), -32601, null);
        assertThat(get(mcp.resolve("/.well-known/oauth-protected-resource/mcp")).statusCode()).isEqualTo(404);
        assertThat(get(mcp.resolve("/.well-known/oauth-protected-resource")).statusCode()).isEqualTo(404);
    }

    @Test
    void theRealmLetsEachGatewayResourceExchangeOnlyForItsOwnBackend() throws Exception {
        String notesToken = login("notes", ALICE, "mcp:tools");

        HttpResponse<String> asCalendar = exchange(notesToken, CALENDAR_RESOURCE, CALENDAR_URL);
        HttpResponse<String> forCalendar = exchange(notesToken, NOTES_RESOURCE, CALENDAR_URL);
        HttpResponse<String> control = exchange(notesToken, NOTES_RESOURCE, NOTES_URL);

        // The calendar resource may not exchange a token that is not for it (Keycloak: the requester must be in aud).
        assertThat(asCalendar.statusCode()).isEqualTo(403);
        assertThat(JsonMapper.shared().readValue(asCalendar.body(), Map.class)).isEqualTo(Map.of(
                "error", "access_denied", "error_description", "Client is not within the token audience"));
        // The notes resource may not obtain the calendar backend's audience: it lacks that backend's scope.
        assertThat(forCalendar.statusCode()).isEqualTo(400);
        assertThat(JsonMapper.shared().readValue(forCalendar.body(), Map.class)).isEqualTo(Map.of(
                "error", "invalid_request", "error_description", "Requested audience not available: " + CALENDAR_URL));
        assertThat(control.statusCode()).isEqualTo(200);
        String exchanged = JsonMapper.shared().readTree(control.body()).path("access_token").asString();
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

    @Test
    void aClientTokenSentStraightToABackendIsRefused() throws Exception {
        String clientToken = login("notes", ALICE, "mcp:tools", "notes:write");

        assertThat(postInitialize(NOTES_URL, clientToken, Map.of()).statusCode()).isEqualTo(401);
        assertThat(postInitialize(CALENDAR_URL, clientToken, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void aTokenExchangedForOneBackendIsRefusedByTheOther() throws Exception {
        String clientToken = login("notes", ALICE, "mcp:tools", "notes:write");
        TokenExchanger exchanger = new TokenExchanger(CONTRACT.realm().tokenEndpoint(), GatewayEnvironment.config()::clientId,
                GatewayEnvironment.SECRET, Duration.ofSeconds(5), Duration.ofSeconds(10), Clock.systemUTC());
        ExchangedToken forNotes = exchanger.exchange(clientToken, Backend.at("notes", NOTES_URL), Set.of("mcp:tools"));
        tokensSeen.add(forNotes.value());

        assertThat(postInitialize(CALENDAR_URL, forNotes.value(), Map.of()).statusCode()).isEqualTo(401);
        assertThat(postInitialize(NOTES_URL, forNotes.value(), Map.of()).statusCode()).isEqualTo(200); // the control
    }

    @Test
    void aToolThePolicyDeniesIsNeitherListedNorCallableAndNeverReachesTheBackend() throws Exception {
        String bobToken = login("calendar", BOB, "mcp:tools", "calendar:read");
        String bobNotesToken = login("notes", BOB, "mcp:tools");
        String aliceToken = login("calendar", ALICE, "mcp:tools", "calendar:read");
        try (McpSyncClient bob = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> bobToken);
             McpSyncClient alice = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> aliceToken);
             McpSyncClient bobNotes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> bobNotesToken)) {
            // delete_event needs the calendar-admin role: bob lacks it, alice has it.
            assertThat(bob.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("list_events", "sync_calendar");
            assertThat(alice.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrder("list_events", "sync_calendar", "delete_event");

            Throwable denied = catchThrowable(() -> bob.callTool(new CallToolRequest("delete_event", Map.of("id", "1"))));
            Throwable purge = catchThrowable(() -> bobNotes.callTool(new CallToolRequest("purge_notes", Map.of())));
            Throwable unknown = catchThrowable(() -> bobNotes.callTool(new CallToolRequest("drop_tables", Map.of())));

            assertThat(denied).isInstanceOf(McpError.class)
                    .hasMessageContaining("The gateway's policy does not allow you to call 'delete_event'");
            assertThat(((McpError) denied).getJsonRpcError().code()).isEqualTo(-32001);
            assertThat(purge).isInstanceOf(McpError.class).hasMessageContaining("does not allow you to call 'purge_notes'");
            assertThat(unknown).isInstanceOf(McpError.class)
                    .hasMessageContaining("Tool 'drop_tables' is not available through this gateway");
            assertThat(CALENDAR_CALLS).doesNotContain("delete_event");
            assertThat(NOTES_CALLS).doesNotContain("purge_notes", "drop_tables");
            assertThat(bobNotes.listTools().tools()).extracting(Tool::name).doesNotContain("purge_notes");

            CallToolResult allowed = alice.callTool(new CallToolRequest("delete_event", Map.of("id", "1")));
            assertThat(allowed.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(CALENDAR_CALLS).contains("delete_event"); // the control: an allowed call does arrive
        }
    }

    @Test
    void aToolNeedingAScopeTheClientLacksAnswers403WithTheScopesToAskFor() throws Exception {
        String token = login("calendar", BOB, "mcp:tools");
        HttpResponse<String> response = post(GatewayEnvironment.endpoint("calendar"), token, Map.of(), """
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_events","arguments":{}}}""");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"insufficient_scope\", "
                + "error_description=\"This request needs scope: mcp:tools calendar:read\", resource_metadata=\""
                + metadataUrl(CALENDAR_RESOURCE) + "\", scope=\"mcp:tools calendar:read\"");
    }

    @Test
    void progressNotificationsStreamThroughInOrderAndUnbuffered() throws Exception {
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

            assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
            // The SDK hands notifications to the consumer on another thread, so the last one may reach it just
            // after the result: wait for it rather than race it.
            assertThat(allFive.await(5, TimeUnit.SECONDS)).as("all five progress notifications arrive").isTrue();
            assertThat(progress).containsExactly(1.0, 2.0, 3.0, 4.0, 5.0);
            // Unbuffered: the first notification arrived while the backend still had four steps to go.
            long firstToResult = Duration.ofNanos(finished - arrivals.get(0)).toMillis();
            assertThat(firstToResult).isGreaterThanOrEqualTo(SYNC_STEP.toMillis() * 3);
            for (int i = 1; i < arrivals.size(); i++) {
                assertThat(Duration.ofNanos(arrivals.get(i) - arrivals.get(i - 1)).toMillis())
                        .isGreaterThanOrEqualTo(SYNC_STEP.toMillis() / 2);
            }
        }
    }

    @Test
    void onlyTheAllowListedHeadersReachTheBackend() throws Exception {
        String token = login("notes", ALICE, "mcp:tools");
        int before = NOTES.received().size();

        HttpResponse<String> response = postInitialize(GatewayEnvironment.endpoint("notes"), token, Map.of(
                "Cookie", "session=browser-cookie", "X-Api-Key", "client-secret-key", "Forwarded", "for=10.0.0.1",
                "X-Forwarded-For", "10.0.0.1", "Proxy-Authorization", "Basic c2VjcmV0", "Origin", "http://localhost:6274"));
        String sessionId = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
        // A GET opens the session's event stream, which stays open: wait until the backend has it, then hang up.
        CompletableFuture<HttpResponse<InputStream>> stream = http.sendAsync(
                HttpRequest.newBuilder(GatewayEnvironment.endpoint("notes"))
                        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                        .header("Mcp-Session-Id", sessionId).header("Last-Event-ID", "event-42").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        Instant deadline = Instant.now().plusSeconds(10);
        while (NOTES.received().stream().skip(before).noneMatch(request -> request.method().equals("GET"))
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        stream.cancel(true);

        assertThat(response.statusCode()).isEqualTo(200);
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
    void aRequestWithoutATokenIsAuditedToo() throws Exception {
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(GatewayEnvironment.endpoint("calendar"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(LogCapture.text()).containsPattern(
                "mcp\\.audit - \\{[^\n]*\"subject\":null,\"client_id\":null,\"backend\":\"calendar\",\"method\":\"POST\","
                        + "\"tool\":null,\"decision\":\"no_token\",\"status\":401");
    }

    /**
     * Each body the backend's transport could read otherwise than the gateway (issue 18: the EBCDIC
     * tools/call that passed the scope check) is refused with its JSON-RPC error, and the backend
     * records nothing: the policy decides on what the backend would execute, or nothing goes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bodiesTheGatewayCannotJudgeAsTheBackendWouldRead")
    void aBodyTheBackendCouldReadDifferentlyIsRefusedAndNeverReachesIt(String name, Map<String, String> headers,
                                                                       byte[] body, int status, int code)
            throws Exception {
        String token = toolsOnlyToken(); // mcp:tools only: add_note needs notes:write
        List<ReceivedRequest> before = NOTES.received();
        int callsBefore = NOTES_CALLS.size();

        HttpResponse<String> refused = postBytes(GatewayEnvironment.endpoint("notes"), token, headers, body);

        assertThat(refused.statusCode()).isEqualTo(status);
        assertJsonRpcError(refused.body(), code, null);
        assertThat(postsSince(NOTES, before)).isEmpty();
        assertThat(NOTES_CALLS).hasSize(callsBefore);
    }

    static Stream<Arguments> bodiesTheGatewayCannotJudgeAsTheBackendWouldRead() {
        String json = "application/json";
        return Stream.of(
                Arguments.of("EBCDIC (IBM037) declared", Map.of("Content-Type", json + "; charset=IBM037"),
                        ADD_NOTE.getBytes(Charset.forName("IBM037")), 415, -32700),
                Arguments.of("Latin-1 declared", Map.of("Content-Type", json + "; charset=ISO-8859-1"),
                        ADD_NOTE.getBytes(StandardCharsets.ISO_8859_1), 415, -32700),
                Arguments.of("UTF-16 with BOM, declared UTF-8", Map.of("Content-Type", json + "; charset=utf-8"),
                        ADD_NOTE.getBytes(StandardCharsets.UTF_16), 400, -32700),
                Arguments.of("UTF-32LE without BOM, undeclared", Map.of("Content-Type", json),
                        ADD_NOTE.getBytes(Charset.forName("UTF-32LE")), 400, -32700),
                Arguments.of("UTF-8 with a byte order mark", Map.of("Content-Type", json),
                        ("\uFEFF" + ADD_NOTE).getBytes(StandardCharsets.UTF_8), 400, -32700),
                Arguments.of("a batch of an allowed and a forbidden call", Map.of("Content-Type", json),
                        ("[" + WHOAMI + "," + ADD_NOTE + "]").getBytes(StandardCharsets.UTF_8), 400, -32600),
                Arguments.of("duplicate method key", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"add_note"}}"""),
                        400, -32700),
                Arguments.of("duplicate name key", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","name":"add_note"}}"""),
                        400, -32700),
                Arguments.of("trailing content after the object", Map.of("Content-Type", json),
                        utf8(WHOAMI + ADD_NOTE), 400, -32700),
                Arguments.of("gzip Content-Encoding", Map.of("Content-Type", json, "Content-Encoding", "gzip"),
                        utf8(ADD_NOTE), 415, -32700),
                Arguments.of("text/plain", Map.of("Content-Type", "text/plain"), utf8(ADD_NOTE), 415, -32700),
                Arguments.of("no Content-Type", Map.of(), utf8(ADD_NOTE), 415, -32700),
                Arguments.of("tools/call without a tool name", Map.of("Content-Type", json), utf8("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}"""), 400, -32602),
                Arguments.of("larger than 1 MiB", Map.of("Content-Type", json),
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
    void aBackendsRefusalOfASessionlessCallReachesTheClientAsAJsonRpcError() throws Exception {
        // The MCP SDK 2.1.0 servlet answers this with a serialized exception, stack trace included.
        HttpResponse<String> refused = post(GatewayEnvironment.endpoint("notes"), toolsOnlyToken(), Map.of(), WHOAMI);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertJsonRpcError(refused.body(), -32600, 3);
        assertThat(refused.body()).doesNotContain("stackTrace", "cause", "Exception");
    }

    @Test
    void anUnknownBackendIs404AndNoBackendHearsOfIt() throws Exception {
        List<ReceivedRequest> notesBefore = NOTES.received();
        List<ReceivedRequest> calendarBefore = CALENDAR.received();

        HttpResponse<String> unknown = post(GatewayEnvironment.endpoint("billing"), toolsOnlyToken(), Map.of(), INITIALIZE);

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertJsonRpcError(unknown.body(), -32601, null);
        assertThat(postsSince(NOTES, notesBefore)).isEmpty();
        assertThat(postsSince(CALENDAR, calendarBefore)).isEmpty();
    }

    @Test
    void aTokenKeycloakNoLongerAcceptsIsRefusedWith401AtTheExchange() throws Exception {
        // Valid for the gateway's own checks (signed with a realm key, right iss/aud/exp) but tied to no
        // Keycloak session: what an ended session looks like. The exchange refuses it; so must the gateway.
        String orphan = TokenForge.trustedBy(CONTRACT.realm()).valid(NOTES_RESOURCE.toString(), "no-session-user",
                "mcp:tools");
        tokensSeen.add(orphan);
        List<ReceivedRequest> before = NOTES.received();

        HttpResponse<String> refused = postInitialize(GatewayEnvironment.endpoint("notes"), orphan, Map.of());

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).isEqualTo("Bearer error=\"invalid_token\", "
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

    /** Exactly a JSON-RPC error object: no other member, nothing of an exception. */
    private static void assertJsonRpcError(String body, int code, Integer id) {
        JsonNode error = JsonMapper.shared().readTree(body);
        assertThat(error.propertyNames()).containsExactlyInAnyOrder("jsonrpc", "id", "error");
        assertThat(error.path("jsonrpc").asString()).isEqualTo("2.0");
        assertThat(error.get("id").isNull() ? null : error.get("id").asInt()).isEqualTo(id);
        assertThat(error.path("error").propertyNames()).containsExactlyInAnyOrder("code", "message");
        assertThat(error.path("error").path("code").asInt()).isEqualTo(code);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A POST with exactly these headers (no Content-Type unless given) and these bytes. */
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
    private HttpResponse<String> exchange(String subjectToken, URI asClient, URI audience) throws Exception {
        String form = Map.of("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                        "subject_token", subjectToken,
                        "subject_token_type", "urn:ietf:params:oauth:token-type:access_token",
                        "audience", audience.toString(), "scope", "mcp:tools",
                        "client_id", asClient.toString(), "client_secret", GatewayEnvironment.SECRET)
                .entrySet().stream().map(field -> field.getKey() + "="
                        + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(CONTRACT.realm().tokenEndpoint())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI url) throws Exception {
        return http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** RFC 9728 section 3.1 for {@code resource}: the well-known segment before its path. */
    private static URI metadataUrl(URI resource) {
        return resource.resolve("/.well-known/oauth-protected-resource" + resource.getPath());
    }

    private HttpResponse<String> postInitialize(URI url, String token, Map<String, String> headers) throws Exception {
        return post(url, token, headers, INITIALIZE);
    }

    private HttpResponse<String> post(URI url, String token, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .timeout(Duration.ofSeconds(20));
        headers.forEach(request::header);
        return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
