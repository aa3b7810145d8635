package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.CalendarTools;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run RECIPE=token-gateway}: Keycloak with the realm, both backends, the gateway, the
 * client walk-through through the gateway, then what the notes backend actually received. Serves
 * until Ctrl-C. Ports: gateway 8090, backends 8091 and 8092 (GATEWAY_PORT to move the gateway).
 */
public final class RunDemo {

    public static void main(String[] args) {
        try {
            run();
        } catch (Exception | Error e) {
            e.printStackTrace(); // exec:java would otherwise wait for the web servers' threads and hide it
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        URI gatewayUrl = URI.create("http://localhost:" + System.getenv().getOrDefault("GATEWAY_PORT", "8090") + "/mcp");
        // Each backend path on the gateway is its own protected resource: what clients call and ask tokens for.
        URI notesResource = URI.create(gatewayUrl + "/notes");
        URI calendarResource = URI.create(gatewayUrl + "/calendar");
        URI notesUrl = URI.create("http://localhost:8091/mcp");
        URI calendarUrl = URI.create("http://localhost:8092/mcp");
        String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16)); // this run only

        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it) ...");
        KeycloakServer keycloak = Keycloak.shared();
        Map<String, String> placeholders = new HashMap<>(ContractRealm.placeholders(notesResource));
        placeholders.putAll(Map.of("NOTES_RESOURCE_URL", notesResource.toString(),
                "CALENDAR_RESOURCE_URL", calendarResource.toString(),
                "NOTES_BACKEND_URL", notesUrl.toString(), "CALENDAR_BACKEND_URL", calendarUrl.toString(),
                "GATEWAY_CLIENT_SECRET", secret, "EXCHANGED_TOKEN_LIFESPAN", "60"));
        Realm realm = keycloak.importRealm(Path.of("keycloak/realm.json"), placeholders);

        BackendServer notes = BackendServer.start("notes", notesUrl, realm.issuer(), realm.jwksUri(),
                notesResource.toString(), NotesTools.tools(new CopyOnWriteArrayList<>()));
        BackendServer.start("calendar", calendarUrl, realm.issuer(), realm.jwksUri(), calendarResource.toString(),
                CalendarTools.tools(Duration.ofMillis(500), new CopyOnWriteArrayList<>()));
        GatewayConfig config = new GatewayConfig(gatewayUrl, realm.issuer(), realm.jwksUri(), realm.tokenEndpoint(), secret,
                Map.of("notes", Backend.at("notes", notesUrl), "calendar", Backend.at("calendar", calendarUrl)),
                Path.of("gateway-policy.json"), Duration.ofSeconds(60), "mcp:tools", List.of("http://localhost:6274"),
                600, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(10), "127.0.0.1");
        TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));

        System.out.println("\n=== Client walk-through: through the gateway to the notes backend ===");
        System.out.println("(" + notesResource + " is its own protected resource: its metadata's resource is that URL,"
                + " the token asked for with resource=" + notesResource + " opens it and no other path)");
        new ClientWalkthrough(System.out).run(notesResource, ContractRealm.CLIENT_ID, ContractRealm.ALICE,
                ClientWalkthrough.call("whoami", Map.of()),
                ClientWalkthrough.call("add_note", Map.of("text", "written after step-up")));

        System.out.println("\n=== What the notes backend received (its record; the gateway never forwards the client's token) ===");
        notes.received().stream().filter(request -> !request.tokenClaims().isEmpty()).reduce((first, last) -> last)
                .ifPresent(last -> System.out.printf("""
                          aud    %s   (this backend only)
                          azp    %s   (the gateway's notes resource, not the MCP client)
                          scope  %s
                          life   %d s
                          headers %s
                        """, last.tokenClaims().get("aud"), last.tokenClaims().get("azp"), last.tokenClaims().get("scope"),
                        (Long) last.tokenClaims().get("exp") - (Long) last.tokenClaims().get("iat"), last.headers().keySet()));

        System.out.printf("""

                === Serving. Connect a real MCP client to a backend through the gateway ===
                  Notes             %s
                  Calendar          %s   (list_events needs calendar:read; delete_event the calendar-admin role: alice)
                                    each URL is its own resource: a client signs in once per URL (SSO makes the second silent)
                  Authorization     %s  (Keycloak; admin console at %s/admin)
                  Demo users        alice / alice-demo-password, bob / bob-demo-password
                  MCP Inspector     npx @modelcontextprotocol/inspector  -> Transport "Streamable HTTP", a URL above,
                                    "Open Auth Settings" -> "Quick OAuth Flow", client id "%s"
                  Audit log         the lines "mcp.audit" below, one per request
                Press Ctrl-C to stop.
                """, notesResource, calendarResource, realm.issuer(), keycloak.baseUrl(), ContractRealm.CLIENT_ID);
        new CountDownLatch(1).await();
    }

    private RunDemo() {
    }
}
