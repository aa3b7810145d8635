package dev.mcpoauth.cookbook.multiuserstore.store;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.KeyEncryptionKeys;
import jakarta.inject.Singleton;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates the key-encryption key without downtime: every row whose data key is wrapped with an older
 * KEK is rewrapped with the current one, one row per short transaction under the row lock, while the
 * servers keep serving (they read each row with the key id it names). The tokens themselves are not
 * re-encrypted: their data keys do not change. Run it with {@link RotateKeyEncryptionKey} after every
 * instance has the new key configured as current; remove the old key once it reports zero rows left.
 */
@Singleton
public final class KeyRotation {

    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);
    private static final int BATCH = 100;

    private final TokenRepository store;
    private final KeyEncryptionKeys keys;

    KeyRotation(TokenRepository store, KeyEncryptionKeys keys) {
        this.store = store;
        this.keys = keys;
    }

    /** Result of a run: rows rewrapped, rows that could not be read (left as they are, logged). */
    public record Report(int rewrapped, int unreadable) {
    }

    public Report rotateAll() {
        String current = keys.currentKeyId();
        int rewrapped = 0;
        int unreadable = 0;
        Set<TokenRepository.RowKey> skipped = new HashSet<>();
        while (true) {
            List<TokenRepository.RowKey> rows = store.rowsNotUnder(current, BATCH + skipped.size());
            rows = rows.stream().filter(row -> !skipped.contains(row)).toList();
            if (rows.isEmpty()) {
                break;
            }
            for (TokenRepository.RowKey row : rows) {
                try {
                    if (store.rewrap(row)) {
                        rewrapped++;
                    }
                } catch (UnreadableTokensException e) {
                    unreadable++; // already logged without token material; needs a reconnect, not a rewrap
                    skipped.add(row);
                }
            }
        }
        LOG.info("Key rotation to {}: {} rows rewrapped, {} unreadable rows left under older keys", current, rewrapped, unreadable);
        return new Report(rewrapped, unreadable);
    }
}
