package dev.mcpoauth.cookbook.multiuserstore.store;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption.Sealed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link TokenRepository} on plain JDBC: the same SQL runs on H2 and PostgreSQL (schema in
 * {@code db/migration}, applied by Flyway at startup). Tokens are sealed ({@link TokenSealing}) before
 * they reach a statement and opened after they leave a result set; the database only ever holds
 * ciphertext, base64 in its columns. Every call is timed ({@code token.store.latency}).
 */
@Singleton
final class JdbcTokenRepository implements TokenRepository {

    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private static final String SELECT = "SELECT user_id, upstream, status, kek_id, wrapped_data_key, sealed_tokens,"
            + " access_expires_at, version FROM upstream_connection WHERE user_id = ? AND upstream = ?";

    private final DataSource dataSource;
    private final TokenSealing sealing;
    private final MeterRegistry meters;

    JdbcTokenRepository(DataSource dataSource, TokenSealing sealing, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.sealing = sealing;
        this.meters = meters;
    }

    @Override
    public Optional<StoredConnection> find(String userId, String upstream) {
        return timed("find", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(SELECT)) {
                select.setString(1, userId);
                select.setString(2, upstream);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(read(row)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void save(String userId, String upstream, UpstreamTokens tokens) {
        timed("save", () -> {
            // One transaction with the row locked: an insert racing an update of the same user never loses either.
            // The old row is not decrypted: a new authorization replaces it even if it is unreadable.
            LockedUpdate<Void> replace = (current, row) -> {
                row.replace(tokens);
                return null;
            };
            try {
                return updateLockedUntimed(userId, upstream, false, replace);
            } catch (TokenStoreException e) {
                if (!(e.getCause() instanceof SQLException sql) || !UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                    throw e;
                }
                // Two first connects of one user raced (no row to lock yet): the loser updates the winner's row.
                return updateLockedUntimed(userId, upstream, false, replace);
            }
        });
    }

    /** SQLState of a unique-key violation, the same on PostgreSQL and H2. */
    private static final String UNIQUE_VIOLATION = "23505";

    @Override
    public <T> T updateLocked(String userId, String upstream, LockedUpdate<T> update) {
        return timed("update_locked", () -> updateLockedUntimed(userId, upstream, true, update));
    }

    // tag::row-lock[]
    private <T> T updateLockedUntimed(String userId, String upstream, boolean decrypt, LockedUpdate<T> update)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                // FOR UPDATE: another instance refreshing this user waits here until we commit,
                // then reads the version we wrote (and the rotated refresh token with it).
                Optional<StoredConnection> current;
                try (PreparedStatement select = c.prepareStatement(SELECT + " FOR UPDATE")) {
                    select.setString(1, userId);
                    select.setString(2, upstream);
                    try (ResultSet row = select.executeQuery()) {
                        current = !row.next() ? Optional.empty()
                                : Optional.of(decrypt ? read(row) : new StoredConnection(userId, upstream,
                                        ConnectionStatus.valueOf(row.getString("status")), null, row.getLong("version"),
                                        row.getString("kek_id")));
                    }
                }
                LockedRowWriter writer = new LockedRowWriter(c, userId, upstream, current);
                T result = update.apply(current, writer);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }
    // end::row-lock[]

    @Override
    public boolean delete(String userId, String upstream) {
        return timed("delete", () -> {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement delete = c.prepareStatement("DELETE FROM upstream_connection WHERE user_id = ? AND upstream = ?")) {
                delete.setString(1, userId);
                delete.setString(2, upstream);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<RowKey> rowsNotUnder(String keyId, int limit) {
        return timed("scan", () -> {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement select = c.prepareStatement("SELECT user_id, upstream FROM upstream_connection"
                         + " WHERE kek_id IS NOT NULL AND kek_id <> ? ORDER BY user_id, upstream")) {
                select.setString(1, keyId);
                select.setMaxRows(limit);
                List<RowKey> rows = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        rows.add(new RowKey(row.getString(1), row.getString(2)));
                    }
                }
                return rows;
            }
        });
    }

    @Override
    public boolean rewrap(RowKey key) {
        return timed("rewrap", () -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    Sealed sealed = null;
                    try (PreparedStatement select = c.prepareStatement("SELECT kek_id, wrapped_data_key, sealed_tokens"
                            + " FROM upstream_connection WHERE user_id = ? AND upstream = ? FOR UPDATE")) {
                        select.setString(1, key.userId());
                        select.setString(2, key.upstream());
                        try (ResultSet row = select.executeQuery()) {
                            if (row.next() && row.getString(1) != null) {
                                sealed = sealedColumns(key.userId(), key.upstream(), row.getString(1), row.getString(2),
                                        row.getString(3));
                            }
                        }
                    }
                    if (sealed == null || sealed.keyId().equals(sealing.currentKeyId())) {
                        c.commit();
                        return false; // gone, or rewrapped meanwhile (a refresh seals under the current key)
                    }
                    Sealed rewrapped = sealing.rewrap(sealed, key.userId(), key.upstream());
                    try (PreparedStatement update = c.prepareStatement("UPDATE upstream_connection SET kek_id = ?,"
                            + " wrapped_data_key = ? WHERE user_id = ? AND upstream = ?")) {
                        update.setString(1, rewrapped.keyId());
                        update.setString(2, B64.encodeToString(rewrapped.wrappedDataKey()));
                        update.setString(3, key.userId());
                        update.setString(4, key.upstream());
                        update.executeUpdate();
                    }
                    c.commit();
                    return true;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c);
                    throw e;
                }
            }
        });
    }

    /** Writes to the row locked by {@link #updateLockedUntimed}, on its connection, inside its transaction. */
    private final class LockedRowWriter implements LockedRow {

        private final Connection c;
        private final String userId;
        private final String upstream;
        private final long nextVersion;
        private final boolean exists;

        LockedRowWriter(Connection c, String userId, String upstream, Optional<StoredConnection> current) {
            this.c = c;
            this.userId = userId;
            this.upstream = upstream;
            this.exists = current.isPresent();
            this.nextVersion = current.map(StoredConnection::version).orElse(0L) + 1;
        }

        @Override
        public void replace(UpstreamTokens tokens) {
            write(ConnectionStatus.CONNECTED, sealing.seal(tokens, userId, upstream), tokens.expiresAt().getEpochSecond());
        }

        @Override
        public void markReconnectNeeded() {
            write(ConnectionStatus.RECONNECT_NEEDED, null, null); // the dead tokens are erased, not kept
        }

        @Override
        public void delete() {
            execute("DELETE FROM upstream_connection WHERE user_id = ? AND upstream = ?", ps -> {
                ps.setString(1, userId);
                ps.setString(2, upstream);
            });
        }

        private void write(ConnectionStatus status, Sealed sealed, Long expiresAt) {
            String sql = exists
                    ? "UPDATE upstream_connection SET status = ?, kek_id = ?, wrapped_data_key = ?, sealed_tokens = ?,"
                            + " access_expires_at = ?, version = ?, updated_at = ? WHERE user_id = ? AND upstream = ?"
                    : "INSERT INTO upstream_connection (status, kek_id, wrapped_data_key, sealed_tokens, access_expires_at,"
                            + " version, updated_at, user_id, upstream) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
            execute(sql, ps -> {
                ps.setString(1, status.name());
                ps.setString(2, sealed == null ? null : sealed.keyId());
                ps.setString(3, sealed == null ? null : B64.encodeToString(sealed.wrappedDataKey()));
                ps.setString(4, sealed == null ? null : B64.encodeToString(sealed.ciphertext()));
                if (expiresAt == null) {
                    ps.setNull(5, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(5, expiresAt);
                }
                ps.setLong(6, nextVersion);
                ps.setLong(7, Instant.now().getEpochSecond());
                ps.setString(8, userId);
                ps.setString(9, upstream);
            });
        }

        private void execute(String sql, StatementSetter setter) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                setter.set(ps);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new TokenStoreException("Token store write failed: " + e.getSQLState(), e);
            }
        }
    }

    @FunctionalInterface
    private interface StatementSetter {
        void set(PreparedStatement ps) throws SQLException;
    }

    private StoredConnection read(ResultSet row) throws SQLException {
        String userId = row.getString("user_id");
        String upstream = row.getString("upstream");
        ConnectionStatus status = ConnectionStatus.valueOf(row.getString("status"));
        String keyId = row.getString("kek_id");
        long version = row.getLong("version");
        if (status != ConnectionStatus.CONNECTED) {
            return new StoredConnection(userId, upstream, status, null, version, keyId);
        }
        Sealed sealed = sealedColumns(userId, upstream, keyId, row.getString("wrapped_data_key"), row.getString("sealed_tokens"));
        UpstreamTokens tokens = sealing.open(sealed, userId, upstream, Instant.ofEpochSecond(row.getLong("access_expires_at")));
        return new StoredConnection(userId, upstream, status, tokens, version, keyId);
    }

    /** A row's sealed columns as bytes; a column that is missing or not base64 makes the row unreadable. */
    private static Sealed sealedColumns(String userId, String upstream, String keyId, String wrappedDataKey,
                                        String sealedTokens) {
        try {
            return new Sealed(keyId, B64D.decode(wrappedDataKey), B64D.decode(sealedTokens));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw TokenSealing.unreadable(userId, upstream, keyId, e);
        }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private <T> T timed(String operation, SqlWork<T> work) {
        Timer.Sample sample = Timer.start(meters);
        String outcome = "success";
        try {
            return work.run();
        } catch (SQLException e) {
            outcome = "error";
            // SQLState and message only: statements carry ciphertext at most, never plaintext tokens.
            throw new TokenStoreException("Token store unavailable (" + e.getSQLState() + ")", e);
        } catch (RuntimeException e) {
            outcome = "error";
            throw e;
        } finally {
            sample.stop(meters.timer("token.store.latency", "operation", operation, "outcome", outcome));
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }
}
