package dev.mcpoauth.cookbook.tokengateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private final RateLimiter limiter = RateLimiter.inMemory(6, Duration.ofMinutes(1), clock);

    @Test
    void allowsTheLimit() {
        for (int i = 0; i < 6; i++) {
            assertThat(limiter.acquire("client-a")).as("request %d", i + 1).isEmpty();
        }
    }

    @Test
    void refusesTheRequestAfterTheLimitNamingTheWaitForTheNextToken() {
        useUpTheLimit("client-a");

        assertThat(limiter.acquire("client-a")).hasValueSatisfying(wait ->
                assertThat(wait).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(10))); // one per 10 s
    }

    @Test
    void keepsClientsApart() {
        useUpTheLimit("client-a");

        assertThat(limiter.acquire("client-b")).isEmpty(); // b is not a's victim
    }

    @Test
    void refillsEvenlyOneRequestPerTenthOfTheWindow() {
        useUpTheLimit("client-a");

        now.set(now.get().plusSeconds(10));

        assertThat(limiter.acquire("client-a")).isEmpty();
        assertThat(limiter.acquire("client-a")).isPresent();
    }

    private void useUpTheLimit(String clientId) {
        for (int i = 0; i < 6; i++) {
            limiter.acquire(clientId);
        }
    }
}
