package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import java.net.URI;
import java.util.Map;

/**
 * What every resource-server recipe's realm file defines, and the contract relies on: the demo
 * client, two users, the scopes, and a second resource on the same realm. A recipe with tools of its
 * own defines its own step-up scope in place of {@link #NOTES_WRITE} (see
 * {@link RecipeTools#stepUpScope()}). Demo-only credentials.
 */
public final class ContractRealm {

    public static final String CLIENT_ID = "mcp-demo-client";
    public static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");
    public static final UserCredentials BOB = new UserCredentials("bob", "bob-demo-password");
    /** Every MCP request needs it; Keycloak grants it by default. */
    public static final String BASE_SCOPE = "mcp:tools";
    /** Needed by the notes recipes' {@code add_note} tool only: the contract's default step-up case. */
    public static final String NOTES_WRITE = "notes:write";
    /** Gets a token for {@link #otherResourceUrl}: the token-passthrough case. */
    public static final String OTHER_API_SCOPE = "other:api";

    private ContractRealm() {
    }

    /** The realm file's placeholders for an MCP server at {@code mcpUrl}. */
    public static Map<String, String> placeholders(URI mcpUrl) {
        return Map.of("MCP_SERVER_URL", mcpUrl.toString(), "OTHER_RESOURCE_URL", otherResourceUrl(mcpUrl).toString());
    }

    /** Another resource server in the same realm. */
    public static URI otherResourceUrl(URI mcpUrl) {
        return mcpUrl.resolve("/other-api");
    }
}
