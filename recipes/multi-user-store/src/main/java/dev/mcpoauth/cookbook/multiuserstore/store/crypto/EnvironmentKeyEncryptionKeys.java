package dev.mcpoauth.cookbook.multiuserstore.store.crypto;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key-encryption keys from configuration: {@code token-store.key-encryption-keys} is a list of
 * {@code id:base64-of-32-bytes} entries (environment variable {@code TOKEN_STORE_KEKS}), and
 * {@code token-store.current-key-id} ({@code TOKEN_STORE_KEK_ID}) picks the one new rows use.
 * Wrapping is AES-256-GCM with a random 96-bit nonce (NIST SP 800-38D), the row's identity as
 * associated data. Replace this bean with a KMS-backed {@link KeyEncryptionKeys} in production.
 */
@Singleton
final class EnvironmentKeyEncryptionKeys implements KeyEncryptionKeys {

    private static final Logger LOG = LoggerFactory.getLogger(EnvironmentKeyEncryptionKeys.class);
    /** The demo key of application.yml: fine on a laptop, refused nowhere, warned about at startup. */
    static final String DEMO_KEY_ID = "demo-only-2026";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, SecretKeySpec> keys;
    private final String currentKeyId;

    EnvironmentKeyEncryptionKeys(@Value("${token-store.key-encryption-keys}") String keyList,
                                 @Value("${token-store.current-key-id}") String currentKeyId) {
        this.keys = parse(keyList);
        if (!keys.containsKey(currentKeyId)) {
            throw new IllegalStateException("token-store.current-key-id '" + currentKeyId + "' is not among the configured keys "
                    + keys.keySet());
        }
        this.currentKeyId = currentKeyId;
        if (DEMO_KEY_ID.equals(currentKeyId)) {
            LOG.warn("Token store uses the DEMO key-encryption key. Set TOKEN_STORE_KEKS and TOKEN_STORE_KEK_ID in production.");
        }
    }

    /** {@code id:base64,id:base64}; ids are letters, digits, '-', '_' and '.'. */
    static Map<String, SecretKeySpec> parse(String keyList) {
        Map<String, SecretKeySpec> parsed = new LinkedHashMap<>();
        for (String entry : keyList.split(",")) {
            String[] parts = entry.trim().split(":", 2);
            if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalStateException("token-store.key-encryption-keys entries must be id:base64");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(parts[1].trim());
            } catch (IllegalArgumentException notBase64) {
                throw new IllegalStateException("Key-encryption key " + parts[0] + " is not base64");
            }
            if (key.length != 32) {
                throw new IllegalStateException("Key-encryption key " + parts[0] + " must be 32 bytes (AES-256), not " + key.length);
            }
            parsed.put(parts[0], new SecretKeySpec(key, "AES"));
        }
        return parsed;
    }

    @Override
    public String currentKeyId() {
        return currentKeyId;
    }

    @Override
    public byte[] wrap(String keyId, byte[] dataKey, byte[] associatedData) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key(keyId), new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(associatedData);
        byte[] sealed = cipher.doFinal(dataKey);
        return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    }

    @Override
    public byte[] unwrap(String keyId, byte[] wrappedDataKey, byte[] associatedData) throws GeneralSecurityException {
        if (wrappedDataKey.length <= NONCE_BYTES) {
            throw new GeneralSecurityException("Wrapped data key too short");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key(keyId), new GCMParameterSpec(TAG_BITS, wrappedDataKey, 0, NONCE_BYTES));
        cipher.updateAAD(associatedData);
        return cipher.doFinal(wrappedDataKey, NONCE_BYTES, wrappedDataKey.length - NONCE_BYTES);
    }

    private SecretKeySpec key(String keyId) throws GeneralSecurityException {
        SecretKeySpec key = keys.get(keyId);
        if (key == null) {
            throw new GeneralSecurityException("Unknown key-encryption key id " + keyId);
        }
        return key;
    }
}
