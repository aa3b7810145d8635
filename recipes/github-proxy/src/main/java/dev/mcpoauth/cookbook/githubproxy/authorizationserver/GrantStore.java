package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubAccess;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationCode;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proxy's grants (Spring's JDBC authorization service) plus what Spring leaves out:
 * <ul>
 * <li><b>refresh-token reuse detection</b> (OAuth 2.1 section 4.3.1): each rotated-out refresh
 *     token is remembered by its SHA-256; presenting one again revokes the whole grant, since either
 *     the client or an attacker holds a stolen copy. Inside a short grace window the request is only
 *     refused, so two concurrent refreshes of one client do not log the user out;</li>
 * <li><b>the end of a grant</b> (revoked, or removed for reuse): when it was the user's last
 *     live grant, the stored GitHub token is deleted and revoked at GitHub;</li>
 * <li>the audit lines for authorization and reuse.</li>
 * </ul>
 */
public class GrantStore implements OAuth2AuthorizationService {

    /** The access token's claim naming its grant (the row id of {@code oauth2_authorization}). */
    public static final String GRANT_ID_CLAIM = "grant_id";

    private final OAuth2AuthorizationService delegate;
    private final JdbcTemplate jdbc;
    private final RegisteredClientRepository clients;
    private final GitHubAccess github;
    private final AuditLog audit;
    private final Duration reuseGrace;
    private final Clock clock;
    private final TransactionTemplate transactions;

    GrantStore(OAuth2AuthorizationService delegate, JdbcTemplate jdbc, RegisteredClientRepository clients,
            GitHubAccess github, AuditLog audit, Duration reuseGrace, Clock clock, TransactionTemplate transactions) {
        this.delegate = delegate;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.clients = clients;
        this.github = github;
        this.audit = audit;
        this.reuseGrace = reuseGrace;
        this.clock = clock;
    }

    @Override
    public void save(OAuth2Authorization authorization) {
        OAuth2Authorization previous = delegate.findById(authorization.getId());
        OAuth2Authorization.Token<OAuth2RefreshToken> oldRefresh = previous == null ? null : previous.getRefreshToken();
        OAuth2Authorization.Token<OAuth2RefreshToken> newRefresh = authorization.getRefreshToken();
        // One transaction: a refresh that dies before commit (its instance killed) leaves no trace, so the
        // client's retry with the same refresh token is a first use, not a reuse that would revoke the grant.
        transactions.executeWithoutResult(status -> {
            if (oldRefresh != null && newRefresh != null
                    && !oldRefresh.getToken().getTokenValue().equals(newRefresh.getToken().getTokenValue())) {
                jdbc.update("INSERT INTO rotated_refresh_token (token_hash, authorization_id, rotated_at) VALUES (?, ?, ?)",
                        sha256(oldRefresh.getToken().getTokenValue()), authorization.getId(), Timestamp.from(clock.instant()));
            }
            delegate.save(authorization);
        });

        boolean codeIssued = authorization.getToken(OAuth2AuthorizationCode.class) != null
                && (previous == null || previous.getToken(OAuth2AuthorizationCode.class) == null);
        if (codeIssued) {
            audit.record("authorization_code_issued", clientId(authorization), authorization.getPrincipalName(), "ok",
                    Map.of("grant", authorization.getId()));
        }
        boolean grantRevoked = oldRefresh != null && !oldRefresh.isInvalidated() && newRefresh != null && newRefresh.isInvalidated();
        if (grantRevoked) {
            grantEnded(authorization, "revoked");
        }
    }

    @Override
    public void remove(OAuth2Authorization authorization) {
        transactions.executeWithoutResult(status -> {
            jdbc.update("DELETE FROM rotated_refresh_token WHERE authorization_id = ?", authorization.getId());
            delegate.remove(authorization);
        });
    }

    @Override
    public OAuth2Authorization findById(String id) {
        return delegate.findById(id);
    }

    @Override
    public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
        OAuth2Authorization found = delegate.findByToken(token, tokenType);
        if (found == null && (tokenType == null || OAuth2TokenType.REFRESH_TOKEN.equals(tokenType))) {
            detectReuse(token);
        }
        return found;
    }

    /** For the MCP endpoint: a JWT is still checked against its grant, so revocation takes effect at once. */
    public boolean isActiveAccessToken(String grantId, String token) {
        if (grantId == null) {
            return false;
        }
        // One primary-key read of two columns, on every MCP request. Spring's findByToken would scan the
        // unindexed token column and deserialize the whole grant (measured: ~15 ms of a tool call).
        List<Boolean> live = jdbc.query("SELECT access_token_value, access_token_metadata FROM oauth2_authorization WHERE id = ?",
                (row, n) -> MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), row.getBytes(1))
                        && !isInvalidated(row.getBytes(2)),
                grantId);
        return live.size() == 1 && live.get(0);
    }

    /**
     * Spring marks a revoked or replayed-code token in its metadata rather than deleting it. Read with
     * Jackson's streaming parser: the flag is a top-level field, and building the whole tree (the
     * token's claims included) on every MCP request cost more than the database read.
     */
    static boolean isInvalidated(byte[] metadata) {
        if (metadata == null) {
            return true;
        }
        try (JsonParser parser = JsonMapper.shared().createParser(metadata)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return true;
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (OAuth2Authorization.Token.INVALIDATED_METADATA_NAME.equals(name)) {
                    return value != JsonToken.VALUE_FALSE; // only an explicit false is live
                }
                parser.skipChildren();
            }
            return true; // no flag: not a token Spring issued live
        }
    }

    private void detectReuse(String presentedRefreshToken) {
        List<Map<String, Object>> rotations = jdbc.queryForList(
                "SELECT authorization_id, rotated_at FROM rotated_refresh_token WHERE token_hash = ?", sha256(presentedRefreshToken));
        for (Map<String, Object> rotation : rotations) {
            OAuth2Authorization grant = delegate.findById((String) rotation.get("authorization_id"));
            if (grant == null) {
                continue;
            }
            Instant rotatedAt = ((Timestamp) rotation.get("rotated_at")).toInstant();
            if (rotatedAt.plus(reuseGrace).isAfter(clock.instant())) {
                audit.record("refresh_token_reuse", clientId(grant), grant.getPrincipalName(), "refused_within_grace",
                        Map.of("grant", grant.getId()));
                continue;
            }
            remove(grant);
            audit.record("refresh_token_reuse", clientId(grant), grant.getPrincipalName(), "grant_revoked",
                    Map.of("grant", grant.getId()));
            grantEnded(grant, "reuse");
        }
    }

    /** The user's GitHub token is kept while any other grant of theirs is alive. */
    private void grantEnded(OAuth2Authorization ended, String why) {
        List<String> others = jdbc.queryForList("""
                SELECT id FROM oauth2_authorization
                WHERE principal_name = ? AND id <> ? AND refresh_token_expires_at > ?""",
                String.class, ended.getPrincipalName(), ended.getId(), Timestamp.from(clock.instant()));
        boolean anotherLiveGrant = others.stream().map(delegate::findById)
                .anyMatch(other -> other != null && other.getRefreshToken() != null && other.getRefreshToken().isActive());
        if (!anotherLiveGrant) {
            github.disconnect(ended.getPrincipalName());
        }
        audit.record("grant_ended", clientId(ended), ended.getPrincipalName(), why,
                Map.of("grant", ended.getId(), "github_token", anotherLiveGrant ? "kept_for_other_grants" : "deleted"));
    }

    private String clientId(OAuth2Authorization authorization) {
        var client = clients.findById(authorization.getRegisteredClientId());
        return client == null ? null : client.getClientId();
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
