package dev.mcpoauth.cookbook.resourceserverspring;

import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** What keycloak/realm.json defines (demo-only credentials). Constants only: loading this class starts nothing. */
final class DemoRealm {

    static final Path FILE = Path.of("keycloak/realm.json");
    static final String CLIENT_ID = "mcp-demo-client";
    static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");
    static final UserCredentials BOB = new UserCredentials("bob", "bob-demo-password");

    /** The realm file's placeholders for an MCP server at {@code mcpUrl}. */
    static Map<String, String> placeholders(URI mcpUrl) {
        return Map.of("MCP_SERVER_URL", mcpUrl.toString(),
                "OTHER_RESOURCE_URL", otherResourceUrl(mcpUrl).toString());
    }

    /** Another resource server in the same realm, for token-passthrough tests. */
    static URI otherResourceUrl(URI mcpUrl) {
        return mcpUrl.resolve("/other-api");
    }

    private DemoRealm() {
    }
}
