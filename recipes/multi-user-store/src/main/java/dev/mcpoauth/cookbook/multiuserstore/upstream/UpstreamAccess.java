package dev.mcpoauth.cookbook.multiuserstore.upstream;

import dev.mcpoauth.cookbook.multiuserstore.store.ConnectionStatus;
import dev.mcpoauth.cookbook.multiuserstore.store.StoredConnection;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.store.UnreadableTokensException;
import dev.mcpoauth.cookbook.multiuserstore.store.UpstreamTokens;
import dev.mcpoauth.cookbook.multiuserstore.upstream.ConnectionRequiredException.Reason;
import dev.mcpoauth.cookbook.multiuserstore.upstream.RefreshHook.RefreshEvent;
import dev.mcpoauth.cookbook.multiuserstore.upstream.RefreshHook.Trigger;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's upstream access token, refreshed when needed: before it expires (within the configured
 * skew) and after the upstream rejected it. Refreshes are single-flight per (user, upstream):
 * <ul>
 *   <li>in this instance, concurrent callers share one in-flight refresh;</li>
 *   <li>across instances, the refresh runs holding the row's lock ({@code SELECT ... FOR UPDATE}) and
 *       compares the row's version with the one the caller saw: if another instance refreshed meanwhile,
 *       its tokens are used and the upstream is not called again.</li>
 * </ul>
 * The rotated refresh token is committed before the new access token is handed to anyone, so a crash
 * after the refresh never leaves the store with a refresh token the upstream already invalidated.
 */
@Singleton
public final class UpstreamAccess {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamAccess.class);

    private final TokenRepository store;
    private final UpstreamOAuthClient oauth;
    private final UpstreamConfiguration upstream;
    private final List<RefreshHook> hooks;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<String, CompletableFuture<Grant>> inFlight = new ConcurrentHashMap<>();

    UpstreamAccess(TokenRepository store, UpstreamOAuthClient oauth, UpstreamConfiguration upstream,
                   List<RefreshHook> hooks, MeterRegistry meters, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.oauth = oauth;
        this.upstream = upstream;
        this.hooks = hooks;
        this.meters = meters;
    }

    /** An access token and the row version it was read at (what a later refresh compares against). */
    public record Grant(String accessToken, long version) {
        @Override
        public String toString() {
            return "Grant[version=" + version + "]";
        }
    }

    /** What a locked refresh decided; committed before the caller acts on it. */
    private sealed interface Outcome {
        record Refreshed(Grant grant) implements Outcome {
        }

        record AlreadyRefreshed(Grant grant) implements Outcome {
        }

        record Failed(RuntimeException failure, boolean reconnectNeeded) implements Outcome {
        }
    }

    // tag::access-token[]
    /** A usable access token for the user: the stored one, or a fresh one if it expires within the skew. */
    public Grant accessToken(String userId) {
        StoredConnection connection = load(userId);
        if (!connection.tokens().expiresWithin(upstream.refreshSkew(), clock.instant())) {
            return new Grant(connection.tokens().accessToken(), connection.version());
        }
        return refresh(userId, connection.version(), Trigger.EXPIRING);
    }

    /** The upstream answered 401 to {@code rejected}: refresh once (unless someone already did) and return the new token. */
    public Grant afterRejection(String userId, Grant rejected) {
        return refresh(userId, rejected.version(), Trigger.REJECTED_BY_UPSTREAM);
    }
    // end::access-token[]

    private StoredConnection load(String userId) {
        Optional<StoredConnection> stored;
        try {
            stored = store.find(userId, upstream.name());
        } catch (UnreadableTokensException e) {
            throw new ConnectionRequiredException(Reason.UNREADABLE);
        }
        StoredConnection connection = stored.orElseThrow(() -> new ConnectionRequiredException(Reason.NOT_CONNECTED));
        if (connection.status() == ConnectionStatus.RECONNECT_NEEDED) {
            throw new ConnectionRequiredException(Reason.RECONNECT_NEEDED);
        }
        return connection;
    }

    // tag::single-flight[]
    private Grant refresh(String userId, long seenVersion, Trigger trigger) {
        String key = userId + '\n' + upstream.name();
        CompletableFuture<Grant> mine = new CompletableFuture<>();
        CompletableFuture<Grant> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return join(running); // another thread of this instance is refreshing this user: share its result
        }
        try {
            Grant grant = refreshHoldingRowLock(userId, seenVersion, trigger);
            mine.complete(grant);
            return grant;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private Grant refreshHoldingRowLock(String userId, long seenVersion, Trigger trigger) {
        RefreshEvent event = new RefreshEvent(userId, upstream.name(), trigger);
        Outcome outcome;
        try {
            outcome = store.updateLocked(userId, upstream.name(), (current, row) -> {
                StoredConnection connection = current.orElseThrow(() -> new ConnectionRequiredException(Reason.NOT_CONNECTED));
                if (connection.status() == ConnectionStatus.RECONNECT_NEEDED) {
                    throw new ConnectionRequiredException(Reason.RECONNECT_NEEDED);
                }
                if (connection.version() != seenVersion) {
                    // Another thread or instance refreshed while we waited for the lock: use its tokens.
                    return new Outcome.AlreadyRefreshed(new Grant(connection.tokens().accessToken(), connection.version()));
                }
                hooks.forEach(hook -> hook.beforeRefresh(event));
                Timer.Sample sample = Timer.start(meters);
                try {
                    UpstreamTokens fresh = oauth.refresh(connection.tokens().refreshToken());
                    row.replace(fresh); // committed when this callback returns, before anyone uses `fresh`
                    return new Outcome.Refreshed(new Grant(fresh.accessToken(), connection.version() + 1));
                } catch (InvalidGrantException e) {
                    row.markReconnectNeeded();
                    return new Outcome.Failed(e, true);
                } catch (UpstreamUnavailableException e) {
                    return new Outcome.Failed(e, false);
                } finally {
                    sample.stop(meters.timer("upstream.refresh.latency", "upstream", upstream.name()));
                }
            });
        } catch (UnreadableTokensException e) {
            throw new ConnectionRequiredException(Reason.UNREADABLE);
        }
        return settle(event, outcome);
    }
    // end::single-flight[]

    private Grant settle(RefreshEvent event, Outcome outcome) {
        if (outcome instanceof Outcome.Refreshed refreshed) {
            count("success");
            LOG.info("Refreshed upstream tokens of user {} for {} ({})", event.userId(), event.upstream(), event.trigger());
            hooks.forEach(hook -> hook.onRefresh(event));
            return refreshed.grant();
        }
        if (outcome instanceof Outcome.AlreadyRefreshed already) {
            count("already_refreshed");
            return already.grant();
        }
        Outcome.Failed failed = (Outcome.Failed) outcome;
        count(failed.reconnectNeeded() ? "invalid_grant" : "upstream_unavailable");
        LOG.warn("Refreshing upstream tokens of user {} for {} failed: {}", event.userId(), event.upstream(),
                failed.failure().getMessage());
        hooks.forEach(hook -> hook.onRefreshError(event, failed.failure(), failed.reconnectNeeded()));
        if (failed.reconnectNeeded()) {
            throw new ConnectionRequiredException(Reason.RECONNECT_NEEDED);
        }
        throw failed.failure();
    }

    private void count(String outcome) {
        meters.counter("upstream.refresh", "upstream", upstream.name(), "outcome", outcome).increment();
    }

    private static Grant join(CompletableFuture<Grant> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
