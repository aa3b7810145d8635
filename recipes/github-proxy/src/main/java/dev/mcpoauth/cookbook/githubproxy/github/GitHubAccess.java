package dev.mcpoauth.cookbook.githubproxy.github;

import dev.mcpoauth.cookbook.githubproxy.github.GitHubApi.RefreshRefusedException;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubApi.TokenRejectedException;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore.AccessToken;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore.GitHubToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * A user's GitHub call, with the stored token: refreshed shortly before it expires or when GitHub
 * answers 401, where GitHub issued a refresh token (expiring user tokens); otherwise the user must
 * sign in again, and the tool says so. One refresh per user at a time: GitHub rotates refresh
 * tokens, so two concurrent refreshes would make one of them use a spent token.
 */
@Component
public class GitHubAccess {

    /** The user has to go through the authorization flow again (GitHub token missing, revoked or unrefreshable). */
    public static final class ReconnectRequiredException extends Exception {
        ReconnectRequiredException(String reason) {
            super(reason);
        }
    }

    @FunctionalInterface
    public interface GitHubCall {
        JsonNode call(String accessToken) throws TokenRejectedException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(GitHubAccess.class);
    /** Refresh this long before expiry, for clock skew and the call's own duration. */
    private static final Duration REFRESH_MARGIN = Duration.ofSeconds(60);

    private final GitHubTokenStore store;
    private final GitHubApi github;
    private final Map<String, Object> refreshLocks = new ConcurrentHashMap<>();

    GitHubAccess(GitHubTokenStore store, GitHubApi github) {
        this.store = store;
        this.github = github;
    }

    public JsonNode call(String userId, GitHubCall call) throws ReconnectRequiredException {
        AccessToken token = store.findAccessToken(userId)
                .orElseThrow(() -> new ReconnectRequiredException("no GitHub token is stored for this user"));
        if (token.expiresAt() != null && Instant.now().isAfter(token.expiresAt().minus(REFRESH_MARGIN))) {
            token = refresh(token);
        }
        try {
            return call.call(token.accessToken());
        } catch (TokenRejectedException rejected) {
            AccessToken refreshed = refresh(token);
            try {
                return call.call(refreshed.accessToken());
            } catch (TokenRejectedException again) {
                throw new ReconnectRequiredException("GitHub rejected a freshly refreshed token");
            }
        }
    }

    private AccessToken refresh(AccessToken seen) throws ReconnectRequiredException {
        if (!seen.refreshable()) {
            store.delete(seen.userId()); // a classic token GitHub no longer honours is of no further use
            throw new ReconnectRequiredException("GitHub no longer accepts the stored token and issued no refresh token");
        }
        synchronized (refreshLocks.computeIfAbsent(seen.userId(), id -> new Object())) {
            GitHubToken current = store.find(seen.userId())
                    .orElseThrow(() -> new ReconnectRequiredException("the GitHub token was removed meanwhile"));
            if (!current.accessToken().equals(seen.accessToken())) {
                return accessOf(current); // another thread refreshed while this one waited
            }
            try {
                GitHubToken refreshed = github.refresh(current);
                store.save(refreshed); // the rotated refresh token is stored before the new access token is used
                LOG.info("Refreshed the GitHub token of user {}", seen.userId());
                return accessOf(refreshed);
            } catch (RefreshRefusedException refused) {
                store.delete(seen.userId());
                LOG.info("GitHub refused to refresh the token of user {}: {}", seen.userId(), refused.getMessage());
                throw new ReconnectRequiredException("GitHub refused to refresh the token");
            }
        }
    }

    private static AccessToken accessOf(GitHubToken token) {
        return new AccessToken(token.userId(), token.accessToken(), token.expiresAt(), token.refreshToken() != null);
    }

    /** The user's last grant at the proxy is gone: delete the stored GitHub token and revoke it at GitHub. */
    public void disconnect(String userId) {
        store.find(userId).ifPresent(token -> {
            store.delete(userId);
            try {
                github.revoke(token.accessToken());
            } catch (GitHubApi.GitHubUnavailableException e) {
                LOG.warn("Deleted the GitHub token of user {}, but revoking it at GitHub failed: {}", userId, e.getMessage());
            }
        });
    }
}
