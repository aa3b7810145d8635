package dev.mcpoauth.cookbook.multiuserstore.tools;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.modelcontextprotocol.modern.server.HmacRequestStateCodec;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * How the request state of MCP 2026-07-28's connect-link round trip is sealed ({@code request-state.*}
 * in application.yml). The state travels through the client and comes back on the retry; the server
 * trusts it only because it carries an HMAC under this key.
 *
 * @param key          base64 of at least 32 random bytes, THE SAME on every instance (a state sealed by one is
 *                     opened by whichever instance gets the retry), from your secret store
 *                     ({@code MCP_REQUEST_STATE_KEY}); no default: a key anyone can read would let anyone seal
 * @param acceptedKeys comma-separated keys a state may also be sealed with: opened, never used to seal
 *                     ({@code MCP_REQUEST_STATE_ACCEPTED_KEYS}, empty by default); how a rotation stays seamless
 * @param lifetime     how long a sealed state opens: the user has this long to connect and come back
 */
@ConfigurationProperties("request-state")
public record RequestStateConfiguration(String key, String acceptedKeys, Duration lifetime) {

    private static final int MIN_KEY_BYTES = 32;

    public RequestStateConfiguration {
        decode("request-state.key", key);
        keys(acceptedKeys).forEach(accepted -> decode("request-state.accepted-keys", accepted));
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("request-state.lifetime must be positive");
        }
    }

    // tag::request-state-codec[]
    /**
     * The MCP SDK's HMAC-SHA256 codec with what its defaults leave out: the configured shared key (its default
     * is random per process), the caller's {@code sub} as principal (its default binds to no one), the lifetime
     * read on {@code clock}. It binds the method and the tool name itself; {@link ConnectRetryState} adds the
     * arguments and the round inside the sealed text. One such codec per key: the current one seals, any opens.
     */
    public RequestStateCodec codec(Clock clock) {
        return new KeyRotatingRequestStateCodec(hmac(key, clock),
                keys(acceptedKeys).stream().map(accepted -> hmac(accepted, clock)).toList());
    }

    private RequestStateCodec hmac(String base64Key, Clock clock) {
        return HmacRequestStateCodec.builder()
                .key(Base64.getDecoder().decode(base64Key.strip()))
                .ttl(lifetime)
                .clock(clock)
                .principalExtractor(context -> AuthenticatedUser.of(context).subject())
                .build();
    }
    // end::request-state-codec[]

    private static List<String> keys(String commaSeparated) {
        return commaSeparated == null ? List.of()
                : Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(k -> !k.isEmpty()).toList();
    }

    /** Never echoes the value: a configuration error must not print the key. */
    private static void decode(String property, String base64Key) {
        byte[] bytes;
        try {
            bytes = base64Key == null ? new byte[0] : Base64.getDecoder().decode(base64Key.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + " must be base64");
        }
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(property + " must be base64 of at least " + MIN_KEY_BYTES + " random bytes");
        }
    }

    @Override
    public String toString() {
        return "RequestStateConfiguration[key=<hidden>, acceptedKeys=<hidden>, lifetime=" + lifetime + "]";
    }
}
