package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties.RateLimitSettings;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/** Two instances' limiters on one PostgreSQL database: the limit is counted once, not once per instance. */
class SharedRateLimitTest {

    private static final RateLimitSettings TEN_TOKEN_REQUESTS_A_MINUTE = new RateLimitSettings(30, 10);
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-06T23:00:00Z"), ZoneOffset.UTC);

    private static PostgresServer.Database database;

    @BeforeAll
    static void createDatabase() {
        database = PostgresServer.shared().createDatabase("ratelimit");
        new ResourceDatabasePopulator(new ClassPathResource("schema-postgresql.sql")).execute(dataSource());
    }

    /** A connection pool of its own, as each instance has. */
    private static DataSource dataSource() {
        return PostgresServer.shared().dataSource(database);
    }

    @Test
    void twoInstancesOnOneDatabaseCountOneLimit() {
        RateLimitBuckets first = RateLimitBuckets.inPostgresql(dataSource(), TEN_TOKEN_REQUESTS_A_MINUTE, NOW);
        RateLimitBuckets second = RateLimitBuckets.inPostgresql(dataSource(), TEN_TOKEN_REQUESTS_A_MINUTE, NOW);

        List<Optional<Duration>> answers = new ArrayList<>();
        for (int request = 0; request < 12; request++) {
            answers.add((request % 2 == 0 ? first : second).acquire("/oauth2/token", "203.0.113.7"));
        }

        assertThat(answers.subList(0, 10)).containsOnly(Optional.empty());
        // 10 a minute refill one every 6 s; the clock stands still, so both refusals wait exactly that.
        assertThat(answers.subList(10, 12)).containsOnly(Optional.of(Duration.ofSeconds(6)));
    }

    @Test
    void anotherAddressHasABucketOfItsOwn() {
        RateLimitBuckets buckets = RateLimitBuckets.inPostgresql(dataSource(), TEN_TOKEN_REQUESTS_A_MINUTE, NOW);
        for (int request = 0; request < 10; request++) {
            buckets.acquire("/oauth2/token", "203.0.113.8");
        }

        assertThat(buckets.acquire("/oauth2/token", "203.0.113.9")).isEmpty();
    }

    @Test
    void theCleanupDeletesExpiredBucketsOnly() {
        RateLimitBuckets buckets = RateLimitBuckets.inPostgresql(dataSource(), TEN_TOKEN_REQUESTS_A_MINUTE, Clock.systemUTC());
        buckets.acquire("/oauth2/token", "198.51.100.1");
        buckets.acquire("/oauth2/token", "198.51.100.2");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource());
        // As if the first bucket had been full again for a minute (Bucket4j compares with the system clock here).
        jdbc.update("UPDATE rate_limit_bucket SET expires_at = ? WHERE id = '/oauth2/token 198.51.100.1'",
                System.currentTimeMillis() - 60_000);

        buckets.removeExpired();

        assertThat(jdbc.queryForList("SELECT id FROM rate_limit_bucket WHERE id LIKE '/oauth2/token 198.51.100.%'", String.class))
                .containsExactly("/oauth2/token 198.51.100.2");
    }
}
