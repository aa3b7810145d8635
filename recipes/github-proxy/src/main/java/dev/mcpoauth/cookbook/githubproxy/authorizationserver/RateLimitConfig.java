package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/** Where the rate limits count: in the database on PostgreSQL (shared by instances), in memory on H2. */
@Configuration
@EnableScheduling
class RateLimitConfig {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitConfig.class);

    private RateLimitBuckets buckets;

    /** The platform is the one that picks the schema script ({@code PROXY_DB_PLATFORM}). */
    @Bean
    RateLimitBuckets rateLimitBuckets(ProxyProperties properties, DataSource dataSource,
            @Value("${spring.sql.init.platform:h2}") String platform, ObjectProvider<Clock> clock) {
        Clock time = clock.getIfAvailable(Clock::systemUTC);
        buckets = "postgresql".equals(platform)
                ? RateLimitBuckets.inPostgresql(dataSource, properties.rateLimits(), time)
                : RateLimitBuckets.inMemory(properties.rateLimits(), time);
        return buckets;
    }

    /** Bucket4j does not delete rows itself; every instance runs this, which is harmless (a row goes once). */
    @Scheduled(fixedDelay = 1, initialDelay = 1, timeUnit = TimeUnit.MINUTES)
    void removeExpiredBuckets() {
        try {
            buckets.removeExpired();
        } catch (RuntimeException databaseDown) {
            LOG.debug("Expired rate-limit buckets not removed this time; the database did not answer");
        }
    }
}
