package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.net.CountingProxy;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything a resource-server recipe needs to run {@link ResourceServerContract}: the MCP URL it
 * must serve (a free port chosen up front, because the realm names it), the imported realm, and a
 * counting proxy in front of the realm's JWKS to configure as the server's JWKS URI.
 *
 * @param mcpUrl      the protected resource: tokens carry it in {@code aud}, its metadata names it
 *                    ({@code http://localhost:<port>/mcp})
 * @param mcpEndpoint where clients send MCP requests: {@code mcpUrl} itself, or a path under it when one
 *                    resource serves several endpoints (a gateway's {@code /mcp/<backend>})
 * @param realm       the recipe's realm, imported from its realm file with {@link ContractRealm#placeholders}
 * @param jwksUri     the JWKS URI to configure in the server (a {@link CountingProxy} to the realm's)
 */
public record ContractEnvironment(URI mcpUrl, URI mcpEndpoint, Realm realm, URI jwksUri, CountingProxy jwksProxy) {

    private static ContractEnvironment shared;

    /** One per test JVM: every test class of a recipe sees the same realm, URL and proxy. */
    public static synchronized ContractEnvironment shared(Path realmFile) {
        return shared(realmFile, "", Map.of());
    }

    /**
     * The same, for a resource at {@code /mcp} served at {@code /mcp<endpointSuffix>}, with more realm
     * placeholders than the contract's own (backend URLs, secrets).
     */
    public static synchronized ContractEnvironment shared(Path realmFile, String endpointSuffix,
                                                          Map<String, String> morePlaceholders) {
        if (shared == null) {
            LogCapture.install(); // before the server starts, so its whole log is checked for tokens
            URI mcpUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
            Map<String, String> placeholders = new HashMap<>(morePlaceholders);
            placeholders.putAll(ContractRealm.placeholders(mcpUrl));
            Realm realm = Keycloak.shared().importRealm(realmFile, placeholders);
            CountingProxy proxy = CountingProxy.to(realm.jwksUri());
            shared = new ContractEnvironment(mcpUrl, URI.create(mcpUrl + endpointSuffix), realm, proxy.url(), proxy);
        }
        return shared;
    }

    public int port() {
        return mcpUrl.getPort();
    }
}
