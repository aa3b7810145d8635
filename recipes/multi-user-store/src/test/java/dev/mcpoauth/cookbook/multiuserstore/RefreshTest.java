package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.multiuserstore.store.StoredConnection;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.time.AheadClock;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Refresh against a real Keycloak realm with refresh-token rotation: before expiry, after an
 * upstream 401, under a storm of concurrent calls, with 5xx and a hanging upstream, and on
 * {@code invalid_grant}. Token requests are counted at a proxy in front of Keycloak. The server reads
 * token expiry on a {@link AheadClock}: a test moves it to "30 s before expiry" instead of waiting there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefreshTest {

    private static final String ALICES_EVENTS = "2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review";

    private final TestStack stack = TestStack.shared();
    private final List<String> secretsSeen = new ArrayList<>();
    private final AheadClock clock = new AheadClock();
    private ServerInstance server;
    private TokenRepository store;
    private Rows rows;
    private McpUser alice;
    private McpUser bob;
    private RecordingRefreshHook hook;

    @BeforeAll
    void start() {
        PostgresServer.Database database = stack.postgres.createDatabase("refresh");
        server = new ServerInstance(stack, stack.serverProperties(database, Map.of("upstream.refresh-skew", "60s")), clock);
        store = server.bean(TokenRepository.class);
        hook = server.bean(RecordingRefreshHook.class);
        rows = new Rows(stack.postgres.dataSource(database));
        alice = server.login(TestStack.ALICE);
        bob = server.login(TestStack.BOB);
        assertThat(server.connect(alice, TestStack.ALICE_CALENDAR)).isEqualTo(200);
        assertThat(server.connect(bob, TestStack.BOB_CALENDAR)).isEqualTo(200);
    }

    @AfterEach
    void healUpstream() {
        clock.reset();
        stack.upstreamProxy.blackHole(false);
        stack.upstreamProxy.failNext(0);
        stack.calendarApi.failNext(0, 503);
    }

    @AfterAll
    void stop() {
        alice.close();
        bob.close();
        server.close();
    }

    @Test
    @Order(1)
    void refreshesBeforeExpiryKeepingTheRotatedRefreshToken() throws Exception {
        StoredConnection before = stored(bob);
        remember(before);
        clock.jumpTo(before.tokens().expiresAt().minusSeconds(30)); // inside the 60 s skew, still before expiry
        int tokenRequests = stack.tokenRequests();
        hook.calls.clear();

        CallToolResult events = bob.call("list_events");

        StoredConnection after = stored(bob);
        remember(after);
        assertThat(ServerInstance.text(events)).isEqualTo("2026-12-03T10:00  Bob: board meeting");
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1);
        assertThat(after.version()).isEqualTo(before.version() + 1);
        assertThat(after.tokens().accessToken()).isNotEqualTo(before.tokens().accessToken());
        assertThat(after.tokens().refreshToken()).isNotEqualTo(before.tokens().refreshToken());
        assertThat(hook.calls).containsExactly("before:EXPIRING", "refreshed:EXPIRING");
        // It was "before expiry": the replaced access token was still accepted by the calendar API.
        assertThat(callCalendar(before.tokens().accessToken())).isEqualTo(200);
        // Rotation: the new refresh token was persisted, and Keycloak no longer takes the old one.
        DirectUpstream.Answer oldOne = DirectUpstream.refresh(stack, before.tokens().refreshToken());
        assertThat(oldOne.status()).isEqualTo(400);
        assertThat(oldOne.error()).isEqualTo("invalid_grant");
    }

    @Test
    @Order(2)
    void refreshesOnceAfterTheUpstreamRejectsTheAccessToken() throws Exception {
        StoredConnection before = stored(alice);
        remember(before);
        stack.calendarApi.revoke(before.tokens().accessToken()); // at the calendar service, before it expires
        int tokenRequests = stack.tokenRequests();
        int rejected = stack.calendarApi.rejectedCount();
        hook.calls.clear();

        CallToolResult events = alice.call("list_events");

        assertThat(ServerInstance.text(events)).isEqualTo(ALICES_EVENTS);
        assertThat(stack.calendarApi.rejectedCount() - rejected).isEqualTo(1);
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1);
        assertThat(stored(alice).version()).isEqualTo(before.version() + 1);
        assertThat(hook.calls).containsExactly("before:REJECTED_BY_UPSTREAM", "refreshed:REJECTED_BY_UPSTREAM");
    }

    @Test
    @Order(3)
    void aStormOfConcurrentCallsRefreshesExactlyOnce() throws Exception {
        rows.setAccessExpiry(alice.subject(), Instant.now().minusSeconds(10).getEpochSecond()); // expired
        long version = stored(alice).version();
        int tokenRequests = stack.tokenRequests();
        double refreshes = server.refreshes("success");
        int calls = 200;
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CallToolResult>> results = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return alice.call("list_events");
                }));
            }
            go.countDown();
            for (Future<CallToolResult> result : results) {
                assertThat(ServerInstance.text(result.get())).isEqualTo(ALICES_EVENTS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1);
        assertThat(server.refreshes("success") - refreshes).isEqualTo(1.0);
        assertThat(stored(alice).version()).isEqualTo(version + 1);
    }

    @Test
    @Order(4)
    void retriesUpstream5xxWithBackoff() {
        rows.setAccessExpiry(alice.subject(), Instant.now().minusSeconds(10).getEpochSecond());
        stack.upstreamProxy.failNext(2);       // token endpoint: 503, 503, then Keycloak
        stack.calendarApi.failNext(2, 502);    // calendar API: 502, 502, then the events
        int tokenRequests = stack.tokenRequests();
        int apiRequests = stack.calendarApi.requestCount();

        CallToolResult events = alice.call("list_events");

        assertThat(ServerInstance.text(events)).isEqualTo(ALICES_EVENTS);
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(3);
        assertThat(stack.calendarApi.requestCount() - apiRequests).isEqualTo(3);
    }

    @Test
    @Order(5)
    void anUnreachableUpstreamFailsInBoundedTimeLosingNothing() {
        rows.setAccessExpiry(alice.subject(), Instant.now().minusSeconds(10).getEpochSecond());
        StoredConnection before = stored(alice);
        stack.upstreamProxy.blackHole(true);
        int tokenRequests = stack.tokenRequests();
        hook.calls.clear();

        Instant started = Instant.now();
        CallToolResult answer = alice.call("list_events");
        Duration took = Duration.between(started, Instant.now());

        assertThat(answer.isError()).isTrue();
        assertThat(ServerInstance.text(answer))
                .isEqualTo("The calendar service is not reachable right now (tried 3 times). Nothing was changed; try again in a minute.");
        assertThat(took).isLessThan(Duration.ofSeconds(12)); // 3 x 3 s timeout + at most 2 x 0.4 s backoff
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(9)); // and it did wait for each attempt
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(3);
        assertThat(hook.calls).containsExactly("before:EXPIRING", "error:EXPIRING:transient");
        assertThat(stored(alice).version()).isEqualTo(before.version());
        assertThat(stored(alice).tokens().refreshToken()).isEqualTo(before.tokens().refreshToken());

        stack.upstreamProxy.blackHole(false);
        assertThat(ServerInstance.text(alice.call("list_events"))).isEqualTo(ALICES_EVENTS); // the refresh token survived
    }

    @Test
    @Order(6)
    void invalidGrantAsksTheUserToReconnect() {
        StoredConnection before = stored(bob);
        remember(before);
        // The user's upstream session ends (RFC 7009 revocation at Keycloak logs the session out).
        revokeAtKeycloak(before.tokens().refreshToken());
        rows.setAccessExpiry(bob.subject(), Instant.now().minusSeconds(10).getEpochSecond());
        int tokenRequests = stack.tokenRequests();
        double invalidGrants = server.refreshes("invalid_grant");
        hook.calls.clear();

        CallToolResult answer = bob.call("list_events");

        assertThat(answer.isError()).isTrue();
        assertThat(ServerInstance.text(answer)).startsWith("Your calendar connection has expired or was revoked at the calendar"
                + " service: reconnect it. Open this link (valid 10 minutes, for you only), then call list_events again: "
                + stack.resource.resolve("/connect/calendar") + "?request=");
        assertThat(ConnectAndIsolationTest.status(answer)).isEqualTo("reconnect_needed");
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1); // never retried
        assertThat(server.refreshes("invalid_grant") - invalidGrants).isEqualTo(1.0);
        assertThat(hook.calls).containsExactly("before:EXPIRING", "error:EXPIRING:reconnect");
        Map<String, String> row = rows.of(bob.subject());
        assertThat(row.get("status")).isEqualTo("RECONNECT_NEEDED");
        assertThat(row.get("sealed_tokens")).isNull();
        assertThat(row.get("wrapped_data_key")).isNull();
        assertThat(ConnectAndIsolationTest.status(bob.call("connect_status"))).isEqualTo("reconnect_needed");

        assertThat(server.connect(bob, TestStack.BOB_CALENDAR)).isEqualTo(200);
        assertThat(ServerInstance.text(bob.call("list_events"))).isEqualTo("2026-12-03T10:00  Bob: board meeting");
    }

    @Test
    @Order(7)
    void refreshMetricsAreRecorded() {
        assertThat(server.refreshes("success")).isGreaterThanOrEqualTo(4.0);
        assertThat(server.meters().find("upstream.refresh.latency").timer().count()).isGreaterThanOrEqualTo(6);
        assertThat(server.meters().find("token.store.latency").tag("operation", "find").timer().count()).isGreaterThan(200);
    }

    @Test
    @Order(8)
    void noTokenReachedTheLog() {
        String log = LogCapture.text();
        assertThat(log).contains("Refreshed upstream tokens of user " + bob.subject() + " for calendar (EXPIRING)");
        for (String secret : secretsSeen) {
            assertThat(log).doesNotContain(secret);
        }
    }

    private StoredConnection stored(McpUser user) {
        return store.find(user.subject(), "calendar").orElseThrow();
    }

    private void remember(StoredConnection connection) {
        secretsSeen.add(connection.tokens().accessToken());
        secretsSeen.add(connection.tokens().refreshToken());
    }

    private int callCalendar(String accessToken) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.calendarApi.url() + "/events"))
                .header("Authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private void revokeAtKeycloak(String refreshToken) {
        String basic = java.util.Base64.getEncoder().encodeToString(("mcp-calendar-connector:" + TestStack.CONNECTOR_SECRET).getBytes());
        try {
            int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(DirectUpstream.revocationEndpoint(stack))
                    .header("Authorization", "Basic " + basic)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token_type_hint=refresh_token&token="
                            + java.net.URLEncoder.encode(refreshToken, java.nio.charset.StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            assertThat(status).isEqualTo(200);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
