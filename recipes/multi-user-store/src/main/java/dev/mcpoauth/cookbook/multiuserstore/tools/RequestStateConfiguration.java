package dev.mcpoauth.cookbook.multiuserstore.tools;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.modelcontextprotocol.modern.server.HmacRequestStateCodec;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the request state of MCP 2026-07-28's connect-link round trip is sealed ({@code request-state.*}
 * in application.yml). The state travels through the client and comes back on the retry; the server
 * trusts it only because it carries an HMAC under this key.
 *
 * @param key      base64 of at least 32 random bytes, THE SAME on every instance (a state sealed by one is
 *                 opened by whichever instance gets the retry), from your secret store
 *                 ({@code MCP_REQUEST_STATE_KEY}); the default in application.yml is a demo key anyone can read
 * @param lifetime how long a sealed state opens: the user has this long to connect and come back
 */
@ConfigurationProperties("request-state")
public record RequestStateConfiguration(String key, Duration lifetime) {

    /** The demo-only default in application.yml: anyone can read it, so anyone could seal a state with it. */
    static final String DEMO_ONLY_KEY = "ZGVtby1vbmx5LXJlcXVlc3Qtc3RhdGUta2V5LW5vdC1mb3ItcHJvZHVjdGlvbg==";
    private static final int MIN_KEY_BYTES = 32;
    private static final Logger LOG = LoggerFactory.getLogger(RequestStateConfiguration.class);

    public RequestStateConfiguration {
        if (key == null || decode(key).length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("request-state.key must be base64 of at least " + MIN_KEY_BYTES + " bytes");
        }
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("request-state.lifetime must be positive");
        }
    }

    // tag::request-state-codec[]
    /**
     * The MCP SDK's HMAC-SHA256 codec with what its defaults leave out: the configured shared key (its default
     * is random per process), the caller's {@code sub} as principal (its default binds to no one), the lifetime
     * read on {@code clock}. It binds the method and the tool name itself; {@link ConnectRetryState} adds the
     * arguments and the round inside the sealed text.
     */
    public RequestStateCodec codec(Clock clock) {
        if (DEMO_ONLY_KEY.equals(key)) {
            LOG.warn("request-state.key is the demo-only default: set MCP_REQUEST_STATE_KEY (the same on every instance)");
        }
        return HmacRequestStateCodec.builder()
                .key(decode(key))
                .ttl(lifetime)
                .clock(clock)
                .principalExtractor(context -> AuthenticatedUser.of(context).subject())
                .build();
    }
    // end::request-state-codec[]

    private static byte[] decode(String key) {
        try {
            return Base64.getDecoder().decode(key.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("request-state.key must be base64", e);
        }
    }

    @Override
    public String toString() {
        return "RequestStateConfiguration[key=<hidden>, lifetime=" + lifetime + "]";
    }
}
