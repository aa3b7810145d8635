package dev.mcpoauth.cookbook.multiuserstore.store;

/**
 * A stored row failed its integrity check: AES-GCM refused the wrapped data key or the sealed tokens
 * for this (user, upstream), e.g. because a ciphertext was copied from another user's row, or the
 * key-encryption key it names is unknown. The message names the row, never any token material.
 */
public class UnreadableTokensException extends RuntimeException {

    public UnreadableTokensException(String message) {
        super(message);
    }
}
