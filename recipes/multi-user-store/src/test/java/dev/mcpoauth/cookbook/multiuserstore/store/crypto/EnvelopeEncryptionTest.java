package dev.mcpoauth.cookbook.multiuserstore.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The envelope on its own, without a database: what binds a ciphertext to its row and key. */
class EnvelopeEncryptionTest {

    /** Two key-encryption keys, as TOKEN_STORE_KEKS lists them (the same test-only keys as TestStack's). */
    private static final String KEYS = "k1:" + Base64.getEncoder().encodeToString("test-only-key-encryption-key-001".getBytes())
            + ",k2:" + Base64.getEncoder().encodeToString("test-only-key-encryption-key-002".getBytes());
    private final EnvelopeEncryption underK1 = new EnvelopeEncryption(new EnvironmentKeyEncryptionKeys(KEYS, "k1"));
    private final EnvelopeEncryption underK2 = new EnvelopeEncryption(new EnvironmentKeyEncryptionKeys(KEYS, "k2"));
    private final byte[] secret = "refresh-token-value".getBytes(StandardCharsets.UTF_8);

    @Test
    void opensForTheRowItWasSealedFor() throws GeneralSecurityException {
        EnvelopeEncryption.Sealed sealed = underK1.seal(secret, "alice-sub", "calendar");

        assertThat(underK1.open(sealed, "alice-sub", "calendar")).isEqualTo(secret);
    }

    static Stream<Arguments> otherRows() {
        return Stream.of(
                Arguments.argumentSet("another user", "bob-sub", "calendar"),
                Arguments.argumentSet("another upstream", "alice-sub", "github"),
                // Length prefixes: ("alice-subc", "alendar") is not ("alice-sub", "calendar").
                Arguments.argumentSet("the same bytes split elsewhere", "alice-subc", "alendar"));
    }

    @ParameterizedTest
    @MethodSource("otherRows")
    void refusesToOpenForAnotherRow(String userId, String upstream) throws GeneralSecurityException {
        EnvelopeEncryption.Sealed sealed = underK1.seal(secret, "alice-sub", "calendar");

        assertThatThrownBy(() -> underK1.open(sealed, userId, upstream)).isInstanceOf(AEADBadTagException.class);
    }

    /** A fresh data key and nonce per seal: sealing the same tokens twice gives envelopes with nothing in common. */
    @Test
    void sealingTheSameTokensTwiceGivesUnrelatedEnvelopes() throws GeneralSecurityException {
        EnvelopeEncryption.Sealed first = underK1.seal(secret, "alice-sub", "calendar");
        EnvelopeEncryption.Sealed second = underK1.seal(secret, "alice-sub", "calendar");

        assertThat(first.wrappedDataKey()).isNotEqualTo(second.wrappedDataKey());
        assertThat(first.ciphertext()).isNotEqualTo(second.ciphertext());
    }

    @Test
    void theCiphertextHoldsNoPlaintext() throws GeneralSecurityException {
        EnvelopeEncryption.Sealed sealed = underK1.seal(secret, "alice-sub", "calendar");

        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("refresh-token-value");
    }

    static Stream<Arguments> alteredEnvelopes() {
        return Stream.of(
                Arguments.argumentSet("a flipped bit in the sealed tokens", (UnaryOperator<EnvelopeEncryption.Sealed>) sealed -> {
                    byte[] tampered = sealed.ciphertext().clone();
                    tampered[tampered.length - 1] ^= 1;
                    return new EnvelopeEncryption.Sealed(sealed.keyId(), sealed.wrappedDataKey(), tampered);
                }),
                Arguments.argumentSet("another configured key id", (UnaryOperator<EnvelopeEncryption.Sealed>) sealed ->
                        new EnvelopeEncryption.Sealed("k2", sealed.wrappedDataKey(), sealed.ciphertext())));
    }

    @ParameterizedTest
    @MethodSource("alteredEnvelopes")
    void refusesAnAlteredEnvelope(UnaryOperator<EnvelopeEncryption.Sealed> alter) throws GeneralSecurityException {
        EnvelopeEncryption.Sealed altered = alter.apply(underK1.seal(secret, "alice-sub", "calendar"));

        assertThatThrownBy(() -> underK1.open(altered, "alice-sub", "calendar")).isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void refusesAnUnknownKeyId() throws GeneralSecurityException {
        EnvelopeEncryption.Sealed sealed = underK1.seal(secret, "alice-sub", "calendar");

        assertThatThrownBy(() -> underK1.open(new EnvelopeEncryption.Sealed("k9", sealed.wrappedDataKey(), sealed.ciphertext()),
                "alice-sub", "calendar")).isInstanceOf(GeneralSecurityException.class).hasMessage("Unknown key-encryption key id k9");
    }

    @Test
    void rewrapChangesOnlyTheWrappedKey() throws GeneralSecurityException {
        EnvelopeEncryption.Sealed sealed = underK1.seal(secret, "alice-sub", "calendar");

        EnvelopeEncryption.Sealed rewrapped = underK2.rewrap(sealed, "alice-sub", "calendar");

        assertThat(rewrapped.keyId()).isEqualTo("k2");
        assertThat(rewrapped.ciphertext()).isEqualTo(sealed.ciphertext());
        assertThat(underK1.open(rewrapped, "alice-sub", "calendar")).isEqualTo(secret); // any instance knowing k2 reads it
    }

    @Test
    void refusesAKeyThatIsNotAes256() {
        assertThatThrownBy(() -> new EnvironmentKeyEncryptionKeys("short:" + Base64.getEncoder().encodeToString(new byte[16]), "short"))
                .isInstanceOf(IllegalStateException.class).hasMessage("Key-encryption key short must be 32 bytes (AES-256), not 16");
    }

    @Test
    void refusesACurrentKeyIdThatIsNotConfigured() {
        assertThatThrownBy(() -> new EnvironmentKeyEncryptionKeys(KEYS, "k3"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'k3' is not among the configured keys");
    }
}
