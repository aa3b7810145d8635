package dev.mcpoauth.cookbook.benchmarks;

import java.util.Arrays;

/** Latencies of one measured run, in microseconds, and what came out of them. */
record LatencyStats(long[] micros, double seconds) {

    static LatencyStats of(long[] micros, double seconds) {
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new LatencyStats(sorted, seconds);
    }

    /** Both runs as one: latencies pooled, measured time added. */
    LatencyStats plus(LatencyStats other) {
        long[] all = java.util.Arrays.copyOf(micros, micros.length + other.micros.length);
        System.arraycopy(other.micros, 0, all, micros.length, other.micros.length);
        return of(all, seconds + other.seconds);
    }

    double p50Millis() {
        return percentile(0.50) / 1000.0;
    }

    double p99Millis() {
        return percentile(0.99) / 1000.0;
    }

    /** p10 / p25 / p50 / p75 / p90 / p99 / p99.9, as a results cell: "1.40 / 1.55 / ... / 7.10 ms". */
    String percentilesMillis() {
        return java.util.stream.DoubleStream.of(0.10, 0.25, 0.50, 0.75, 0.90, 0.99, 0.999)
                .mapToObj(p -> String.format(java.util.Locale.ROOT, "%.2f", percentile(p) / 1000.0))
                .collect(java.util.stream.Collectors.joining(" / ")) + " ms";
    }

    double throughput() {
        return micros.length / seconds;
    }

    int count() {
        return micros.length;
    }

    private long percentile(double p) {
        return micros.length == 0 ? 0 : micros[Math.min(micros.length - 1, (int) Math.ceil(p * micros.length) - 1)];
    }
}
