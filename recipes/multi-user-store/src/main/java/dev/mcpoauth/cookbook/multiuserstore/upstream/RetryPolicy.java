package dev.mcpoauth.cookbook.multiuserstore.upstream;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: before retry {@code n} (1-based) wait a random time between
 * zero and {@code min(maxBackoff, initialBackoff * 2^(n-1))}. Jitter keeps many instances that failed
 * together from retrying together. Only for failures a retry can fix: network errors and 5xx.
 */
record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    static RetryPolicy of(UpstreamConfiguration upstream) {
        return new RetryPolicy(upstream.maxAttempts(), upstream.initialBackoff(), upstream.maxBackoff());
    }

    Duration delayBeforeRetry(int retry) {
        long ceiling = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(retry - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }

    /** Sleeps before retry {@code n}; an interrupt ends the retries. */
    void pauseBeforeRetry(int retry) {
        try {
            Thread.sleep(delayBeforeRetry(retry).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamUnavailableException("Interrupted while waiting to retry", e);
        }
    }
}
