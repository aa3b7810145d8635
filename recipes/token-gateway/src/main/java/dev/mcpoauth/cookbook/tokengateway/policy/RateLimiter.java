package dev.mcpoauth.cookbook.tokengateway.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per MCP client id: {@code limit} requests, refilled evenly over {@code window}.
 * Per client, because that is what one upstream identity cannot tell apart: one runaway agent
 * must not starve every other client of the same users.
 */
public final class RateLimiter {

    private record Bucket(double tokens, Instant updated) {
    }

    private static final int MAX_TRACKED_CLIENTS = 100_000;

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** Empty when allowed; otherwise how long until the next request would be. */
    public Optional<Duration> acquire(String clientId) {
        Instant now = clock.instant();
        double perNano = (double) limit / window.toNanos();
        Bucket[] result = new Bucket[1];
        boolean[] allowed = new boolean[1];
        buckets.compute(clientId, (id, bucket) -> {
            double tokens = bucket == null ? limit
                    : Math.min(limit, bucket.tokens() + Duration.between(bucket.updated(), now).toNanos() * perNano);
            allowed[0] = tokens >= 1;
            result[0] = new Bucket(allowed[0] ? tokens - 1 : tokens, now);
            return result[0];
        });
        if (buckets.size() > MAX_TRACKED_CLIENTS) {
            buckets.values().removeIf(bucket -> bucket.updated().isBefore(now.minus(window))); // full again anyway
        }
        if (allowed[0]) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) Math.ceil((1 - result[0].tokens()) / perNano)));
    }
}
