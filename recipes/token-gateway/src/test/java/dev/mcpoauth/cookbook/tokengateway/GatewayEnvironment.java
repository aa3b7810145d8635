package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.net.CountingProxy;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.CalendarTools;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One per test JVM: the realm (the gateway's two resources, two backends, the contract's client and
 * users), both backends running, and the gateway's configuration. Test classes start their own gateway
 * from it. The contract runs against {@code /mcp/notes}, a protected resource of its own.
 */
final class GatewayEnvironment {

    /** Exchanged tokens live this long in the test realm (the demo uses 60 s). */
    static final Duration EXCHANGED_TOKEN_LIFESPAN = Duration.ofSeconds(30);
    static final Duration SYNC_STEP = Duration.ofMillis(300);
    static final String SECRET = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    static final URI NOTES_URL = URI.create("http://localhost:" + FreePort.find() + "/mcp");
    static final URI CALENDAR_URL = URI.create("http://localhost:" + FreePort.find() + "/mcp");
    /** Above the gateway's endpoints; not itself a resource. */
    static final URI GATEWAY_MCP = URI.create("http://localhost:" + FreePort.find() + "/mcp");
    /** The gateway's two protected resources: what clients call, what their tokens' aud must be. */
    static final URI NOTES_RESOURCE = URI.create(GATEWAY_MCP + "/notes");
    static final URI CALENDAR_RESOURCE = URI.create(GATEWAY_MCP + "/calendar");
    static final ContractEnvironment CONTRACT = contractEnvironment();
    /** Tool calls that reached each backend, by tool name. */
    static final List<String> NOTES_CALLS = new CopyOnWriteArrayList<>();
    static final List<String> CALENDAR_CALLS = new CopyOnWriteArrayList<>();
    static final BackendServer NOTES;
    static final BackendServer CALENDAR;

    static {
        try {
            // Each backend accepts only what the gateway exchanged as that backend's resource (azp).
            NOTES = BackendServer.start("notes", NOTES_URL, CONTRACT.realm().issuer(), CONTRACT.realm().jwksUri(),
                    NOTES_RESOURCE.toString(), NotesTools.tools(NOTES_CALLS));
            CALENDAR = BackendServer.start("calendar", CALENDAR_URL, CONTRACT.realm().issuer(), CONTRACT.realm().jwksUri(),
                    CALENDAR_RESOURCE.toString(), CalendarTools.tools(SYNC_STEP, CALENDAR_CALLS));
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    private GatewayEnvironment() {
    }

    /**
     * The contract's environment with {@code /mcp/notes} as the resource it protects and serves (the
     * realm's placeholders name both of the gateway's resources, the contract's own ones included).
     */
    private static ContractEnvironment contractEnvironment() {
        LogCapture.install(); // before any server starts, so its whole log is checked for tokens
        Map<String, String> placeholders = new HashMap<>(ContractRealm.placeholders(NOTES_RESOURCE));
        placeholders.putAll(Map.of("NOTES_RESOURCE_URL", NOTES_RESOURCE.toString(),
                "CALENDAR_RESOURCE_URL", CALENDAR_RESOURCE.toString(),
                "NOTES_BACKEND_URL", NOTES_URL.toString(), "CALENDAR_BACKEND_URL", CALENDAR_URL.toString(),
                "GATEWAY_CLIENT_SECRET", SECRET,
                "EXCHANGED_TOKEN_LIFESPAN", Long.toString(EXCHANGED_TOKEN_LIFESPAN.toSeconds())));
        Realm realm = Keycloak.shared().importRealm(Path.of("keycloak/realm.json"), placeholders);
        CountingProxy jwks = CountingProxy.to(realm.jwksUri());
        return new ContractEnvironment(NOTES_RESOURCE, NOTES_RESOURCE, realm, jwks.url(), jwks);
    }

    static GatewayConfig config() {
        return new GatewayConfig(GATEWAY_MCP, CONTRACT.realm().issuer(), CONTRACT.jwksUri(),
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
        return new GatewayConfig(base.mcpBaseUrl(), base.authorizationServer(), base.jwksUri(), base.tokenEndpoint(),
                base.clientSecret(), byName, base.policyFile(), base.clockSkew(), base.requiredScope(),
                base.allowedOrigins(), base.rateLimit(), base.rateLimitWindow(), base.exchangeTimeout(),
                base.exchangeRenewBefore(), base.bindAddress());
    }

    static TokenGateway startGateway(GatewayConfig config) throws MalformedURLException {
        return TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));
    }

    static TokenGateway startGateway(GatewayConfig config, Clock clock) throws MalformedURLException {
        return TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()), clock);
    }

    /** {@code /mcp/<backend>}: the endpoint, and the protected resource (RFC 8707) a token for it names. */
    static URI endpoint(String backend) {
        return URI.create(GATEWAY_MCP + "/" + backend);
    }
}
