package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run} for a resource-server recipe: Keycloak (the same embedded distribution the
 * tests use, no Docker) with the recipe's realm, the recipe's server, the client walk-through; then
 * it keeps serving for a real MCP client until Ctrl-C. A recipe supplies only how to start its server.
 */
public final class ResourceServerDemo {

    /** Starts the recipe's MCP server at {@code mcpUrl}, trusting {@code realm}. */
    @FunctionalInterface
    public interface ServerStarter {
        void start(URI mcpUrl, Realm realm) throws Exception;
    }

    private ResourceServerDemo() {
    }

    public static void run(Path realmFile, ServerStarter server) {
        try {
            runOrThrow(realmFile, server);
        } catch (Exception | Error e) {
            // exec:java would otherwise wait for the web server's threads and hide the failure.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void runOrThrow(Path realmFile, ServerStarter server) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");

        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it) ...");
        KeycloakServer keycloak = Keycloak.shared();
        Realm realm = keycloak.importRealm(realmFile, ContractRealm.placeholders(mcpUrl));
        server.start(mcpUrl, realm);

        System.out.println("\n=== Client walk-through: from a bare URL to a tool call ===");
        new ClientWalkthrough(System.out).run(mcpUrl, ContractRealm.CLIENT_ID, ContractRealm.ALICE,
                ClientWalkthrough.call("whoami", Map.of()),
                ClientWalkthrough.call("add_note", Map.of("text", "written after step-up")));

        System.out.printf("""

                === Serving. Connect a real MCP client ===
                  MCP server        %s
                  Authorization     %s  (Keycloak; admin console at %s/admin)
                  Demo users        alice / alice-demo-password, bob / bob-demo-password
                  MCP Inspector     npx @modelcontextprotocol/inspector  -> Transport "Streamable HTTP", URL above,
                                    "Open Auth Settings" -> "Quick OAuth Flow", client id "%s"
                                    (a pre-registered public client; redirect http://localhost:6274/oauth/callback)
                  Keycloak log      %s
                Press Ctrl-C to stop.
                """, mcpUrl, realm.issuer(), keycloak.baseUrl(), ContractRealm.CLIENT_ID, keycloak.logFile());
        new CountDownLatch(1).await();
    }
}
