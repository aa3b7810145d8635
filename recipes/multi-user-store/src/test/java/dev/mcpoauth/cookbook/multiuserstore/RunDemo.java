package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make run RECIPE=multi-user-store}: Keycloak with both realms, the calendar API, this server
 * on its embedded H2 database, and a walk-through (log in, get a connect link, connect the calendar,
 * list events); then it keeps serving for a real MCP client until Ctrl-C. Token values are never printed.
 */
public final class RunDemo {

    /** Matches application.yml's demo default. DEMO-ONLY. */
    private static final String DEMO_CONNECTOR_SECRET = "demo-only-connector-secret";

    public static void main(String[] args) {
        try {
            run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1); // exec:java would otherwise wait for the web server's threads
        }
    }

    private static void run() throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        int calendarPort = Integer.parseInt(System.getenv().getOrDefault("CALENDAR_PORT", "8090"));
        URI resource = URI.create("http://localhost:" + port + "/mcp");
        URI calendarUrl = URI.create("http://localhost:" + calendarPort);

        System.out.println("Starting Keycloak (first run on this machine: about a minute to unpack and build it) ...");
        KeycloakServer keycloak = Keycloak.shared();
        // The contract's placeholders: the MCP server's URL and the second resource (other-api) next to it.
        Realm users = keycloak.importRealm(Path.of("keycloak/users-realm.json"), ContractRealm.placeholders(resource));
        Realm calendar = keycloak.importRealm(Path.of("keycloak/calendar-realm.json"), Map.of(
                "CALENDAR_API_URL", calendarUrl.toString(),
                "CONNECTOR_SECRET", DEMO_CONNECTOR_SECRET,
                "CONNECT_CALLBACK_URL", resource.resolve("/connect/callback").toString()));
        CalendarApi calendarApi = new CalendarApi(calendarPort, calendar.issuer(), calendar.jwksUri());

        EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", port,
                "mcp.resource", resource.toString(),
                "mcp.authorization-server", users.issuer().toString(),
                "upstream.issuer", calendar.issuer().toString(),
                "upstream.api-url", calendarApi.url().toString(),
                "upstream.client-secret", DEMO_CONNECTOR_SECRET,
                // A demo key, fixed so the H2 file stays readable across runs; production keys come from a secret store.
                "token-store.key-encryption-keys", "demo-only-2026:ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=",
                "token-store.current-key-id", "demo-only-2026",
                "request-state.key", "ZGVtby1vbmx5LXJlcXVlc3Qtc3RhdGUta2V5LW5vdC1mb3ItcHJvZHVjdGlvbg=="));
        // The token store is the embedded default of application.yml: an H2 file under target/.

        System.out.println("\n=== Walk-through: one user, one upstream ===");
        System.out.println("1. alice logs in at realm A (" + users.issuer() + ") with PKCE and resource=" + resource);
        String token = AuthorizationCodeFlow.with(users, "mcp-demo-client").scope("mcp:tools").resource(resource)
                .run(new HeadlessUserAgent(), TestStack.ALICE).accessToken();
        try (McpSyncClient client = McpTestClient.connect(resource, () -> token)) {
            String subject = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getSubject();
            server.getApplicationContext().getBean(TokenRepository.class).delete(subject, "calendar"); // start from scratch
            CallToolResult first = call(client, "list_events");
            System.out.println("2. list_events, no upstream token yet -> isError=" + first.isError() + "\n   " + ServerInstance.text(first));
            URI link = URI.create(String.valueOf(((Map<?, ?>) first.structuredContent()).get("connect_url")));

            System.out.println("3. alice opens the link; the server sends her to realm B (" + calendar.issuer()
                    + ") with code + PKCE as the confidential client mcp-calendar-connector; she logs in there");
            HeadlessUserAgent browser = new HeadlessUserAgent();
            URI callback = browser.authorize(link, resource.resolve("/connect/callback").toString(), TestStack.ALICE_CALENDAR);
            HttpResponse<String> connected = browser.get(callback);
            System.out.println("4. realm B redirects to " + resource.resolve("/connect/callback") + " -> HTTP " + connected.statusCode()
                    + ": state, browser cookie and iss checked, code redeemed, tokens sealed (AES-GCM envelope) and stored");

            CallToolResult events = call(client, "list_events");
            System.out.println("5. list_events with alice's stored upstream token:\n   " + ServerInstance.text(events).replace("\n", "\n   "));
            System.out.println("6. connect_status: " + ServerInstance.text(call(client, "connect_status")));
        }

        System.out.printf("""

                === Serving. Connect a real MCP client ===
                  MCP server        %s   (tools: list_events, connect_status, disconnect with scope calendar:disconnect)
                  Realm A (users)   %s   alice / alice-demo-password, bob / bob-demo-password
                  Realm B (upstream)%s   alice / alice-calendar-password, bob / bob-calendar-password
                  Calendar API      %s
                  Token store       H2 file target/token-store.mv.db (demo key-encryption key: see README)
                  MCP Inspector     npx @modelcontextprotocol/inspector -> Streamable HTTP, URL above,
                                    "Open Auth Settings" -> "Quick OAuth Flow", client id "mcp-demo-client";
                                    call list_events and open the link it answers with in your browser
                  Keycloak log      %s
                Press Ctrl-C to stop.
                """, resource, users.issuer(), calendar.issuer(), calendarApi.url(), keycloak.logFile());
        new CountDownLatch(1).await();
    }

    private static CallToolResult call(McpSyncClient client, String tool) {
        return client.callTool(new CallToolRequest(tool, Map.of()));
    }

    private RunDemo() {
    }
}
