package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpConnection;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpOAuthClient;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpOAuthListener;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.SystemBrowserUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.enterprise.EnterpriseAuthorization;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin.EnterpriseSignIn;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code make run RECIPE=enterprise-managed-authorization}: Keycloak with this recipe's realm, the enterprise IdP, the
 * demo MCP server "notes", then the walk printed step by step: alice signs in once at the IdP; her MCP client goes
 * from the server's bare URL to tool calls through an ID-JAG (token exchange at the IdP, JWT bearer grant at Keycloak)
 * with no browser and no consent screen at the MCP side, step-up included; then bob, whom the enterprise's policy
 * keeps out of "notes", is refused at the IdP. Then it keeps serving, for your own client or {@code make interop}'s
 * ({@code ENTERPRISE_CLIENT_SECRET} sets the client's secret at Keycloak, random otherwise). The sign-in is played by
 * the test kit's headless agent; set {@code LOGIN=browser} to sign in yourself in your desktop browser
 * (alice / alice-demo-password).
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
        int idpPort = Integer.parseInt(System.getenv().getOrDefault("IDP_PORT", "9000"));
        int notesPort = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it), "
                + "the enterprise IdP and the MCP server ...");
        // make interop chooses the client's secret at Keycloak, to give it to a client written elsewhere.
        String asClientSecret = System.getenv().getOrDefault("ENTERPRISE_CLIENT_SECRET", EnterpriseSetup.randomSecret());
        EnterpriseSetup setup = EnterpriseSetup.start(idpPort, notesPort, notesPort + 1, asClientSecret);
        boolean realBrowser = "browser".equals(System.getenv("LOGIN"));
        McpOAuthListener print = new McpOAuthListener() {
            @Override
            public void onStep(String description) {
                System.out.println("  " + description);
            }
        };

        System.out.printf("%n=== The company: IdP %s, MCP server %s, its authorization server %s ===%n", setup.idpIssuer,
                setup.notesUrl(), setup.realm.issuer());
        System.out.println("  The enterprise's policy (application.yml): notes for group engineering (alice, carol), "
                + "tickets for engineering and sales (bob)");

        System.out.printf("%n=== alice signs in once at the enterprise IdP ===%n");
        if (realBrowser) {
            System.out.println("  (sign in as alice / alice-demo-password in the browser window)");
        }
        EnterpriseSignIn alice = signIn(setup, EnterpriseSetup.ALICE, realBrowser);

        System.out.printf("%n=== alice's MCP client: nothing but the URL %s ===%n", setup.notesUrl());
        try (McpConnection mcp = client(setup, alice, print).connect()) {
            System.out.println("  MCP " + mcp.revision().version() + "; tools: " + mcp.toolNames());
            call(mcp, "whoami", Map.of());
            call(mcp, "add_note", Map.of("text", "written with an ID-JAG, no consent screen"));
        }

        System.out.printf("%n=== bob (group sales) signs in and tries the same server ===%n");
        EnterpriseSignIn bob = signIn(setup, EnterpriseSetup.BOB, false);
        try (McpConnection mcp = client(setup, bob, print).connect()) {
            throw new IllegalStateException("bob reached notes: " + mcp.toolNames());
        } catch (McpAuthorizationException refused) {
            System.out.println("  -> refused at the IdP, as the policy says: " + refused.getMessage());
        }
        System.out.println("\nThe IdP's audit log (logger enterprise.audit) above has one line per decision.");
        System.out.printf("%n=== Serving: enterprise IdP %s, MCP server %s, its authorization server %s (Ctrl-C to stop) ===%n",
                setup.idpIssuer, setup.notesUrl(), setup.realm.issuer());
        System.out.println("  Sign in at the IdP as alice, bob or carol (password <name>-demo-password) with client mcp-desktop"
                + " (secret mcp-desktop-demo-secret), loopback redirect http://127.0.0.1:<any port>/callback.");
        Thread.currentThread().join();
    }

    private static EnterpriseSignIn signIn(EnterpriseSetup setup, UserCredentials user, boolean realBrowser) {
        AuthorizationUserAgent userAgent = realBrowser ? new SystemBrowserUserAgent()
                : EnterpriseSetup.headless(new HeadlessUserAgent(), user, new AtomicInteger());
        return EnterpriseSignIn.signIn(setup.idpIssuer, setup.atTheIdp(), userAgent, step -> System.out.println("  " + step));
    }

    private static McpOAuthClient client(EnterpriseSetup setup, EnterpriseSignIn signIn, McpOAuthListener print) {
        EnterpriseAuthorization enterprise = EnterpriseAuthorization.of(setup.idpIssuer.toString(), EnterpriseSetup.IDP_CLIENT,
                signIn, setup.atTheAuthorizationServer()).withIdpCredentials(setup.atTheIdp());
        return McpOAuthClient.builder(setup.notesUrl().toString()).enterpriseAuthorization(enterprise)
                .tokenStore(new InMemoryTokenStore()).listener(print)
                .userAgent(url -> {
                    throw new IllegalStateException("Enterprise-Managed Authorization must not need a browser at the MCP side");
                })
                .build();
    }

    private static void call(McpConnection mcp, String tool, Map<String, Object> args) {
        System.out.println("  tools/call " + tool + " ...");
        System.out.println("  -> " + mcp.callTool(tool, args).text());
    }
}
