package dev.mcpoauth.cookbook.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Closed-loop load on loopback: {@code concurrency} workers, each with its own MCP session, call one
 * tool back to back; a warm-up, then a measured window. Bounded in time by construction.
 */
final class LoopbackLoad {

    private LoopbackLoad() {
    }

    /** One side of a comparison: where to call, with which token (null: none). */
    record Target(URI endpoint, String token) {
    }

    /**
     * The baseline and the candidate measured in alternating slices ({@code rounds} of each), so a
     * change in machine load during the run hits both sides alike. Index 0 is the baseline.
     */
    static LatencyStats[] compare(Target baseline, Target candidate, String tool, int concurrency, Duration warmup,
                                  Duration measured, int rounds) throws Exception {
        Duration slice = measured.dividedBy(rounds);
        LatencyStats base = run(baseline.endpoint(), baseline.token(), tool, concurrency, warmup, slice);
        LatencyStats cand = run(candidate.endpoint(), candidate.token(), tool, concurrency, warmup, slice);
        for (int round = 1; round < rounds; round++) {
            base = base.plus(run(baseline.endpoint(), baseline.token(), tool, concurrency, Duration.ofMillis(200), slice));
            cand = cand.plus(run(candidate.endpoint(), candidate.token(), tool, concurrency, Duration.ofMillis(200), slice));
        }
        return new LatencyStats[] {base, cand};
    }

    static LatencyStats run(URI endpoint, String token, String tool, int concurrency, Duration warmup, Duration measured)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        try {
            List<Callable<long[]>> tasks = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                tasks.add(() -> worker(McpHttpSession.open(http, endpoint, token), tool, warmup, measured));
            }
            List<long[]> results = new ArrayList<>();
            long started = System.nanoTime();
            for (Future<long[]> future : workers.invokeAll(tasks)) {
                results.add(future.get());
            }
            double seconds = Math.max(measured.toNanos(), System.nanoTime() - started - warmup.toNanos()) / 1e9;
            return LatencyStats.of(results.stream().flatMapToLong(java.util.Arrays::stream).toArray(), seconds);
        } finally {
            workers.shutdownNow();
        }
    }

    private static long[] worker(McpHttpSession session, String tool, Duration warmup, Duration measured) throws Exception {
        long warmUntil = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < warmUntil) {
            session.callTool(tool);
        }
        long until = System.nanoTime() + measured.toNanos();
        long[] micros = new long[1 << 16];
        int count = 0;
        while (System.nanoTime() < until && count < micros.length) {
            long start = System.nanoTime();
            session.callTool(tool);
            micros[count++] = (System.nanoTime() - start) / 1000;
        }
        return java.util.Arrays.copyOf(micros, count);
    }
}
