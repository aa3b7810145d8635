package dev.mcpoauth.cookbook.multiuserstore.store.crypto;

import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of one row: a fresh AES-256 data key per row seals the tokens (AES-GCM), and the
 * data key is stored wrapped by a key-encryption key ({@link KeyEncryptionKeys}). Both layers take the
 * row's identity, (user id, upstream), as associated data: a ciphertext copied onto another user's row
 * fails its authentication tag instead of decrypting. Rotating the key-encryption key rewraps the small
 * data keys only; the sealed tokens are never touched.
 */
// tag::envelope[]
@Singleton
public final class EnvelopeEncryption {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] CONTEXT = "mcp-oauth-cookbook/upstream-tokens/v1".getBytes(StandardCharsets.UTF_8);

    private final KeyEncryptionKeys keys;
    private final SecureRandom random = new SecureRandom();

    public EnvelopeEncryption(KeyEncryptionKeys keys) {
        this.keys = keys;
    }

    /** What a row stores: the KEK id, the wrapped data key, the sealed tokens. */
    public record Sealed(String keyId, byte[] wrappedDataKey, byte[] ciphertext) {
    }

    public Sealed seal(byte[] plaintext, String userId, String upstream) throws GeneralSecurityException {
        byte[] aad = associatedData(userId, upstream);
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256, random);
        SecretKey dataKey = generator.generateKey();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(aad);
        byte[] sealed = cipher.doFinal(plaintext);
        String keyId = keys.currentKeyId();
        byte[] rawKey = dataKey.getEncoded();
        try {
            byte[] wrapped = keys.wrap(keyId, rawKey, aad);
            return new Sealed(keyId, wrapped, ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } finally {
            Arrays.fill(rawKey, (byte) 0);
        }
    }

    public byte[] open(Sealed sealed, String userId, String upstream) throws GeneralSecurityException {
        byte[] aad = associatedData(userId, upstream);
        byte[] rawKey = keys.unwrap(sealed.keyId(), sealed.wrappedDataKey(), aad);
        try {
            byte[] ciphertext = sealed.ciphertext();
            if (ciphertext.length <= NONCE_BYTES) {
                throw new GeneralSecurityException("Sealed tokens too short");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(rawKey, "AES"),
                    new GCMParameterSpec(TAG_BITS, ciphertext, 0, NONCE_BYTES));
            cipher.updateAAD(aad);
            return cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
        } finally {
            Arrays.fill(rawKey, (byte) 0);
        }
    }

    /**
     * The same data key, wrapped with the current key-encryption key instead of the row's old one. The
     * sealed tokens are authenticated first (and the plaintext wiped): a tampered row is reported, not
     * blessed with a fresh wrap.
     */
    public Sealed rewrap(Sealed sealed, String userId, String upstream) throws GeneralSecurityException {
        byte[] aad = associatedData(userId, upstream);
        Arrays.fill(open(sealed, userId, upstream), (byte) 0);
        byte[] rawKey = keys.unwrap(sealed.keyId(), sealed.wrappedDataKey(), aad);
        try {
            String keyId = keys.currentKeyId();
            return new Sealed(keyId, keys.wrap(keyId, rawKey, aad), sealed.ciphertext());
        } finally {
            Arrays.fill(rawKey, (byte) 0);
        }
    }

    public String currentKeyId() {
        return keys.currentKeyId();
    }

    /** Context, user id and upstream, each length-prefixed so no two different pairs encode alike. */
    static byte[] associatedData(String userId, String upstream) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        byte[] api = upstream.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(CONTEXT.length + 8 + user.length + api.length)
                .put(CONTEXT).putInt(user.length).put(user).putInt(api.length).put(api).array();
    }
}
// end::envelope[]
