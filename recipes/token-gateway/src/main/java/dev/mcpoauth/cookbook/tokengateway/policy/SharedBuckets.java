package dev.mcpoauth.cookbook.tokengateway.policy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.mcpoauth.cookbook.tokengateway.config.RateLimitDatabase;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limit's buckets in PostgreSQL, one row per client in {@code rate_limit_bucket}, so that
 * every gateway instance counts the same requests. Bucket4j's select-for-update proxy manager: one
 * pooled transaction ({@code SELECT ... FOR UPDATE}, {@code UPDATE}, {@code COMMIT}) per request, or
 * one per {@link RateLimitDatabase#unsynchronizedRequests()} requests with Bucket4j's delaying optimization.
 * Rows of buckets that have been full for a while are removed every minute.
 */
public final class SharedBuckets implements AutoCloseable {

    /** Bucket4j's columns; created at start (and again after an outage) by every instance, hence IF NOT EXISTS. */
    static final String TABLE_DDL = """
            CREATE TABLE IF NOT EXISTS rate_limit_bucket (
              id         VARCHAR(255) PRIMARY KEY,
              state      BYTEA,
              expires_at BIGINT
            )""";
    private static final Logger LOG = LoggerFactory.getLogger(SharedBuckets.class);
    private static final int MAX_KEY_LENGTH = 255;
    private static final int MAX_CACHED_PROXIES = 100_000;
    /** Unsynchronized requests are written at the latest this long after the first of them. */
    private static final Duration MAX_UNSYNCHRONIZED_TIME = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final AutoCloseable pool;
    private final PostgreSQLSelectForUpdateBasedProxyManager<String> buckets;
    private final int unsynchronizedRequests;
    /** With the delaying optimization a proxy holds the requests it has not written yet: one per client. */
    private final Map<String, BucketProxy> proxies = new ConcurrentHashMap<>();
    private final ScheduledExecutorService cleaner;
    private volatile boolean tableExists;

    SharedBuckets(DataSource dataSource, AutoCloseable pool, int unsynchronizedRequests, Clock clock) {
        this.dataSource = dataSource;
        this.pool = pool;
        this.unsynchronizedRequests = unsynchronizedRequests;
        this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_bucket")
                // Bucket4j's time is the gateway's Clock: every instance's clock must be NTP-synchronised.
                .clientClock(RateLimiter.timeMeter(clock))
                // A full bucket is as good as none: its row may go 10 s after it would have refilled.
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(10)))
                .build();
        this.cleaner = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rate-limit-cleaner");
            thread.setDaemon(true);
            return thread;
        });
        cleaner.scheduleWithFixedDelay(this::removeExpired, 1, 1, TimeUnit.MINUTES);
    }

    /**
     * A pool of up to 10 connections to {@code database}. A database that does not answer costs a request
     * at most about a second (then the limiter falls back to a bucket per instance), not a hung thread.
     */
    public static SharedBuckets open(RateLimitDatabase database, Clock clock) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("rate-limits");
        hikari.setJdbcUrl(database.jdbcUrl());
        hikari.setUsername(database.user());
        hikari.setPassword(database.password());
        hikari.setMaximumPoolSize(10);
        hikari.setConnectionTimeout(1_000);
        hikari.setInitializationFailTimeout(-1); // start while the database is down: fail open, as later
        hikari.addDataSourceProperty("connectTimeout", "1");  // seconds (pgjdbc)
        hikari.addDataSourceProperty("socketTimeout", "5");   // seconds: a hung database fails, not hangs
        HikariDataSource pool = new HikariDataSource(hikari);
        return new SharedBuckets(pool, pool, database.unsynchronizedRequests(), clock);
    }

    /**
     * Takes one request from {@code clientId}'s bucket. A pooled connection the database dropped (it
     * restarted) fails once and leaves the pool; the request is tried again on a new connection. Only a
     * database that cannot be reached at all makes it {@link Unavailable}.
     */
    ConsumptionProbe tryConsume(String clientId, BucketConfiguration configuration) {
        try {
            return consume(clientId, configuration);
        } catch (SQLException | RuntimeException first) {
            if (noConnection(first)) {
                throw new Unavailable(first);
            }
            try {
                return consume(clientId, configuration);
            } catch (SQLException | RuntimeException second) {
                throw new Unavailable(second);
            }
        }
    }

    private ConsumptionProbe consume(String clientId, BucketConfiguration configuration) throws SQLException {
        createTableOnce();
        return proxy(key(clientId), configuration).tryConsumeAndReturnRemaining(1);
    }

    /** The pool found no connection in time: the database is not there; trying again costs another second. */
    private static boolean noConnection(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    private BucketProxy proxy(String key, BucketConfiguration configuration) {
        if (unsynchronizedRequests == 0) {
            return buckets.builder().build(key, () -> configuration);
        }
        if (proxies.size() > MAX_CACHED_PROXIES) {
            proxies.clear(); // at most unsynchronizedRequests uncounted requests per client: the documented overshoot
        }
        return proxies.computeIfAbsent(key, id -> buckets.builder()
                .withOptimization(Optimizations.delaying(
                        new DelayParameters(unsynchronizedRequests, MAX_UNSYNCHRONIZED_TIME)))
                .build(id, () -> configuration));
    }

    private void createTableOnce() throws SQLException {
        if (!tableExists) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute(TABLE_DDL);
            }
            tableExists = true;
        }
    }

    /** A client id as the row's id; one longer than the column (a long metadata-document URL) by its hash. */
    static String key(String clientId) {
        if (clientId.length() <= MAX_KEY_LENGTH) {
            return clientId;
        }
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(clientId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void removeExpired() {
        try {
            int removed;
            do {
                removed = buckets.removeExpired(1_000);
            } while (removed == 1_000);
        } catch (RuntimeException e) {
            LOG.debug("Expired rate-limit rows not removed this time: {}", e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        cleaner.shutdownNow();
        try {
            pool.close();
        } catch (Exception e) {
            LOG.debug("Closing the rate-limit pool: {}", e.getClass().getSimpleName());
        }
    }

    /** The database did not answer (or refused the statement); the cause says how. */
    static final class Unavailable extends RuntimeException {
        Unavailable(Exception cause) {
            super(cause.getClass().getSimpleName(), cause);
        }
    }
}
