package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.multiuserstore.store.StoredConnection;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scaling out: two server instances on one PostgreSQL database, behind one public URL. Their
 * in-memory single-flight cannot see each other; the row lock and the version compare do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstancesTest {

    private static final String ALICES_EVENTS = "2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review";

    private final TestStack stack = TestStack.shared();
    private ServerInstance first;
    private ServerInstance second;
    private Rows rows;

    @BeforeAll
    void start() {
        PostgresServer.Database database = stack.postgres.createDatabase("two_instances");
        first = new ServerInstance(stack, stack.serverProperties(database, Map.of()));
        second = new ServerInstance(stack, stack.serverProperties(database, Map.of()));
        rows = new Rows(stack.postgres.dataSource(database));
    }

    @AfterAll
    void stop() {
        first.close();
        second.close();
    }

    @Test
    void twoInstancesRefreshingOneUserShareOneUpstreamRefresh() throws Exception {
        try (McpUser onFirst = first.login(TestStack.ALICE); McpUser onSecond = second.session(onFirst)) {
            assertThat(first.connect(onFirst, TestStack.ALICE_CALENDAR)).isEqualTo(200);
            rows.setAccessExpiry(onFirst.subject(), Instant.now().minusSeconds(10).getEpochSecond());
            long version = first.bean(TokenRepository.class).find(onFirst.subject(), "calendar").orElseThrow().version();
            int tokenRequests = stack.tokenRequests();

            List<CallToolResult> results = concurrently(40, i -> (i % 2 == 0 ? onFirst : onSecond).call("list_events"));

            assertThat(results).allSatisfy(result -> assertThat(ServerInstance.text(result)).isEqualTo(ALICES_EVENTS));
            assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1);
            assertThat(first.refreshes("success") + second.refreshes("success")).isEqualTo(1.0);
            StoredConnection after = second.bean(TokenRepository.class).find(onFirst.subject(), "calendar").orElseThrow();
            assertThat(after.version()).isEqualTo(version + 1);

            // No lost token: the refresh token the winner committed is the one the other instance uses next.
            rows.setAccessExpiry(onFirst.subject(), Instant.now().minusSeconds(10).getEpochSecond());
            assertThat(ServerInstance.text(onSecond.call("list_events"))).isEqualTo(ALICES_EVENTS);
            assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(2);
            assertThat(first.bean(TokenRepository.class).find(onFirst.subject(), "calendar").orElseThrow().version())
                    .isEqualTo(version + 2);
        }
    }

    private static List<CallToolResult> concurrently(int calls, java.util.function.IntFunction<CallToolResult> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CallToolResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.apply(n);
                }));
            }
            go.countDown();
            List<CallToolResult> results = new ArrayList<>();
            for (Future<CallToolResult> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
