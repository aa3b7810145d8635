package dev.mcpoauth.cookbook.tokengateway.scaleout;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import dev.mcpoauth.cookbook.tokengateway.TokenGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The gateway as it runs scaled out: {@code gateways} instances (each a JVM of its own, started with
 * {@code java ... TokenGateway} and environment variables, as an operator starts it) counting one rate
 * limit in one PostgreSQL database, in front of {@code backends} instances of the notes backend. Two
 * HAProxy front doors reach the same gateway instances: round robin (MCP 2026-07-28 needs nothing more)
 * and sticky by {@code Mcp-Session-Id} (what MCP 2025-11-25 sessions need). The gateways reach the
 * backends through a third, sticky HAProxy: a 2025-11-25 session lives in one backend JVM too.
 *
 * <p>The public URL, the one in the realm and the tokens' {@code aud}, is the round-robin door's; the
 * gateway judges {@code aud} against its configured URL, never the Host, so the sticky door serves the
 * same tokens (in production both would be one host name).
 */
final class GatewayCluster implements AutoCloseable {

    static final String HEALTH_PATH = "/.well-known/oauth-protected-resource/mcp/notes";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    final Realm realm;
    final LoadBalancer roundRobin;
    final LoadBalancer sticky;
    final LoadBalancer backendBalancer;
    final List<RecipeProcess> gateways = new ArrayList<>();
    final List<RecipeProcess> backends = new ArrayList<>();
    final List<Integer> gatewayPorts = new ArrayList<>();
    final List<Integer> backendPorts = new ArrayList<>();
    /** The public resource, {@code <round robin>/mcp/notes}: what clients' tokens name. */
    final URI notesResource;

    private GatewayCluster(String name, int gatewayCount, int backendCount, int ratePerMinute) {
        for (int i = 0; i < gatewayCount; i++) {
            gatewayPorts.add(FreePort.find());
        }
        for (int i = 0; i < backendCount; i++) {
            backendPorts.add(FreePort.find());
        }
        List<URI> gatewayUrls = LoadBalancer.loopback(gatewayPorts);
        backendBalancer = LoadBalancer.stickyByMcpSession(null, LoadBalancer.loopback(backendPorts));
        roundRobin = LoadBalancer.roundRobin(HEALTH_PATH, gatewayUrls);
        sticky = LoadBalancer.stickyByMcpSession(HEALTH_PATH, gatewayUrls);
        URI publicBase = URI.create(roundRobin.url() + "/mcp");
        notesResource = URI.create(publicBase + "/notes");
        URI backendUrl = URI.create(backendBalancer.url() + "/mcp");
        String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        realm = importRealm(name, backendUrl, secret);
        PostgresServer.Database database = PostgresServer.shared().createDatabase(name);

        for (int i = 0; i < backendCount; i++) {
            backends.add(RecipeProcess.start(name + "-notes-" + i, NotesBackendMain.class.getName(), Path.of("").toAbsolutePath(), Map.of(
                    "BACKEND_URL", backendUrl.toString(), "BACKEND_PORT", Integer.toString(backendPorts.get(i)),
                    "MCP_AUTHORIZATION_SERVER", realm.issuer().toString(), "MCP_JWKS_URI", realm.jwksUri().toString(),
                    "GATEWAY_CLIENT_ID", notesResource.toString())));
        }
        Map<String, String> gatewayEnvironment = new HashMap<>(Map.of(
                "MCP_BASE_URL", publicBase.toString(),
                "MCP_AUTHORIZATION_SERVER", realm.issuer().toString(),
                "MCP_JWKS_URI", realm.jwksUri().toString(),
                "MCP_TOKEN_ENDPOINT", realm.tokenEndpoint().toString(),
                "GATEWAY_CLIENT_SECRET", secret,
                "BACKENDS", "notes=" + backendUrl,
                "RATE_LIMIT_PER_MINUTE", Integer.toString(ratePerMinute),
                "GATEWAY_JDBC_URL", database.jdbcUrl(),
                "GATEWAY_JDBC_USER", database.user(),
                "GATEWAY_JDBC_PASSWORD", database.password()));
        for (int i = 0; i < gatewayCount; i++) {
            Map<String, String> environment = new HashMap<>(gatewayEnvironment);
            environment.put("GATEWAY_PORT", Integer.toString(gatewayPorts.get(i)));
            gateways.add(RecipeProcess.start(name + "-gateway-" + i, TokenGateway.class.getName(), Path.of("").toAbsolutePath(),
                    environment));
        }
        for (int i = 0; i < backendCount; i++) {
            backends.get(i).awaitListening(URI.create("http://127.0.0.1:" + backendPorts.get(i) + "/mcp"), START_TIMEOUT);
            backendBalancer.awaitState(i, true, START_TIMEOUT);
        }
        for (int i = 0; i < gatewayCount; i++) {
            gateways.get(i).awaitHttp200(URI.create("http://127.0.0.1:" + gatewayPorts.get(i) + HEALTH_PATH), START_TIMEOUT);
            roundRobin.awaitState(i, true, START_TIMEOUT);
            sticky.awaitState(i, true, START_TIMEOUT);
        }
    }

    static GatewayCluster start(String name, int gateways, int backends, int ratePerMinute) {
        LoadBalancer.assumeAvailable();
        return new GatewayCluster(name, gateways, backends, ratePerMinute);
    }

    /** The recipe's own realm under another name, so the other test classes' realm stays as it is. */
    private Realm importRealm(String name, URI backendUrl, String secret) {
        Map<String, String> placeholders = new HashMap<>(ContractRealm.placeholders(notesResource));
        placeholders.putAll(Map.of("NOTES_RESOURCE_URL", notesResource.toString(),
                "CALENDAR_RESOURCE_URL", roundRobin.url() + "/mcp/calendar",
                "NOTES_BACKEND_URL", backendUrl.toString(),
                "CALENDAR_BACKEND_URL", "http://127.0.0.1:9/mcp",
                "GATEWAY_CLIENT_SECRET", secret,
                "EXCHANGED_TOKEN_LIFESPAN", "300"));
        try {
            String json = Files.readString(Path.of("keycloak/realm.json"))
                    .replace("\"realm\": \"mcp-token-gateway\"", "\"realm\": \"" + name + "\"");
            Path renamed = Files.createTempFile(name, ".json");
            Files.writeString(renamed, json);
            return Keycloak.shared().importRealm(renamed, placeholders);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client token for the gateway's notes resource, as the contract's client signed in as {@code user}. */
    String login(UserCredentials user) {
        return AuthorizationCodeFlow.with(realm, CLIENT_ID).scope("mcp:tools").resource(notesResource)
                .run(new HeadlessUserAgent(), user).accessToken();
    }

    /** {@code /mcp/notes} through a front door. */
    static URI notes(LoadBalancer door) {
        return URI.create(door.url() + "/mcp/notes");
    }

    /** {@code /mcp/notes} on one gateway instance, past the load balancers. */
    URI notesOnInstance(int index) {
        return URI.create("http://127.0.0.1:" + gatewayPorts.get(index) + "/mcp/notes");
    }

    @Override
    public void close() {
        gateways.forEach(RecipeProcess::close);
        backends.forEach(RecipeProcess::close);
        roundRobin.close();
        sticky.close();
        backendBalancer.close();
    }
}
