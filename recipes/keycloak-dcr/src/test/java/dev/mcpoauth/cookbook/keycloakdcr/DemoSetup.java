package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.demo.DemoMcpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The recipe's world, shared by its tests and {@code make run}: the shared Keycloak with this
 * recipe's realm, and the demo MCP server trusting it.
 */
final class DemoSetup implements AutoCloseable {

    static final Path REALM_FILE = Path.of("keycloak", "realm.json");
    static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");

    final Realm realm;
    final DemoMcpServer server;

    private DemoSetup(Realm realm, DemoMcpServer server) {
        this.realm = realm;
        this.server = server;
    }

    static DemoSetup start(int port) throws Exception {
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");
        Realm realm = Keycloak.shared().importRealm(REALM_FILE, Map.of("MCP_SERVER_URL", mcpUrl.toString()));
        return new DemoSetup(realm, DemoMcpServer.start(mcpUrl, realm.issuer(), realm.jwksUri()));
    }

    private static DemoSetup shared;

    /** One realm import and one server for all test classes of this JVM; closed at JVM exit. */
    static synchronized DemoSetup shared() throws Exception {
        if (shared == null) {
            shared = start(FreePort.find());
            DemoSetup toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    toClose.close();
                } catch (Exception ignored) {
                    // the JVM is exiting
                }
            }));
        }
        return shared;
    }

    String mcpUrl() {
        return server.url().toString();
    }

    /**
     * The person at the browser, played by the test kit's headless agent: it logs in on Keycloak's
     * real login page (or rides the session it already has) and approves the consent screen.
     */
    static AuthorizationUserAgent headless(HeadlessUserAgent browser, UserCredentials user, AtomicInteger opened) {
        return authorizationUrlFor -> {
            opened.incrementAndGet();
            URI redirectUri = AuthorizationUserAgent.loopbackRedirect(FreePort.find());
            return browser.authorize(authorizationUrlFor.apply(redirectUri), redirectUri.toString(), user);
        };
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
