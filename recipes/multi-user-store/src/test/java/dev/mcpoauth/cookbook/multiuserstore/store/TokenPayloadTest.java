package dev.mcpoauth.cookbook.multiuserstore.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption;
import dev.mcpoauth.cookbook.multiuserstore.store.crypto.KeyEncryptionKeys;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The plaintext inside a sealed row: version 2 (JSON) written and read, version 1 (the first release's binary) still read. */
class TokenPayloadTest {

    private static final Instant EXPIRES = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void writesVersion2AsJson() {
        byte[] payload = TokenPayload.write(new UpstreamTokens("access-1", "refresh-1", EXPIRES));

        assertThat(new String(payload, StandardCharsets.UTF_8))
                .isEqualTo("{\"version\":2,\"access_token\":\"access-1\",\"refresh_token\":\"refresh-1\"}");
    }

    @Test
    void leavesOutARefreshTokenTheUpstreamDidNotIssue() {
        byte[] payload = TokenPayload.write(new UpstreamTokens("access-1", null, EXPIRES));

        assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("{\"version\":2,\"access_token\":\"access-1\"}");
        assertThat(TokenPayload.read(payload, EXPIRES)).isEqualTo(new UpstreamTokens("access-1", null, EXPIRES));
    }

    @Test
    void readsWhatItWrites() {
        UpstreamTokens tokens = new UpstreamTokens("access-\u00e9\"\\", "refresh-1", EXPIRES);

        assertThat(TokenPayload.read(TokenPayload.write(tokens), EXPIRES)).isEqualTo(tokens);
    }

    @Test
    void ignoresMembersItDoesNotKnow() {
        byte[] payload = "{\"version\":2,\"access_token\":\"a\",\"refresh_token\":\"r\",\"token_type\":\"Bearer\"}"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(TokenPayload.read(payload, EXPIRES)).isEqualTo(new UpstreamTokens("a", "r", EXPIRES));
    }

    @Test
    void readsVersion1RowsOfTheFirstRelease() throws IOException {
        assertThat(TokenPayload.read(version1("access-1", "refresh-1"), EXPIRES))
                .isEqualTo(new UpstreamTokens("access-1", "refresh-1", EXPIRES));
    }

    @Test
    void readsAVersion1EmptyRefreshTokenAsNone() throws IOException {
        assertThat(TokenPayload.read(version1("access-1", ""), EXPIRES)).isEqualTo(new UpstreamTokens("access-1", null, EXPIRES));
    }

    @Test
    void opensAVersion1RowSealedByTheFirstRelease() throws Exception {
        TokenSealing sealing = new TokenSealing(new EnvelopeEncryption(new OneKey()));
        EnvelopeEncryption.Sealed firstRelease = new EnvelopeEncryption(new OneKey())
                .seal(version1("access-1", "refresh-1"), "alice-sub", "calendar");

        assertThat(sealing.open(firstRelease, "alice-sub", "calendar", EXPIRES))
                .isEqualTo(new UpstreamTokens("access-1", "refresh-1", EXPIRES));
    }

    static Stream<Arguments> unreadablePayloads() throws IOException {
        return Stream.of(
                Arguments.argumentSet("a version this code does not know", json("{\"version\":3,\"access_token\":\"a\"}")),
                Arguments.argumentSet("no version", json("{\"access_token\":\"a\"}")),
                Arguments.argumentSet("the version as a string", json("{\"version\":\"2\",\"access_token\":\"a\"}")),
                Arguments.argumentSet("no access token", json("{\"version\":2,\"refresh_token\":\"r\"}")),
                Arguments.argumentSet("a refresh token that is not a string", json("{\"version\":2,\"access_token\":\"a\",\"refresh_token\":7}")),
                Arguments.argumentSet("JSON cut short", json("{\"version\":2,\"access_tok")),
                Arguments.argumentSet("empty", new byte[0]),
                Arguments.argumentSet("version 1 cut short", Arrays.copyOf(version1("access-1", "refresh-1"), 10)),
                Arguments.argumentSet("version 1 with a negative length", new byte[] {-1, -1, -1, -1}),
                Arguments.argumentSet("version 1 with a length over 64 KiB", new byte[] {0, 1, 0, 1}));
    }

    @ParameterizedTest
    @MethodSource("unreadablePayloads")
    void refusesAPayloadItCannotRead(byte[] payload) {
        assertThatThrownBy(() -> TokenPayload.read(payload, EXPIRES))
                .isInstanceOf(UnreadableTokensException.class)
                .hasMessage("Stored tokens have an unexpected format");
    }

    /** What the first release wrote: two length-prefixed UTF-8 strings, an empty refresh token for none. */
    private static byte[] version1(String access, String refresh) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (String value : new String[] {access, refresh}) {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** One fixed test-only key-encryption key, AES-GCM with a fixed nonce (fine for a test, never for production). */
    private static final class OneKey implements KeyEncryptionKeys {
        private final SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");

        @Override
        public String currentKeyId() {
            return "k1";
        }

        @Override
        public byte[] wrap(String keyId, byte[] dataKey, byte[] associatedData) throws GeneralSecurityException {
            return cipher(Cipher.ENCRYPT_MODE, associatedData).doFinal(dataKey);
        }

        @Override
        public byte[] unwrap(String keyId, byte[] wrappedDataKey, byte[] associatedData) throws GeneralSecurityException {
            return cipher(Cipher.DECRYPT_MODE, associatedData).doFinal(wrappedDataKey);
        }

        private Cipher cipher(int mode, byte[] associatedData) throws GeneralSecurityException {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(128, new byte[12]));
            cipher.updateAAD(associatedData);
            return cipher;
        }
    }
}
