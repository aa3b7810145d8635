package dev.mcpoauth.cookbook.multiuserstore.store.crypto;

import java.security.GeneralSecurityException;

/**
 * The key-encryption keys (KEKs) of envelope encryption: they wrap and unwrap the per-row data keys
 * and never see a token. This is the seam for a KMS or Vault in production (AWS KMS Encrypt/Decrypt
 * with an encryption context, Google Cloud KMS with additional authenticated data, Vault Transit
 * with a context): the key material then never leaves it. {@link EnvironmentKeyEncryptionKeys} is the
 * self-contained implementation, keys from the environment.
 */
public interface KeyEncryptionKeys {

    /** The id new data keys are wrapped with. Older ids stay readable until rotation has rewrapped their rows. */
    String currentKeyId();

    /**
     * Wraps a data key with key {@code keyId}, binding it to {@code associatedData}: unwrapping with
     * other associated data fails.
     */
    byte[] wrap(String keyId, byte[] dataKey, byte[] associatedData) throws GeneralSecurityException;

    /** Unwraps; fails if the key id is unknown, the bytes were altered or the associated data differs. */
    byte[] unwrap(String keyId, byte[] wrappedDataKey, byte[] associatedData) throws GeneralSecurityException;
}
