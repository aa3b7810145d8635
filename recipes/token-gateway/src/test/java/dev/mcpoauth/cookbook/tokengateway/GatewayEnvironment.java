package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.CalendarTools;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One per test JVM: the realm (gateway, two backends, the contract's client and users), both
 * backends running, and the gateway's configuration. Test classes start their own gateway from it.
 */
final class GatewayEnvironment {

    /** Exchanged tokens live this long in the test realm (the demo uses 60 s). */
    static final Duration EXCHANGED_TOKEN_LIFESPAN = Duration.ofSeconds(30);
    static final Duration SYNC_STEP = Duration.ofMillis(300);
    static final String SECRET = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    static final URI NOTES_URL = URI.create("http://localhost:" + FreePort.find() + "/mcp");
    static final URI CALENDAR_URL = URI.create("http://localhost:" + FreePort.find() + "/mcp");
    static final ContractEnvironment CONTRACT = ContractEnvironment.shared(Path.of("keycloak/realm.json"), "/notes",
            Map.of("NOTES_BACKEND_URL", NOTES_URL.toString(), "CALENDAR_BACKEND_URL", CALENDAR_URL.toString(),
                    "GATEWAY_CLIENT_SECRET", SECRET,
                    "EXCHANGED_TOKEN_LIFESPAN", Long.toString(EXCHANGED_TOKEN_LIFESPAN.toSeconds())));
    /** Tool calls that reached each backend, by tool name. */
    static final List<String> NOTES_CALLS = new CopyOnWriteArrayList<>();
    static final List<String> CALENDAR_CALLS = new CopyOnWriteArrayList<>();
    static final BackendServer NOTES;
    static final BackendServer CALENDAR;

    static {
        try {
            String gateway = CONTRACT.mcpUrl().toString();
            NOTES = BackendServer.start("notes", NOTES_URL, CONTRACT.realm().issuer(), CONTRACT.realm().jwksUri(), gateway,
                    json -> NotesTools.specifications(json, NOTES_CALLS));
            CALENDAR = BackendServer.start("calendar", CALENDAR_URL, CONTRACT.realm().issuer(), CONTRACT.realm().jwksUri(),
                    gateway, json -> CalendarTools.specifications(json, SYNC_STEP, CALENDAR_CALLS));
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private GatewayEnvironment() {
    }

    static GatewayConfig config() {
        return new GatewayConfig(CONTRACT.mcpUrl(), CONTRACT.realm().issuer(), CONTRACT.jwksUri(),
                CONTRACT.realm().tokenEndpoint(), SECRET,
                Map.of("notes", Backend.at("notes", NOTES_URL), "calendar", Backend.at("calendar", CALENDAR_URL)),
                Path.of("gateway-policy.json"), Duration.ofSeconds(60), "mcp:tools", List.of("http://localhost:6274"),
                10_000, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(10), "127.0.0.1");
    }

    /** The test configuration with other backends: same realm, same audiences, other URLs. */
    static GatewayConfig configWith(Backend... backends) {
        GatewayConfig base = config();
        Map<String, Backend> byName = new HashMap<>(base.backends());
        for (Backend backend : backends) {
            byName.put(backend.name(), backend);
        }
        return new GatewayConfig(base.resource(), base.authorizationServer(), base.jwksUri(), base.tokenEndpoint(),
                base.clientSecret(), byName, base.policyFile(), base.clockSkew(), base.requiredScope(),
                base.allowedOrigins(), base.rateLimit(), base.rateLimitWindow(), base.exchangeTimeout(),
                base.exchangeRenewBefore(), base.bindAddress());
    }

    static TokenGateway startGateway(GatewayConfig config) throws MalformedURLException {
        return TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));
    }

    static URI endpoint(String backend) {
        return URI.create(CONTRACT.mcpUrl() + "/" + backend);
    }
}
