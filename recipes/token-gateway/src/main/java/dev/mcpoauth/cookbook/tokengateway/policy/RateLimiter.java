package dev.mcpoauth.cookbook.tokengateway.policy;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per MCP client id: {@code limit} requests, refilled evenly over {@code window}.
 * Per client, because that is what one upstream identity cannot tell apart: one runaway agent
 * must not starve every other client of the same users.
 *
 * <p>The buckets are Bucket4j's. With {@link SharedBuckets} (several instances) every instance counts
 * in one PostgreSQL row per client. While that database does not answer, the limit fails open to a
 * bucket per instance with the same limit: the gateway's job is authorization, which does not need
 * the database, so an outage must not refuse traffic; but it degrades to "per instance", never to
 * "unlimited". The database is tried again {@link #DATABASE_RETRY} later.
 */
public final class RateLimiter implements AutoCloseable {

    /** How long the limit stays per instance after the database failed, before it is tried again. */
    public static final Duration DATABASE_RETRY = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final int MAX_TRACKED_CLIENTS = 100_000;

    private final BucketConfiguration perClient;
    private final Clock clock;
    private final TimeMeter time;
    private final Map<String, Bucket> local = new ConcurrentHashMap<>();
    private final SharedBuckets shared;
    /** Null while the database answers (or there is none); else when to try it again. */
    private volatile Instant databaseRetryAt;
    /** Whether an outage has been logged: once per outage, however many requests see it at once. */
    private final AtomicBoolean outage = new AtomicBoolean();

    private RateLimiter(int limit, Duration window, Clock clock, SharedBuckets shared) {
        this.perClient = BucketConfiguration.builder()
                .addLimit(bandwidth -> bandwidth.capacity(limit).refillGreedy(limit, window))
                .build();
        this.clock = clock;
        this.time = timeMeter(clock);
        this.shared = shared;
    }

    /** One instance: buckets in memory. */
    public static RateLimiter inMemory(int limit, Duration window, Clock clock) {
        return new RateLimiter(limit, window, clock, null);
    }

    /** Several instances: buckets in {@code shared}, in memory while it does not answer. Closes it. */
    public static RateLimiter shared(int limit, Duration window, Clock clock, SharedBuckets shared) {
        return new RateLimiter(limit, window, clock, shared);
    }

    /** Empty when allowed; otherwise how long until the next request would be. */
    public Optional<Duration> acquire(String clientId) {
        ConsumptionProbe probe = shared != null && databaseExpected() ? sharedOrLocal(clientId) : consumeLocally(clientId);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /** Whether the limit is counted per instance right now because the database did not answer. */
    public boolean isPerInstanceFallback() {
        return outage.get();
    }

    private boolean databaseExpected() {
        Instant retryAt = databaseRetryAt;
        return retryAt == null || !clock.instant().isBefore(retryAt);
    }

    private ConsumptionProbe sharedOrLocal(String clientId) {
        try {
            ConsumptionProbe probe = shared.tryConsume(clientId, perClient);
            databaseRetryAt = null;
            if (outage.compareAndSet(true, false)) {
                LOG.info("The rate-limit database answers again: rate limits are shared by every instance");
            }
            return probe;
        } catch (SharedBuckets.Unavailable unavailable) {
            if (outage.compareAndSet(false, true)) {
                // Once per outage; the cause's class only: driver messages may name hosts and users.
                LOG.warn("The rate-limit database does not answer ({}): rate limits are per instance until it does",
                        rootCause(unavailable).getClass().getSimpleName());
            }
            databaseRetryAt = clock.instant().plus(DATABASE_RETRY);
            return consumeLocally(clientId);
        }
    }

    private ConsumptionProbe consumeLocally(String clientId) {
        Bucket bucket = local.computeIfAbsent(clientId, id -> Bucket.builder()
                .addLimit(perClient.getBandwidths()[0])
                .withCustomTimePrecision(time)
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (local.size() > MAX_TRACKED_CLIENTS) {
            long capacity = perClient.getBandwidths()[0].getCapacity();
            local.values().removeIf(idle -> idle.getAvailableTokens() >= capacity); // full again: as good as new
        }
        return probe;
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() {
        if (shared != null) {
            shared.close();
        }
    }

    /** Bucket4j reads the time from the gateway's {@link Clock}, so a test moves it on instead of waiting. */
    static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                Instant now = clock.instant();
                return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }
}
