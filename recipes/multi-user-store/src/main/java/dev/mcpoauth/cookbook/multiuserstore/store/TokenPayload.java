package dev.mcpoauth.cookbook.multiuserstore.store;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The plaintext a row seals ({@code sealed_tokens} before encryption), version 2: a JSON object
 * <pre>{"version":2,"access_token":"...","refresh_token":"..."}</pre>
 * {@code refresh_token} is left out when the upstream issued none. The expiry is not in it: it is the
 * {@code access_expires_at} column, metadata that is not secret. A reader ignores members it does not
 * know, so a later release may add optional ones without a new version; anything else gets a new
 * {@code version}, and a version this code does not know is refused, not guessed at.
 *
 * <p>Version 1, what the first release of this recipe wrote, is still read: two length-prefixed UTF-8
 * strings (a 4-byte big-endian length, then the bytes: the access token, then the refresh token, empty
 * for none). The two cannot be mistaken for each other: JSON starts with {@code '{'}, version 1 with the
 * high byte of a length under 64 KiB, which is zero. A row is rewritten as version 2 at its next write
 * (every refresh), so version 1 rows fade out.
 */
final class TokenPayload {

    static final int VERSION = 2;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_VERSION_1_LENGTH = 64 * 1024;

    private TokenPayload() {
    }

    static byte[] write(UpstreamTokens tokens) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("version", VERSION);
        payload.put("access_token", tokens.accessToken());
        if (tokens.refreshToken() != null) {
            payload.put("refresh_token", tokens.refreshToken());
        }
        return JSON.writeValueAsBytes(payload);
    }

    /** The tokens of a payload of either version; {@code expiresAt} comes from the row's column. */
    static UpstreamTokens read(byte[] plaintext, Instant expiresAt) {
        return plaintext.length > 0 && plaintext[0] == '{' ? readJson(plaintext, expiresAt) : readVersion1(plaintext, expiresAt);
    }

    private static UpstreamTokens readJson(byte[] plaintext, Instant expiresAt) {
        JsonNode payload;
        try {
            payload = JSON.readTree(plaintext);
        } catch (JacksonException e) {
            throw unexpected();
        }
        JsonNode version = payload.path("version");
        JsonNode access = payload.path("access_token");
        JsonNode refresh = payload.path("refresh_token");
        if (!version.isInt() || version.intValue() != VERSION || !access.isString()
                || !(refresh.isMissingNode() || refresh.isString())) {
            throw unexpected();
        }
        return new UpstreamTokens(access.stringValue(), refresh.isString() ? refresh.stringValue() : null, expiresAt);
    }

    private static UpstreamTokens readVersion1(byte[] plaintext, Instant expiresAt) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plaintext))) {
            String access = readVersion1String(in);
            String refresh = readVersion1String(in);
            return new UpstreamTokens(access, refresh.isEmpty() ? null : refresh, expiresAt);
        } catch (IOException e) {
            throw unexpected();
        }
    }

    private static String readVersion1String(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_VERSION_1_LENGTH) {
            throw new IOException("bad length");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** No part of the payload in the message: it holds the tokens. */
    private static UnreadableTokensException unexpected() {
        return new UnreadableTokensException("Stored tokens have an unexpected format");
    }
}
