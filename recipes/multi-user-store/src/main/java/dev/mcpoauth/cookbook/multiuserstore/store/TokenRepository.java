package dev.mcpoauth.cookbook.multiuserstore.store;

import java.util.List;
import java.util.Optional;

/**
 * Where users' upstream tokens live, encrypted. One row per (user, upstream). The JDBC
 * implementation ({@link JdbcTokenRepository}) runs on H2 (embedded default) and PostgreSQL.
 */
public interface TokenRepository {

    /** The row, decrypted; empty when the user never connected (or disconnected). */
    Optional<StoredConnection> find(String userId, String upstream);

    /** Stores fresh tokens from a completed authorization (replaces any row, marks it connected). */
    void save(String userId, String upstream, UpstreamTokens tokens);

    /**
     * Runs {@code update} while holding the row's lock ({@code SELECT ... FOR UPDATE}), in one
     * transaction that commits when it returns: the single-flight point across server instances.
     * The callback sees the row as it is now, and may replace, mark or delete it through {@link LockedRow}.
     */
    <T> T updateLocked(String userId, String upstream, LockedUpdate<T> update);

    /** Deletes the row; true if there was one. */
    boolean delete(String userId, String upstream);

    /** Every (user, upstream) whose data key is not wrapped with {@code keyId}: what a KEK rotation must rewrap. */
    List<RowKey> rowsNotUnder(String keyId, int limit);

    /** Re-wraps one row's data key under the current key-encryption key (locks the row; tokens untouched). */
    boolean rewrap(RowKey row);

    /** The primary key of a stored row. */
    record RowKey(String userId, String upstream) {
    }

    /** A write to the locked row, committed with the transaction. */
    interface LockedRow {
        void replace(UpstreamTokens tokens);

        void markReconnectNeeded();

        void delete();
    }

    @FunctionalInterface
    interface LockedUpdate<T> {
        /** @param current the row now, decrypted; empty if there is none */
        T apply(Optional<StoredConnection> current, LockedRow row);
    }
}
