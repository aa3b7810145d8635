package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rate limits on the two endpoints anyone can call without a user: open registration (which
 * writes a row per call) and the token endpoint (where codes and refresh tokens are guessed).
 * Keyed by the caller's address, because a public client's {@code client_id} is whatever the
 * caller says it is. Behind a reverse proxy the address is the forwarded one (Tomcat's
 * {@code RemoteIpValve}, trusted proxies only). Over the limit: 429 with {@code Retry-After}.
 */
final class EndpointRateLimit extends OncePerRequestFilter {

    private final Map<String, TokenBucket> limits;
    private final AuditLog audit;

    EndpointRateLimit(ProxyProperties.RateLimitSettings settings, AuditLog audit, Clock clock) {
        this.limits = Map.of(
                "/oauth2/register", new TokenBucket(settings.registrationsPerHour(), Duration.ofHours(1), clock),
                "/oauth2/token", new TokenBucket(settings.tokenRequestsPerMinute(), Duration.ofMinutes(1), clock));
        this.audit = audit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        TokenBucket limit = limits.get(request.getRequestURI());
        Optional<Duration> wait = "POST".equals(request.getMethod()) && limit != null
                ? limit.acquire(request.getRemoteAddr()) : Optional.empty();
        if (wait.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        audit.record("rate_limited", null, null, "refused", Map.of("endpoint", request.getRequestURI()));
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(seconds));
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"error\":\"too_many_requests\",\"error_description\":"
                + "\"Too many requests from this address; retry after " + seconds + " s\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** {@code limit} requests per key, refilled evenly over {@code window}; idle keys are dropped when many pile up. */
    static final class TokenBucket {

        private record Bucket(double tokens, Instant updated) {
        }

        private static final int MAX_TRACKED_KEYS = 100_000;

        private final int limit;
        private final Duration window;
        private final Clock clock;
        private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

        TokenBucket(int limit, Duration window, Clock clock) {
            this.limit = limit;
            this.window = window;
            this.clock = clock;
        }

        /** Empty when allowed; otherwise how long until one more request would be. */
        Optional<Duration> acquire(String key) {
            Instant now = clock.instant();
            double perNano = (double) limit / window.toNanos();
            Bucket[] after = new Bucket[1];
            boolean[] allowed = new boolean[1];
            buckets.compute(key, (k, bucket) -> {
                double tokens = bucket == null ? limit
                        : Math.min(limit, bucket.tokens() + Duration.between(bucket.updated(), now).toNanos() * perNano);
                allowed[0] = tokens >= 1;
                after[0] = new Bucket(allowed[0] ? tokens - 1 : tokens, now);
                return after[0];
            });
            if (buckets.size() > MAX_TRACKED_KEYS) {
                buckets.values().removeIf(bucket -> bucket.updated().isBefore(now.minus(window))); // full again anyway
            }
            return allowed[0] ? Optional.empty()
                    : Optional.of(Duration.ofNanos((long) Math.ceil((1 - after[0].tokens()) / perNano)));
        }
    }
}
