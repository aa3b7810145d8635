package dev.mcpoauth.cookbook.multiuserstore.connect;

import dev.mcpoauth.cookbook.multiuserstore.store.TokenStoreException;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Connect links in flight, in the database so that any instance can finish a flow another one
 * started. A link is issued to one authenticated MCP user, is usable once, and expires; opening it
 * binds it to that browser with a cookie, and the upstream callback must come back to the same
 * browser with the same {@code state} (RFC 6749 section 10.12, CSRF). Only SHA-256 hashes of the
 * link id, the state and the cookie are stored.
 */
@Singleton
final class PendingAuthorizations {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource dataSource;
    private final Clock clock;

    PendingAuthorizations(DataSource dataSource) {
        this.dataSource = dataSource;
        this.clock = Clock.systemUTC();
    }

    /** A started flow: what the callback needs. */
    record Started(String state, String browserBinding, String codeVerifier) {
        @Override
        public String toString() {
            return "Started[<secrets hidden>]";
        }
    }

    /** A callback that matched its flow. */
    record Completed(String userId, String upstream, String codeVerifier) {
        @Override
        public String toString() {
            return "Completed[userId=" + userId + ", upstream=" + upstream + "]";
        }
    }

    /** Issues a link id for {@code userId} ({@code userDisplay} is shown on the connect page); the caller makes the URL. */
    String issue(String userId, String userDisplay, String upstream, Duration lifetime) {
        String requestId = randomToken();
        // Only the newest unopened link of a user works: calling a tool in a loop cannot fill the table.
        sql("DELETE FROM pending_authorization WHERE user_id = ? AND upstream = ? AND state_hash IS NULL", ps -> {
            ps.setString(1, userId);
            ps.setString(2, upstream);
        });
        sql("INSERT INTO pending_authorization (request_hash, user_id, user_display, upstream, expires_at) VALUES (?, ?, ?, ?, ?)", ps -> {
            ps.setString(1, hash(requestId));
            ps.setString(2, userId);
            ps.setString(3, userDisplay);
            ps.setString(4, upstream);
            ps.setLong(5, clock.instant().plus(lifetime).getEpochSecond());
        });
        sql("DELETE FROM pending_authorization WHERE expires_at < ?", ps -> ps.setLong(1, clock.instant().getEpochSecond()));
        return requestId;
    }

    /** The MCP account an unused, unexpired link would connect to, for the confirmation page. */
    Optional<String> accountOf(String requestId, String upstream) {
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement("SELECT user_display"
                + " FROM pending_authorization WHERE request_hash = ? AND upstream = ? AND state_hash IS NULL AND expires_at >= ?")) {
            select.setString(1, hash(requestId));
            select.setString(2, upstream);
            select.setLong(3, clock.instant().getEpochSecond());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new TokenStoreException("Token store unavailable (" + e.getSQLState() + ")", e);
        }
    }

    /**
     * The user confirmed the link: binds it to this browser, once. Empty if the link is unknown, expired, for
     * another upstream or already used.
     */
    Optional<Started> start(String requestId, String upstream, String codeVerifier) {
        Started started = new Started(randomToken(), randomToken(), codeVerifier);
        int updated = sql("UPDATE pending_authorization SET state_hash = ?, browser_binding_hash = ?, code_verifier = ?"
                + " WHERE request_hash = ? AND upstream = ? AND state_hash IS NULL AND expires_at >= ?", ps -> {
            ps.setString(1, hash(started.state()));
            ps.setString(2, hash(started.browserBinding()));
            ps.setString(3, codeVerifier);
            ps.setString(4, hash(requestId));
            ps.setString(5, upstream);
            ps.setLong(6, clock.instant().getEpochSecond());
        });
        return updated == 1 ? Optional.of(started) : Optional.empty();
    }

    /**
     * The upstream redirected back: consumes the flow if {@code state} and the browser's cookie both
     * match and it has not expired. Single use: a replayed callback finds nothing.
     */
    Optional<Completed> complete(String state, String browserBinding) {
        if (state == null || browserBinding == null) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Completed completed = null;
                try (PreparedStatement select = c.prepareStatement("SELECT user_id, upstream, code_verifier, browser_binding_hash,"
                        + " expires_at FROM pending_authorization WHERE state_hash = ? FOR UPDATE")) {
                    select.setString(1, hash(state));
                    try (ResultSet row = select.executeQuery()) {
                        if (row.next() && MessageDigest.isEqual(hash(browserBinding).getBytes(StandardCharsets.US_ASCII),
                                row.getString(4).getBytes(StandardCharsets.US_ASCII))
                                && row.getLong(5) >= clock.instant().getEpochSecond()) {
                            completed = new Completed(row.getString(1), row.getString(2), row.getString(3));
                        }
                    }
                }
                if (completed != null) {
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM pending_authorization WHERE state_hash = ?")) {
                        delete.setString(1, hash(state));
                        delete.executeUpdate();
                    }
                }
                c.commit();
                return Optional.ofNullable(completed);
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new TokenStoreException("Token store unavailable (" + e.getSQLState() + ")", e);
        }
    }

    /** 256 random bits, base64url. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Setter {
        void set(PreparedStatement ps) throws SQLException;
    }

    private int sql(String sql, Setter setter) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            setter.set(ps);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new TokenStoreException("Token store unavailable (" + e.getSQLState() + ")", e);
        }
    }
}
