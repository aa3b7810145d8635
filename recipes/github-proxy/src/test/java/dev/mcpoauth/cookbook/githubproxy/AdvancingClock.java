package dev.mcpoauth.cookbook.githubproxy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock plus whatever a test has moved it forward: the proxy's grant store measures its
 * refresh-reuse grace window on it, while Spring's own token timestamps stay on the system clock.
 */
final class AdvancingClock extends Clock {

    private volatile Duration ahead = Duration.ZERO;

    void advance(Duration by) {
        ahead = ahead.plus(by);
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
