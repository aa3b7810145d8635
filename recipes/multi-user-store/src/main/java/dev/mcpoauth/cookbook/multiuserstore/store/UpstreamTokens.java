package dev.mcpoauth.cookbook.multiuserstore.store;

import dev.mcpoauth.cookbook.multiuserstore.store.crypto.EnvelopeEncryption;
import java.time.Duration;
import java.time.Instant;

/**
 * One user's tokens at the upstream, in memory only: at rest they exist sealed
 * ({@link EnvelopeEncryption}). {@link #toString()} never shows a token value.
 *
 * @param accessToken  sent to the calendar API
 * @param refreshToken exchanged for new tokens (RFC 6749 section 6); the upstream rotates it
 * @param expiresAt    when the access token runs out, from {@code expires_in}
 */
public record UpstreamTokens(String accessToken, String refreshToken, Instant expiresAt) {

    /** True when the access token runs out within {@code skew}: refresh before using it. */
    public boolean expiresWithin(Duration skew, Instant now) {
        return !now.plus(skew).isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "UpstreamTokens[expiresAt=" + expiresAt + ", refreshToken=" + (refreshToken != null ? "present" : "absent") + "]";
    }
}
