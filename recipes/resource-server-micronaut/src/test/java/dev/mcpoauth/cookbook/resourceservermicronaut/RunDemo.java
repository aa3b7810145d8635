package dev.mcpoauth.cookbook.resourceservermicronaut;

import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run}: Keycloak (the same embedded distribution the tests use, no Docker), this MCP
 * server, and a client walk-through; then it keeps serving for a real MCP client until Ctrl-C.
 */
public final class RunDemo {

    public static void main(String[] args) {
        try {
            run();
        } catch (Exception | Error e) {
            // exec:java would otherwise wait for the web server's threads and hide the failure.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");

        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it) ...");
        KeycloakServer keycloak = Keycloak.shared();
        Realm realm = keycloak.importRealm(Path.of("keycloak/realm.json"), ContractRealm.placeholders(mcpUrl));

        ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", port,
                "mcp.resource", mcpUrl.toString(),
                "mcp.authorization-server", realm.issuer().toString()));

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

    private RunDemo() {
    }
}
