package dev.mcpoauth.cookbook.tokengateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import dev.mcpoauth.cookbook.tokengateway.config.RateLimitDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances' limiters on one PostgreSQL database (the test kit's real server): one limit
 * for both, and a limit per instance, never none, while the database is down.
 */
class SharedRateLimiterTest {

    /** 6 an hour: no refill worth a request while a test runs, even when the clock moves on by seconds. */
    private static final int LIMIT = 6;
    private static final Duration WINDOW = Duration.ofHours(1);

    private static PostgresServer.Database database;

    private final HandMovedClock clock = new HandMovedClock();
    private final List<RateLimiter> limiters = new ArrayList<>();

    @BeforeAll
    static void createDatabase() {
        LogCapture.install();
        database = PostgresServer.shared().createDatabase("gateway_rate_limits");
    }

    @AfterEach
    void closeLimiters() {
        limiters.forEach(RateLimiter::close);
    }

    @Test
    void twoInstancesOnOneDatabaseCountOneLimit() {
        RateLimiter first = instance(0);
        RateLimiter second = instance(0);

        List<Boolean> allowed = alternate(first, second, "client-shared", 2 * LIMIT);

        assertThat(allowed).containsExactly(true, true, true, true, true, true,
                false, false, false, false, false, false);
    }

    @Test
    void theRefusalNamesTheWaitForTheNextRequestAcrossInstances() {
        RateLimiter first = instance(0);
        RateLimiter second = instance(0);
        alternate(first, second, "client-wait", LIMIT);

        assertThat(second.acquire("client-wait")).hasValueSatisfying(wait ->
                assertThat(wait).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(10))); // one per 10 min
    }

    @Test
    void theLimitKeepsClientsApartInTheDatabase() {
        RateLimiter first = instance(0);
        alternate(first, first, "client-greedy", LIMIT);

        assertThat(instance(0).acquire("client-modest")).isEmpty();
    }

    @Test
    void aClientIdLongerThanTheColumnIsCountedInTheDatabaseByItsHash() throws SQLException {
        String longClientId = "https://client.example/" + "metadata/".repeat(40); // a CIMD URL over 255 characters
        RateLimiter first = instance(0);
        RateLimiter second = instance(0);

        List<Boolean> allowed = alternate(first, second, longClientId, LIMIT + 1);

        assertThat(allowed).containsExactly(true, true, true, true, true, true, false);
        assertThat(first.isPerInstanceFallback()).isFalse();
        assertThat(rowIds()).contains(SharedBuckets.key(longClientId)).allMatch(id -> id.length() <= 255);
    }

    @Test
    void withTheDatabaseDownEachInstanceCountsTheLimitOnItsOwn() {
        RateLimiter first = instance(0);
        RateLimiter second = instance(0);
        first.acquire("warm-up");

        PostgresServer.shared().stop();
        try {
            List<Boolean> firstAllowed = alternate(first, first, "client-outage", LIMIT + 1);
            List<Boolean> secondAllowed = alternate(second, second, "client-outage", LIMIT + 1);

            // Per instance, never unlimited: each lets the limit through, then refuses.
            assertThat(firstAllowed).containsExactly(true, true, true, true, true, true, false);
            assertThat(secondAllowed).containsExactly(true, true, true, true, true, true, false);
            assertThat(first.isPerInstanceFallback()).isTrue();
        } finally {
            PostgresServer.shared().start();
        }
    }

    @Test
    void theOutageIsLoggedOnceWithoutTheDatabasePassword() {
        RateLimiter first = instance(0);
        first.acquire("warm-up");
        int before = outageLines();

        PostgresServer.shared().stop();
        try {
            for (int request = 0; request < 3; request++) {
                first.acquire("client-logged");
                clock.advance(RateLimiter.DATABASE_RETRY); // the database is tried again each time, and fails
            }
        } finally {
            PostgresServer.shared().start();
        }

        assertThat(outageLines() - before).isEqualTo(1);
        assertThat(LogCapture.text()).doesNotContain("password=").doesNotContain(database.jdbcUrl() + "?");
    }

    @Test
    void afterTheOutageTheInstancesShareTheLimitAgain() {
        RateLimiter first = instance(0);
        RateLimiter second = instance(0);
        alternate(first, second, "client-recovered", 2); // 2 of 6 counted in the database
        PostgresServer.shared().stop();
        try {
            first.acquire("client-recovered");
        } finally {
            PostgresServer.shared().start();
        }

        clock.advance(RateLimiter.DATABASE_RETRY);
        List<Boolean> allowed = alternate(first, second, "client-recovered", LIMIT);

        assertThat(first.isPerInstanceFallback()).isFalse();
        assertThat(allowed).containsExactly(true, true, true, true, false, false); // the database's 4 left
    }

    @Test
    void delayedSynchronisationOvershootsTheLimitByAtMostItsUnsynchronizedRequestsPerInstance() {
        int unsynchronized = 3;
        RateLimiter first = instance(unsynchronized);
        RateLimiter second = instance(unsynchronized);

        long allowed = alternate(first, second, "client-delayed", 10 * LIMIT).stream().filter(a -> a).count();

        assertThat(allowed).isBetween((long) LIMIT, (long) LIMIT + 2 * unsynchronized);
    }

    private RateLimiter instance(int unsynchronizedRequests) {
        RateLimitDatabase shared = new RateLimitDatabase(database.jdbcUrl(), database.user(), database.password(),
                unsynchronizedRequests);
        RateLimiter limiter = RateLimiter.shared(LIMIT, WINDOW, clock, SharedBuckets.open(shared, clock));
        limiters.add(limiter);
        return limiter;
    }

    private static List<Boolean> alternate(RateLimiter first, RateLimiter second, String clientId, int requests) {
        List<Boolean> allowed = new ArrayList<>();
        for (int request = 0; request < requests; request++) {
            allowed.add((request % 2 == 0 ? first : second).acquire(clientId).isEmpty());
        }
        return allowed;
    }

    private static int outageLines() {
        return (int) LogCapture.text().lines()
                .filter(line -> line.contains("The rate-limit database does not answer")).count();
    }

    private static List<String> rowIds() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection connection = PostgresServer.shared().dataSource(database).getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT id FROM rate_limit_bucket")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }
}
