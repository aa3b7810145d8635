package dev.mcpoauth.cookbook.multiuserstore.store;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption;
import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption.Sealed;
import jakarta.inject.Singleton;
import java.security.GeneralSecurityException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between {@link UpstreamTokens} and what a row holds: the tokens as a {@link TokenPayload}, sealed by
 * {@link EnvelopeEncryption} with the row's identity (user id, upstream) as associated data. A row that
 * fails to open is reported by its identity and the failure's type only: no ciphertext, key or token.
 */
@Singleton
final class TokenSealing {

    private static final Logger LOG = LoggerFactory.getLogger(TokenSealing.class);

    private final EnvelopeEncryption encryption;

    TokenSealing(EnvelopeEncryption encryption) {
        this.encryption = encryption;
    }

    Sealed seal(UpstreamTokens tokens, String userId, String upstream) {
        try {
            return encryption.seal(TokenPayload.write(tokens), userId, upstream);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot seal tokens for user " + userId + " upstream " + upstream
                    + ": " + e.getClass().getSimpleName());
        }
    }

    /** Opens a row's tokens; {@link UnreadableTokensException} if it fails its integrity check. */
    UpstreamTokens open(Sealed sealed, String userId, String upstream, Instant expiresAt) {
        byte[] plaintext;
        try {
            plaintext = encryption.open(sealed, userId, upstream);
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw unreadable(userId, upstream, sealed.keyId(), e);
        }
        return TokenPayload.read(plaintext, expiresAt);
    }

    /** The row's data key under the current key-encryption key, after checking the row opens (see {@link EnvelopeEncryption#rewrap}). */
    Sealed rewrap(Sealed sealed, String userId, String upstream) {
        try {
            return encryption.rewrap(sealed, userId, upstream);
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw unreadable(userId, upstream, sealed.keyId(), e);
        }
    }

    String currentKeyId() {
        return encryption.currentKeyId();
    }

    /** Logged and thrown with the row's identity and the failure's type only: no ciphertext, no key, no token. */
    static UnreadableTokensException unreadable(String userId, String upstream, String keyId, Exception e) {
        String message = "Stored tokens of user " + userId + " for upstream " + upstream + " (key " + keyId
                + ") failed their integrity check: " + e.getClass().getSimpleName();
        LOG.error(message);
        return new UnreadableTokensException(message);
    }
}
