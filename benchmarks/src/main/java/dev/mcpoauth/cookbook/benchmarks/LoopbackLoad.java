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
 * Closed-loop load on loopback: {@code concurrency} workers, each with its own MCP session (or
 * connection), call one tool (or URL) back to back; a warm-up, then a measured window. Bounded in time by construction.
 */
final class LoopbackLoad {

    private LoopbackLoad() {
    }

    /** One side of a comparison: how a worker opens its connection, and then makes one call, again and again. */
    interface Target {
        Call open(HttpClient http) throws Exception;
    }

    /** One request; fails loudly on anything but success, so errors are never timed. */
    interface Call {
        void run() throws Exception;
    }

    /** {@code tools/call tool} on an MCP session of its own per worker; {@code token} null: none. */
    static Target mcp(URI endpoint, String token, String tool) {
        return http -> {
            McpHttpSession session = McpHttpSession.open(http, endpoint, token);
            return () -> session.callTool(tool);
        };
    }

    /** {@code tools/call tool} as MCP 2026-07-28 sends it: no session, so any instance can answer each call. */
    static Target stateless(URI endpoint, String token, String tool) {
        return http -> () -> StatelessMcpCall.callTool(http, endpoint, token, tool);
    }

    /** A plain {@code GET} with a bearer token that must answer 200 (an upstream API called directly). */
    static Target get(URI url, String token) {
        return http -> {
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json").build();
            return () -> {
                int status = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
                if (status != 200) {
                    throw new IllegalStateException("GET " + url + " answered " + status);
                }
            };
        };
    }

    /**
     * The baseline and the candidate measured in alternating slices ({@code rounds} of each), so a
     * change in machine load during the run hits both sides alike. Index 0 is the baseline.
     */
    static LatencyStats[] compare(Target baseline, Target candidate, int concurrency, Duration warmup,
                                  Duration measured, int rounds) throws Exception {
        Duration slice = measured.dividedBy(rounds);
        LatencyStats base = run(baseline, concurrency, warmup, slice);
        LatencyStats cand = run(candidate, concurrency, warmup, slice);
        for (int round = 1; round < rounds; round++) {
            base = base.plus(run(baseline, concurrency, Duration.ofMillis(200), slice));
            cand = cand.plus(run(candidate, concurrency, Duration.ofMillis(200), slice));
        }
        return new LatencyStats[] {base, cand};
    }

    static LatencyStats run(Target target, int concurrency, Duration warmup, Duration measured) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        try {
            List<Callable<long[]>> tasks = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                tasks.add(() -> worker(target.open(http), warmup, measured));
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

    private static long[] worker(Call call, Duration warmup, Duration measured) throws Exception {
        long warmUntil = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < warmUntil) {
            call.run();
        }
        long until = System.nanoTime() + measured.toNanos();
        long[] micros = new long[1 << 16];
        int count = 0;
        while (System.nanoTime() < until && count < micros.length) {
            long start = System.nanoTime();
            call.run();
            micros[count++] = (System.nanoTime() - start) / 1000;
        }
        return java.util.Arrays.copyOf(micros, count);
    }
}
