package dev.mcpoauth.cookbook.resourceserverspring;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import java.net.URI;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * One Keycloak realm and one MCP server URL for the whole test JVM, so every test class shares
 * Keycloak and Spring's cached application context.
 */
final class DemoEnvironment {

    static final String CLIENT_ID = DemoRealm.CLIENT_ID;
    static final UserCredentials ALICE = DemoRealm.ALICE;
    static final UserCredentials BOB = DemoRealm.BOB;

    static final int PORT = FreePort.find();
    static final URI MCP_URL = URI.create("http://localhost:" + PORT + "/mcp");
    static final URI OTHER_RESOURCE_URL = DemoRealm.otherResourceUrl(MCP_URL);
    static final Realm REALM;

    static {
        LogCapture.install(); // before the server starts, so its whole log is checked for tokens
        REALM = Keycloak.shared().importRealm(DemoRealm.FILE, DemoRealm.placeholders(MCP_URL));
    }

    private DemoEnvironment() {
    }

    static void registerProperties(DynamicPropertyRegistry registry) {
        registry.add("server.port", () -> PORT);
        registry.add("mcp.resource", MCP_URL::toString);
        registry.add("mcp.authorization-server", () -> REALM.issuer().toString());
    }

    /** A token for the MCP server, obtained as a real client would: login page, PKCE, resource indicator. */
    static Tokens login(UserCredentials user, String... scopes) {
        return AuthorizationCodeFlow.with(REALM, CLIENT_ID)
                .scope(scopes)
                .resource(MCP_URL)
                .run(new HeadlessUserAgent(), user);
    }
}
