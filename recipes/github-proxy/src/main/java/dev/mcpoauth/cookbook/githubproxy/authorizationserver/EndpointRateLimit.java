package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import io.github.bucket4j.BucketExceptions;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rate limits on the two endpoints anyone can call without a user: open registration (which
 * writes a row per call) and the token endpoint (where codes and refresh tokens are guessed).
 * Keyed by the caller's address, because a public client's {@code client_id} is whatever the
 * caller says it is. Behind a reverse proxy the address is the forwarded one (Tomcat's
 * {@code RemoteIpValve}, trusted proxies only). Over the limit: 429 with {@code Retry-After}.
 * The counting is Bucket4j's ({@link RateLimitBuckets}), in PostgreSQL when the proxy runs on it.
 * <p>
 * Fails open: when the database does not answer, the request goes on unlimited. Refusing it would
 * protect nothing, since both endpoints need that same database and fail on their own then. The
 * outage is logged once (and once more when counting resumes), not per request.
 */
final class EndpointRateLimit extends OncePerRequestFilter {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointRateLimit.class);

    private final RateLimitBuckets buckets;
    private final AuditLog audit;
    private final AtomicBoolean unavailable = new AtomicBoolean();

    EndpointRateLimit(RateLimitBuckets buckets, AuditLog audit) {
        this.buckets = buckets;
        this.audit = audit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String endpoint = request.getRequestURI();
        Optional<Duration> wait = "POST".equals(request.getMethod()) && buckets.limits(endpoint)
                ? acquire(endpoint, request.getRemoteAddr()) : Optional.empty();
        if (wait.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        audit.record("rate_limited", null, null, "refused", Map.of("endpoint", endpoint));
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(seconds));
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"error\":\"too_many_requests\",\"error_description\":"
                + "\"Too many requests from this address; retry after " + seconds + " s\"}").getBytes(StandardCharsets.UTF_8));
    }

    private Optional<Duration> acquire(String endpoint, String address) {
        try {
            Optional<Duration> wait = buckets.acquire(endpoint, address);
            if (unavailable.compareAndSet(true, false)) {
                LOG.info("Rate limits are counted again");
            }
            return wait;
        } catch (BucketExceptions.BucketExecutionException databaseDown) {
            if (unavailable.compareAndSet(false, true)) {
                LOG.warn("Rate limits unavailable: the database did not answer; requests pass unlimited until it does");
                audit.record("rate_limit_unavailable", null, null, "fail_open", Map.of("endpoint", endpoint));
            }
            return Optional.empty();
        }
    }
}
