package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.SystemBrowserUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.keycloakdcr.token.FileTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenSet;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code make run RECIPE=keycloak-dcr}: Keycloak with this recipe's realm, the demo MCP server,
 * then the client's whole walk printed step by step: 401, RFC 9728, RFC 8414, DCR, PKCE with
 * resource, tool call, step-up; then a second run an hour later that reuses the registration and
 * refreshes; then an agent with no user (client credentials, {@code private_key_jwt}), whom the
 * user-only tool refuses. Alice's part in the browser is played by the test kit's headless agent; set
 * {@code LOGIN=browser} to sign in yourself in your desktop browser.
 */
public final class RunDemo {

    public static void main(String[] args) {
        try {
            run();
            System.exit(0);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it) ...");
        DemoSetup demo = DemoSetup.start(port);
        Path storeFile = Path.of("target", "demo", "tokens.json");
        Files.deleteIfExists(storeFile);
        FileTokenStore store = new FileTokenStore(storeFile);
        boolean realBrowser = "browser".equals(System.getenv("LOGIN"));
        AuthorizationUserAgent userAgent = realBrowser ? new SystemBrowserUserAgent()
                : DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, new AtomicInteger());
        McpOAuthListener print = new McpOAuthListener() {
            @Override
            public void onStep(String description) {
                System.out.println("  " + description);
            }

            @Override
            public void onTokens(TokenSet tokens) {
                System.out.println("  onTokens: " + tokens);
            }
        };

        System.out.printf("%n=== Run 1: nothing but the URL %s ===%n", demo.mcpUrl());
        if (realBrowser) {
            System.out.println("  (sign in as alice / alice-demo-password in the browser window)");
        }
        McpOAuthClient oauth = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store).userAgent(userAgent)
                .listener(print).clientName("Cookbook demo (make run)").build();
        try (McpConnection mcp = oauth.connect()) {
            System.out.println("  MCP " + mcp.revision().version() + "; tools: " + mcp.toolNames());
            call(mcp, "whoami", Map.of());
            call(mcp, "add_note", Map.of("text", "written after step-up"));
        }

        System.out.printf("%n=== Run 2: an hour later, same token store (%s) ===%n", store.file());
        McpOAuthClient later = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(1))) // the access token has expired
                .userAgent(urlFor -> {
                    throw new IllegalStateException("run 2 must not need the browser");
                })
                .listener(print).build();
        try (McpConnection mcp = later.connect()) {
            call(mcp, "whoami", Map.of());
        }
        System.out.printf("%n=== Run 3: an agent with no user (client credentials, private_key_jwt as %s) ===%n",
                DemoSetup.AGENT_JWT);
        System.out.println("  The agent's public key, published at its JWKS URL for Keycloak: kid " + demo.agentKey.keyId());
        McpOAuthClient agent = McpOAuthClient.builder(demo.mcpUrl())
                .clientCredentials(demo.agentKey.credentials(demo.realm.issuer().toString(), DemoSetup.AGENT_JWT)).listener(print).build();
        try (McpConnection mcp = agent.connect()) {
            call(mcp, "whoami", Map.of());
            System.out.println("  tools/call add_note (for users only) ...");
            try {
                mcp.callTool("add_note", Map.of("text", "from an agent"));
                throw new IllegalStateException("an agent was allowed the user-only tool");
            } catch (RuntimeException refused) {
                Throwable cause = refused;
                while (cause.getCause() != null && !(cause instanceof McpAuthorizationException)) {
                    cause = cause.getCause();
                }
                if (!(cause instanceof McpAuthorizationException) || !cause.getMessage().contains("notes:write")) {
                    throw refused;
                }
                System.out.println("  -> refused, as it should be: " + cause.getMessage());
            }
        }
        System.out.println("\nDone. Registration and tokens are in " + store.file() + " (mode 0600).");
        demo.close();
    }

    private static void call(McpConnection mcp, String tool, Map<String, Object> args) {
        System.out.println("  tools/call " + tool + " ...");
        String text = mcp.callTool(tool, args).text();
        System.out.println("  -> " + text);
    }
}
