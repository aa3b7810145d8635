package dev.mcpoauth.cookbook.testkit.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock moved ahead by what a test asks. Time still runs, so timeouts and backoff behave as in production,
 * and tokens a real server issued stay valid on it; a test jumps to "30 s before expiry" instead of sleeping there.
 */
public final class AheadClock extends Clock {

    private volatile Duration ahead = Duration.ZERO;

    /** Moves the clock on by {@code by}. */
    public void advance(Duration by) {
        ahead = ahead.plus(by);
    }

    /** From now on, this clock reads {@code instant} (and runs on from there). */
    public void jumpTo(Instant instant) {
        ahead = Duration.between(Instant.now(), instant);
    }

    /** Back to the system clock. */
    public void reset() {
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
