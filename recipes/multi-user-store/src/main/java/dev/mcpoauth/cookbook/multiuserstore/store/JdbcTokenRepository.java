package dev.mcpoauth.cookbook.multiuserstore.store;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TokenRepository} on plain JDBC: the same SQL runs on H2 and PostgreSQL (schema in
 * {@code db/migration}, applied by Flyway at startup). Tokens are sealed before they reach a
 * statement and opened after they leave a result set; the database only ever holds ciphertext.
 * Every call is timed ({@code token.store.latency}).
 */
@Singleton
final class JdbcTokenRepository implements TokenRepository {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcTokenRepository.class);
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private static final String SELECT = "SELECT user_id, upstream, status, kek_id, wrapped_data_key, sealed_tokens,"
            + " access_expires_at, version FROM upstream_connection WHERE user_id = ? AND upstream = ?";

    private final DataSource dataSource;
    private final EnvelopeEncryption encryption;
    private final MeterRegistry meters;

    JdbcTokenRepository(DataSource dataSource, EnvelopeEncryption encryption, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.encryption = encryption;
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
                    EnvelopeEncryption.Sealed sealed = null;
                    try (PreparedStatement select = c.prepareStatement("SELECT kek_id, wrapped_data_key, sealed_tokens"
                            + " FROM upstream_connection WHERE user_id = ? AND upstream = ? FOR UPDATE")) {
                        select.setString(1, key.userId());
                        select.setString(2, key.upstream());
                        try (ResultSet row = select.executeQuery()) {
                            if (row.next() && row.getString(1) != null) {
                                sealed = new EnvelopeEncryption.Sealed(row.getString(1), B64D.decode(row.getString(2)),
                                        B64D.decode(row.getString(3)));
                            }
                        }
                    }
                    if (sealed == null || sealed.keyId().equals(encryption.currentKeyId())) {
                        c.commit();
                        return false; // gone, or rewrapped meanwhile (a refresh seals under the current key)
                    }
                    EnvelopeEncryption.Sealed rewrapped;
                    try {
                        rewrapped = encryption.rewrap(sealed, key.userId(), key.upstream());
                    } catch (GeneralSecurityException e) {
                        throw unreadable(key.userId(), key.upstream(), sealed.keyId(), e);
                    }
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
            EnvelopeEncryption.Sealed sealed;
            try {
                sealed = encryption.seal(serialize(tokens), userId, upstream);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Cannot seal tokens for user " + userId + " upstream " + upstream
                        + ": " + e.getClass().getSimpleName());
            }
            write(ConnectionStatus.CONNECTED, sealed, tokens.expiresAt().getEpochSecond());
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

        private void write(ConnectionStatus status, EnvelopeEncryption.Sealed sealed, Long expiresAt) {
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
        EnvelopeEncryption.Sealed sealed;
        byte[] plaintext;
        try {
            sealed = new EnvelopeEncryption.Sealed(keyId, B64D.decode(row.getString("wrapped_data_key")),
                    B64D.decode(row.getString("sealed_tokens")));
            plaintext = encryption.open(sealed, userId, upstream);
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw unreadable(userId, upstream, keyId, e);
        }
        return new StoredConnection(userId, upstream, status,
                deserialize(plaintext, Instant.ofEpochSecond(row.getLong("access_expires_at"))), version, keyId);
    }

    /** Logged and thrown with the row's identity and the failure's type only: no ciphertext, no key, no token. */
    private static UnreadableTokensException unreadable(String userId, String upstream, String keyId, Exception e) {
        String message = "Stored tokens of user " + userId + " for upstream " + upstream + " (key " + keyId
                + ") failed their integrity check: " + e.getClass().getSimpleName();
        LOG.error(message);
        return new UnreadableTokensException(message);
    }

    private static byte[] serialize(UpstreamTokens tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, tokens.accessToken());
            writeString(out, tokens.refreshToken() == null ? "" : tokens.refreshToken());
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return bytes.toByteArray();
    }

    private static UpstreamTokens deserialize(byte[] plaintext, Instant expiresAt) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plaintext))) {
            String access = readString(in);
            String refresh = readString(in);
            return new UpstreamTokens(access, refresh.isEmpty() ? null : refresh, expiresAt);
        } catch (IOException e) {
            throw new UnreadableTokensException("Stored tokens have an unexpected format");
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 64 * 1024) {
            throw new IOException("bad length");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
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
