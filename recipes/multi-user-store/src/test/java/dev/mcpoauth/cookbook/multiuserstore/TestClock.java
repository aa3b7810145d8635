package dev.mcpoauth.cookbook.multiuserstore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The server's clock in tests: the system clock moved forward by what the test asks. Time still runs,
 * so timeouts and backoff behave as in production; a test jumps to "30 s before expiry" instead of
 * sleeping there.
 */
final class TestClock extends Clock {

    private volatile Duration ahead = Duration.ZERO;

    /** From now on, this clock reads {@code instant} (and runs on from there). */
    void jumpTo(Instant instant) {
        ahead = Duration.between(Instant.now(), instant);
    }

    /** Back to the system clock. */
    void reset() {
        ahead = Duration.ZERO;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(ahead);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
