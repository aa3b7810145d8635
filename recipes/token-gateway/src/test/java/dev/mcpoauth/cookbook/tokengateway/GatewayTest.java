package dev.mcpoauth.cookbook.tokengateway;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_CALLS;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_URL;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CONTRACT;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_CALLS;
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
import dev.mcpoauth.cookbook.tokengateway.TokenExchanger.ExchangedToken;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer.ReceivedRequest;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the gateway adds to a resource server, end to end: real Keycloak (token exchange), real
 * backends, the MCP Java SDK client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayTest {

    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"gateway-test","version":"1"}}}""";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> tokensSeen = new CopyOnWriteArrayList<>();
    private TokenGateway gateway;

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
        String clientToken = login(ALICE, "mcp:tools", "notes:write", "calendar:read");
        JWTClaimsSet client = SignedJWT.parse(clientToken).getJWTClaimsSet();
        int notesBefore = NOTES.received().size();
        int calendarBefore = CALENDAR.received().size();

        try (McpSyncClient notes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> clientToken);
             McpSyncClient calendar = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> clientToken)) {
            CallToolResult whoami = notes.callTool(new CallToolRequest("whoami", Map.of()));
            CallToolResult events = calendar.callTool(new CallToolRequest("list_events", Map.of()));

            @SuppressWarnings("unchecked")
            Map<String, Object> who = (Map<String, Object>) whoami.structuredContent();
            assertThat(who).containsEntry("subject", client.getSubject())
                    .containsEntry("username", "alice").containsEntry("client", CONTRACT.mcpUrl().toString());
            assertThat((List<Object>) who.get("scopes")).containsExactlyInAnyOrder("mcp:tools", "notes:write");
            assertThat(events.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(events.structuredContent()).isEqualTo(Map.of("events",
                    List.of("Stand-up with alice", "1:1 with alice's manager")));
        }

        assertExchangedTokens(NOTES.received().subList(notesBefore, NOTES.received().size()), NOTES_URL,
                "mcp:tools notes:write", client);
        assertExchangedTokens(CALENDAR.received().subList(calendarBefore, CALENDAR.received().size()), CALENDAR_URL,
                "mcp:tools calendar:read", client);
    }

    /** Every request carried a token for this backend alone, issued to the gateway, short-lived, down-scoped. */
    private static void assertExchangedTokens(List<ReceivedRequest> received, URI backend, String scope,
                                              JWTClaimsSet client) {
        assertThat(received).isNotEmpty().allSatisfy(request -> {
            Map<String, Object> claims = request.tokenClaims();
            assertThat(claims.get("aud")).isEqualTo(backend.toString());
            assertThat(claims.get("azp")).isEqualTo(CONTRACT.mcpUrl().toString());
            assertThat(claims.get("sub")).isEqualTo(client.getSubject());
            assertThat(((String) claims.get("scope")).split(" ")).containsExactlyInAnyOrder(scope.split(" "));
            assertThat((Long) claims.get("exp") - (Long) claims.get("iat"))
                    .isEqualTo(GatewayEnvironment.EXCHANGED_TOKEN_LIFESPAN.toSeconds());
            assertThat(claims.get("jti")).isNotEqualTo(client.getJWTID());
        });
    }

    @Test
    void exchangedTokensAreCachedSoTheHotPathMakesNoCallToKeycloak() throws Exception {
        String token = login(BOB, "mcp:tools");
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
        String clientToken = login(ALICE, "mcp:tools", "notes:write");

        assertThat(postInitialize(NOTES_URL, clientToken, Map.of()).statusCode()).isEqualTo(401);
        assertThat(postInitialize(CALENDAR_URL, clientToken, Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void aTokenExchangedForOneBackendIsRefusedByTheOther() throws Exception {
        String clientToken = login(ALICE, "mcp:tools", "notes:write");
        TokenExchanger exchanger = new TokenExchanger(CONTRACT.realm().tokenEndpoint(), CONTRACT.mcpUrl().toString(),
                GatewayEnvironment.SECRET, Duration.ofSeconds(5), Duration.ofSeconds(10), Clock.systemUTC());
        ExchangedToken forNotes = exchanger.exchange(clientToken, Backend.at("notes", NOTES_URL), Set.of("mcp:tools"));
        tokensSeen.add(forNotes.value());

        assertThat(postInitialize(CALENDAR_URL, forNotes.value(), Map.of()).statusCode()).isEqualTo(401);
        assertThat(postInitialize(NOTES_URL, forNotes.value(), Map.of()).statusCode()).isEqualTo(200); // the control
    }

    @Test
    void aToolThePolicyDeniesIsNeitherListedNorCallableAndNeverReachesTheBackend() throws Exception {
        String bobToken = login(BOB, "mcp:tools", "calendar:read");
        String aliceToken = login(ALICE, "mcp:tools", "calendar:read");
        try (McpSyncClient bob = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> bobToken);
             McpSyncClient alice = McpTestClient.connect(GatewayEnvironment.endpoint("calendar"), () -> aliceToken);
             McpSyncClient bobNotes = McpTestClient.connect(GatewayEnvironment.endpoint("notes"), () -> bobToken)) {
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
        String token = login(BOB, "mcp:tools");
        HttpResponse<String> response = post(GatewayEnvironment.endpoint("calendar"), token, Map.of(), """
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_events","arguments":{}}}""");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("scope=\"mcp:tools calendar:read\"")
                .contains("resource_metadata=\"" + CONTRACT.mcpUrl().resolve("/.well-known/oauth-protected-resource/mcp") + "\"");
    }

    @Test
    void progressNotificationsStreamThroughInOrderAndUnbuffered() throws Exception {
        String token = login(ALICE, "mcp:tools", "calendar:read");
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<Double> progress = new CopyOnWriteArrayList<>();
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
                }).build()) {
            client.initialize();

            CallToolResult result = client.callTool(CallToolRequest.builder().name("sync_calendar").arguments(Map.of())
                    .progressToken("sync-1").build());
            long finished = System.nanoTime();

            assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
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
        String token = login(ALICE, "mcp:tools");
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
        String token = login(BOB, "mcp:tools", "calendar:read");
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

    @Test
    void malformedAndBatchedMessagesAreRefusedBeforeTheBackend() throws Exception {
        String token = login(BOB, "mcp:tools");
        int before = NOTES.received().size();
        // A duplicate "method" key could be read as tools/list here and tools/call there: refused.
        HttpResponse<String> duplicate = post(GatewayEnvironment.endpoint("notes"), token, Map.of(), """
                {"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"purge_notes"}}""");
        HttpResponse<String> batch = post(GatewayEnvironment.endpoint("notes"), token, Map.of(), "[" + INITIALIZE + "]");
        HttpResponse<String> unknownBackend = post(GatewayEnvironment.endpoint("billing"), token, Map.of(), INITIALIZE);

        assertThat(duplicate.statusCode()).isEqualTo(400);
        assertThat(batch.statusCode()).isEqualTo(400);
        assertThat(unknownBackend.statusCode()).isEqualTo(404);
        assertThat(NOTES.received().size()).isEqualTo(before);
    }

    @Test
    void aTokenKeycloakNoLongerAcceptsIsRefusedWith401AtTheExchange() throws Exception {
        // Valid for the gateway's own checks (signed with a realm key, right iss/aud/exp) but tied to no
        // Keycloak session: what an ended session looks like. The exchange refuses it; so must the gateway.
        String orphan = TokenForge.trustedBy(CONTRACT.realm()).valid(CONTRACT.mcpUrl().toString(), "no-session-user",
                "mcp:tools");
        tokensSeen.add(orphan);
        int before = NOTES.received().size();

        HttpResponse<String> refused = postInitialize(GatewayEnvironment.endpoint("notes"), orphan, Map.of());

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).isEqualTo("Bearer error=\"invalid_token\", "
                + "error_description=\"The authorization server no longer accepts this token\", resource_metadata=\""
                + CONTRACT.mcpUrl().resolve("/.well-known/oauth-protected-resource/mcp") + "\", scope=\"mcp:tools\"");
        assertThat(NOTES.received().size()).isEqualTo(before);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private String login(UserCredentials user, String... scopes) {
        String token = AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope(scopes).resource(CONTRACT.mcpUrl())
                .run(new HeadlessUserAgent(), user).accessToken();
        tokensSeen.add(token);
        return token;
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
