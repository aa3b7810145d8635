package dev.mcpoauth.cookbook.testkit.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that stands still until a test moves it on, so that no test sleeps through a time window. */
public final class HandMovedClock extends Clock {

    private volatile Instant now;

    /** Standing at the real time it was made: tokens a real server issued are valid on it. */
    public HandMovedClock() {
        this(Instant.now());
    }

    public HandMovedClock(Instant start) {
        this.now = start;
    }

    /** Moves the clock on by {@code by}. */
    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
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
