package dev.mcpoauth.cookbook.githubproxy.github;

import dev.mcpoauth.cookbook.githubproxy.TokenCipher;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.stereotype.Component;

/**
 * The GitHub token of each user, encrypted at rest (AES-256-GCM, the user id as associated data),
 * keyed by the GitHub user id the proxy knows the user by. Spring's {@code oauth2Login} saves here
 * through {@link OAuth2AuthorizedClientService}; the MCP tools read through {@link #find}.
 * GitHub tokens never leave this class except towards GitHub.
 */
@Component
public class GitHubTokenStore implements OAuth2AuthorizedClientService {

    /**
     * @param expiresAt null for a classic OAuth App token, which never expires
     * @param refreshToken null unless the app opted into expiring user tokens
     */
    public record GitHubToken(String userId, String accessToken, Instant expiresAt, String refreshToken, Set<String> scopes) {
        @Override
        public String toString() {
            return "GitHubToken[user=" + userId + ", expiresAt=" + expiresAt + ", refreshable=" + (refreshToken != null) + "]";
        }
    }

    private final JdbcTemplate jdbc;
    private final TokenCipher cipher;
    private final ClientRegistrationRepository registrations;

    GitHubTokenStore(JdbcTemplate jdbc, TokenCipher cipher, ClientRegistrationRepository registrations) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.registrations = registrations;
    }

    /**
     * What a GitHub call needs: the access token only. The refresh token stays sealed until a refresh
     * ({@link #find}), so the hot path decrypts one secret, not two.
     *
     * @param expiresAt null for a classic OAuth App token, which never expires
     */
    public record AccessToken(String userId, String accessToken, Instant expiresAt, boolean refreshable) {
        @Override
        public String toString() {
            return "AccessToken[user=" + userId + ", expiresAt=" + expiresAt + ", refreshable=" + refreshable + "]";
        }
    }

    public Optional<AccessToken> findAccessToken(String userId) {
        List<AccessToken> rows = jdbc.query("""
                SELECT access_token, access_expires_at, refresh_token IS NOT NULL AS refreshable FROM github_token WHERE user_id = ?""",
                (row, i) -> {
                    Timestamp expires = row.getTimestamp(2);
                    return new AccessToken(userId, cipher.decrypt(row.getBytes(1), userId),
                            expires == null ? null : expires.toInstant(), row.getBoolean(3));
                }, userId);
        return rows.stream().findFirst();
    }

    /** The whole stored token, refresh token decrypted too: for a refresh, a disconnect, Spring's client service. */
    public Optional<GitHubToken> find(String userId) {
        List<GitHubToken> rows = jdbc.query("""
                SELECT access_token, refresh_token, access_expires_at, scopes FROM github_token WHERE user_id = ?""",
                (row, i) -> {
                    Timestamp expires = row.getTimestamp("access_expires_at");
                    byte[] refresh = row.getBytes("refresh_token");
                    String scopes = row.getString("scopes");
                    return new GitHubToken(userId, cipher.decrypt(row.getBytes("access_token"), userId),
                            expires == null ? null : expires.toInstant(),
                            refresh == null ? null : cipher.decrypt(refresh, userId),
                            scopes == null || scopes.isBlank() ? Set.of() : Set.of(scopes.split(" ")));
                }, userId);
        return rows.stream().findFirst();
    }

    /** Insert or replace: a new login, or a refresh whose rotated refresh token must be kept before use. */
    public void save(GitHubToken token) {
        byte[] access = cipher.encrypt(token.accessToken(), token.userId());
        byte[] refresh = token.refreshToken() == null ? null : cipher.encrypt(token.refreshToken(), token.userId());
        Timestamp expires = token.expiresAt() == null ? null : Timestamp.from(token.expiresAt());
        String scopes = String.join(" ", token.scopes());
        int updated = jdbc.update("""
                UPDATE github_token SET access_token = ?, refresh_token = ?, access_expires_at = ?, scopes = ?, updated_at = ?
                WHERE user_id = ?""", access, refresh, expires, scopes, Timestamp.from(Instant.now()), token.userId());
        if (updated == 0) {
            jdbc.update("""
                    INSERT INTO github_token (user_id, access_token, refresh_token, access_expires_at, scopes, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)""", token.userId(), access, refresh, expires, scopes, Timestamp.from(Instant.now()));
        }
    }

    public boolean delete(String userId) {
        return jdbc.update("DELETE FROM github_token WHERE user_id = ?", userId) > 0;
    }

    // ---- what oauth2Login calls -----------------------------------------------------------------

    @Override
    public void saveAuthorizedClient(OAuth2AuthorizedClient client, Authentication principal) {
        OAuth2AccessToken access = client.getAccessToken();
        OAuth2RefreshToken refresh = client.getRefreshToken();
        // GitHub's classic tokens carry no expires_in, and Spring then sets expiresAt = issuedAt + 1 s.
        // Only a token that came with a refresh token (GitHub's expiring user tokens) really expires.
        Instant expiresAt = refresh == null ? null : access.getExpiresAt();
        save(new GitHubToken(principal.getName(), access.getTokenValue(), expiresAt,
                refresh == null ? null : refresh.getTokenValue(), access.getScopes()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends OAuth2AuthorizedClient> T loadAuthorizedClient(String registrationId, String userId) {
        return (T) find(userId).map(token -> new OAuth2AuthorizedClient(registrations.findByRegistrationId(registrationId), userId,
                new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, token.accessToken(), null, token.expiresAt(), token.scopes()),
                token.refreshToken() == null ? null : new OAuth2RefreshToken(token.refreshToken(), null)))
                .orElse(null);
    }

    @Override
    public void removeAuthorizedClient(String registrationId, String userId) {
        delete(userId);
    }
}
