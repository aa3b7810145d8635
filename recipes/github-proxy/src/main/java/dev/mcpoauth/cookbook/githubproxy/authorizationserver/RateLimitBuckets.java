package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buckets behind {@link EndpointRateLimit}, one per endpoint and caller address, all Bucket4j
 * (greedy refill: a limit of N per window refills one request every window / N).
 * <ul>
 * <li>On PostgreSQL, {@link #inPostgresql}: one row per bucket in {@code rate_limit_bucket}, read and written
 *     under {@code SELECT ... FOR UPDATE} (Bucket4j's select-for-update proxy manager), so every instance counts
 *     against the same limit. Rows expire once their bucket would be full again; {@link #removeExpired()}
 *     deletes them (scheduled in {@link RateLimitConfig}).</li>
 * <li>On H2 ({@code make run}, one instance), {@link #inMemory}: Bucket4j's local buckets in a map bounded to
 *     the {@value #MAX_LOCAL_BUCKETS} most recently used addresses; each instance counts on its own.</li>
 * </ul>
 * Time comes from the application's {@link Clock} in both, so instances must have comparable clocks (NTP);
 * Bucket4j's row cleanup compares expiry with the system clock.
 */
final class RateLimitBuckets {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitBuckets.class);
    static final String TABLE = "rate_limit_bucket";
    static final int MAX_LOCAL_BUCKETS = 100_000;
    private static final int CLEANUP_BATCH = 1000;

    private final Map<String, BucketConfiguration> limits;
    private final BiFunction<String, BucketConfiguration, Bucket> bucketFor;
    private final PostgreSQLSelectForUpdateBasedProxyManager<String> shared; // null in memory

    private RateLimitBuckets(Map<String, BucketConfiguration> limits, BiFunction<String, BucketConfiguration, Bucket> bucketFor,
            PostgreSQLSelectForUpdateBasedProxyManager<String> shared) {
        this.limits = limits;
        this.bucketFor = bucketFor;
        this.shared = shared;
    }

    /** Counted in the database: one limit for all instances sharing it. */
    static RateLimitBuckets inPostgresql(DataSource dataSource, ProxyProperties.RateLimitSettings settings, Clock clock) {
        PostgreSQLSelectForUpdateBasedProxyManager<String> buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table(TABLE)
                .clientClock(new ClockTimeMeter(clock))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
        return new RateLimitBuckets(limits(settings), (key, limit) -> buckets.getProxy(key, () -> limit), buckets);
    }

    /** Counted in this JVM's memory: per instance. */
    static RateLimitBuckets inMemory(ProxyProperties.RateLimitSettings settings, Clock clock) {
        TimeMeter time = new ClockTimeMeter(clock);
        Map<String, Bucket> buckets = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > MAX_LOCAL_BUCKETS; // the least recently used address starts over with a full bucket
            }
        });
        LOG.info("Rate limits on /oauth2/register and /oauth2/token are counted per instance (in memory, on H2); "
                + "on PostgreSQL every instance shares one count");
        return new RateLimitBuckets(limits(settings), (key, limit) -> buckets.computeIfAbsent(key, k -> {
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(time);
            for (Bandwidth bandwidth : limit.getBandwidths()) {
                builder.addLimit(bandwidth);
            }
            return builder.build();
        }), null);
    }

    private static Map<String, BucketConfiguration> limits(ProxyProperties.RateLimitSettings settings) {
        return Map.of(
                "/oauth2/register", perWindow(settings.registrationsPerHour(), Duration.ofHours(1)),
                "/oauth2/token", perWindow(settings.tokenRequestsPerMinute(), Duration.ofMinutes(1)));
    }

    private static BucketConfiguration perWindow(int limit, Duration window) {
        return BucketConfiguration.builder().addLimit(bandwidth -> bandwidth.capacity(limit).refillGreedy(limit, window)).build();
    }

    boolean limits(String endpoint) {
        return limits.containsKey(endpoint);
    }

    /**
     * Takes one request from the caller's bucket for this endpoint.
     *
     * @return empty when allowed; otherwise how long until one more request would be
     * @throws io.github.bucket4j.BucketExceptions.BucketExecutionException when the database does not answer
     */
    Optional<Duration> acquire(String endpoint, String address) {
        ConsumptionProbe probe = bucketFor.apply(endpoint + " " + address, limits.get(endpoint)).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /** Deletes the rows of buckets that are full again (PostgreSQL); nothing to do in memory. */
    int removeExpired() {
        if (shared == null) {
            return 0;
        }
        int removed = 0;
        int batch;
        do {
            batch = shared.removeExpired(CLEANUP_BATCH);
            removed += batch;
        } while (batch == CLEANUP_BATCH);
        return removed;
    }

    /** Bucket4j's view of the application's clock. */
    private record ClockTimeMeter(Clock clock) implements TimeMeter {

        @Override
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    }
}
