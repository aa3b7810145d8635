package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.net.CountingProxy;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.net.URI;
import java.nio.file.Path;

/**
 * Everything a resource-server recipe needs to run {@link ResourceServerContract}: the MCP URL it
 * must serve (a free port chosen up front, because the realm names it), the imported realm, and a
 * counting proxy in front of the realm's JWKS to configure as the server's JWKS URI.
 *
 * @param mcpUrl  where the recipe must serve MCP ({@code http://localhost:<port>/mcp})
 * @param realm   the recipe's realm, imported from its realm file with {@link ContractRealm#placeholders}
 * @param jwksUri the JWKS URI to configure in the server (a {@link CountingProxy} to the realm's)
 */
public record ContractEnvironment(URI mcpUrl, Realm realm, URI jwksUri, CountingProxy jwksProxy) {

    private static ContractEnvironment shared;

    /** One per test JVM: every test class of a recipe sees the same realm, URL and proxy. */
    public static synchronized ContractEnvironment shared(Path realmFile) {
        if (shared == null) {
            LogCapture.install(); // before the server starts, so its whole log is checked for tokens
            URI mcpUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
            Realm realm = Keycloak.shared().importRealm(realmFile, ContractRealm.placeholders(mcpUrl));
            CountingProxy proxy = CountingProxy.to(realm.jwksUri());
            shared = new ContractEnvironment(mcpUrl, realm, proxy.url(), proxy);
        }
        return shared;
    }

    public int port() {
        return mcpUrl.getPort();
    }
}
