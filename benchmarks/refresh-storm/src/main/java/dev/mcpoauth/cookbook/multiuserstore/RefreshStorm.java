package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The refresh storm of the multi-user store, as {@code RefreshTest.aStormOfConcurrentCallsRefreshesExactlyOnce}
 * sets it up (real Keycloak realms, the calendar API, PostgreSQL, the server started the way production
 * starts it), timed: {@value #CALLS} concurrent {@code list_events} calls for one user whose upstream access
 * token has just expired, against the same storm with a valid upstream token (the baseline, same run).
 * Run from {@code recipes/multi-user-store} (realm files); {@code make bench} does. Prints
 * {@code BENCH-ROW} lines (tab-separated: figure, measured, baseline, result, bar, verdict) for the
 * orchestrator's table.
 */
public final class RefreshStorm {

    private static final int CALLS = 200;
    private static final int ROUNDS = Integer.getInteger("bench.stormRounds", 3);

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.exit(1); // not just return: server threads would keep the JVM, Keycloak and PostgreSQL alive
        }
        System.exit(0); // Keycloak and PostgreSQL stop in their shutdown hooks
    }

    private static void run() throws Exception {
        TestStack stack = TestStack.shared();
        PostgresServer.Database database = stack.postgres.createDatabase("bench_storm_" + System.nanoTime());
        // No DEBUG logging in a timed run (the tests turn it on to check the log for tokens).
        ServerInstance server = new ServerInstance(stack, stack.serverProperties(database, Map.of(
                "logger.levels.dev.mcpoauth.cookbook", "INFO", "logger.levels.io.micronaut.security", "INFO")));
        Rows rows = new Rows(stack.postgres.dataSource(database));
        McpUser alice = server.login(TestStack.ALICE);
        try {
            if (server.connect(alice, TestStack.ALICE_CALENDAR) != 200) {
                throw new IllegalStateException("could not connect alice's calendar");
            }
            storm(alice); // warm-up: class loading, JIT, connection pools; not measured
            long[] fresh = new long[0];
            long[] expired = new long[0];
            int maxRefreshes = 0;
            int minRefreshes = Integer.MAX_VALUE;
            int freshRefreshes = 0;
            for (int round = 0; round < ROUNDS; round++) { // alternating, so load changes hit both alike
                int beforeFresh = stack.tokenRequests();
                fresh = concat(fresh, storm(alice));
                freshRefreshes = Math.max(freshRefreshes, stack.tokenRequests() - beforeFresh);
                rows.setAccessExpiry(alice.subject(), Instant.now().minusSeconds(10).getEpochSecond()); // just expired
                int before = stack.tokenRequests();
                expired = concat(expired, storm(alice));
                int refreshes = stack.tokenRequests() - before;
                maxRefreshes = Math.max(maxRefreshes, refreshes);
                minRefreshes = Math.min(minRefreshes, refreshes);
            }
            Arrays.sort(fresh);
            Arrays.sort(expired);
            String rounds = ROUNDS + " storm" + (ROUNDS == 1 ? "" : "s");
            row("Refresh storm, multi-user store: upstream refresh requests per storm of " + CALLS
                            + " concurrent tools/call, one user, expired upstream token (" + rounds + ")",
                    minRefreshes == maxRefreshes ? Integer.toString(maxRefreshes) : minRefreshes + " to " + maxRefreshes,
                    freshRefreshes + " with a valid upstream token", Integer.toString(maxRefreshes), "exactly 1",
                    minRefreshes == 1 && maxRefreshes == 1 ? "pass" : "**MISS**");
            row("Refresh storm, multi-user store: p50 / p99 of the calls (" + rounds + " of " + CALLS + ", pooled)",
                    ms(percentile(expired, 0.50)) + " / " + ms(percentile(expired, 0.99)),
                    ms(percentile(fresh, 0.50)) + " / " + ms(percentile(fresh, 0.99)) + " valid upstream token",
                    signed(percentile(expired, 0.50) - percentile(fresh, 0.50)) + " / "
                            + signed(percentile(expired, 0.99) - percentile(fresh, 0.99)), "-", "-");
        } finally {
            alice.close();
            server.close();
        }
    }

    /** {@value #CALLS} calls released at once on one MCP session; each call's latency in microseconds. */
    private static long[] storm(McpUser user) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CALLS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> results = new ArrayList<>();
        try {
            for (int i = 0; i < CALLS; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    long started = System.nanoTime();
                    CallToolResult events = user.call("list_events");
                    long micros = (System.nanoTime() - started) / 1000;
                    if (Boolean.TRUE.equals(events.isError())) {
                        throw new IllegalStateException("list_events failed: " + ServerInstance.text(events));
                    }
                    return micros;
                }));
            }
            go.countDown();
            long[] micros = new long[CALLS];
            for (int i = 0; i < CALLS; i++) {
                micros[i] = results.get(i).get();
            }
            return micros;
        } finally {
            pool.shutdownNow();
        }
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static double percentile(long[] sortedMicros, double p) {
        return sortedMicros[Math.min(sortedMicros.length - 1, (int) Math.ceil(p * sortedMicros.length) - 1)] / 1000.0;
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.2f ms", millis);
    }

    private static String signed(double millis) {
        return String.format(Locale.ROOT, "%+.2f ms", millis);
    }

    private static void row(String... cells) {
        System.out.println("BENCH-ROW\t" + String.join("\t", cells));
    }

    private RefreshStorm() {
    }
}
