package dev.mcpoauth.cookbook.tokengateway.policy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which user each backend MCP session belongs to (MCP security best practices, session hijacking).
 * A session the gateway did not see created, or created for someone else, does not exist for the
 * user: 404, and a real client starts its own.
 */
public final class SessionOwners {

    private static final Duration IDLE_LIMIT = Duration.ofHours(1);

    private record Owner(String subject, Instant lastSeen) {
    }

    private final Map<String, Owner> ownerBySession = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Instant lastSweep;

    public SessionOwners(Clock clock) {
        this.clock = clock;
        this.lastSweep = clock.instant();
    }

    public boolean belongsTo(String backend, String sessionId, String subject) {
        Owner owner = ownerBySession.get(backend + " " + sessionId);
        if (owner == null || !owner.subject().equals(subject)) {
            return false;
        }
        ownerBySession.put(backend + " " + sessionId, new Owner(subject, clock.instant()));
        return true;
    }

    public void created(String backend, String sessionId, String subject) {
        ownerBySession.putIfAbsent(backend + " " + sessionId, new Owner(subject, clock.instant()));
        sweepIdle();
    }

    public void ended(String backend, String sessionId) {
        ownerBySession.remove(backend + " " + sessionId);
    }

    /** At most once a minute, not on every new session: the sweep walks every binding. */
    private void sweepIdle() {
        Instant now = clock.instant();
        if (lastSweep.isBefore(now.minus(Duration.ofMinutes(1)))) {
            lastSweep = now;
            ownerBySession.values().removeIf(owner -> owner.lastSeen().isBefore(now.minus(IDLE_LIMIT)));
        }
    }
}
