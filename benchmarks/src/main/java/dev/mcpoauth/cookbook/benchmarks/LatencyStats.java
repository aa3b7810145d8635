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
