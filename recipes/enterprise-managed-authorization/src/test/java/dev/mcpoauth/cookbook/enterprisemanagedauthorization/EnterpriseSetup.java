package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.demo.DemoMcpServer;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpApplication;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin.EnterpriseSignIn;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The recipe's world, shared by its tests and {@code make run}: the enterprise IdP (this recipe's Spring Authorization
 * Server, on loopback, with a signing key made here so that tests can also sign what only the IdP should: an expired
 * ID-JAG), the MCP server's authorization server (the shared Keycloak with this recipe's realm, trusting the IdP), and
 * the demo MCP server "notes" trusting that realm. "tickets", the catalogue's second server, only needs its URL.
 */
final class EnterpriseSetup implements AutoCloseable {

    static final Path REALM_FILE = Path.of("keycloak", "realm.json");
    static final String REALM = "mcp-enterprise";
    static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");
    static final UserCredentials BOB = new UserCredentials("bob", "bob-demo-password");
    static final UserCredentials CAROL = new UserCredentials("carol", "carol-demo-password");
    /** The company's MCP client at the IdP (application.yml's demo secret) and at the MCP server's authorization server. */
    static final String IDP_CLIENT = "mcp-desktop";
    static final String IDP_CLIENT_SECRET = "mcp-desktop-demo-secret";
    static final String CLI_CLIENT = "mcp-cli";
    static final String CLI_CLIENT_SECRET = "mcp-cli-demo-secret";
    static final String AS_CLIENT = "mcp-enterprise-client";

    final ConfigurableApplicationContext idp;
    final URI idpIssuer;
    final RSAKey idpKey;
    final Realm realm;
    final String asClientSecret;
    final DemoMcpServer notes;
    final URI ticketsUrl;

    private EnterpriseSetup(ConfigurableApplicationContext idp, URI idpIssuer, RSAKey idpKey, Realm realm,
            String asClientSecret, DemoMcpServer notes, URI ticketsUrl) {
        this.idp = idp;
        this.idpIssuer = idpIssuer;
        this.idpKey = idpKey;
        this.realm = realm;
        this.asClientSecret = asClientSecret;
        this.notes = notes;
        this.ticketsUrl = ticketsUrl;
    }

    static EnterpriseSetup start(int idpPort, int notesPort, int ticketsPort) throws Exception {
        return start(idpPort, notesPort, ticketsPort, randomSecret());
    }

    /** The same, with the client's secret at Keycloak chosen by the caller ({@code make interop} passes its own). */
    static EnterpriseSetup start(int idpPort, int notesPort, int ticketsPort, String asClientSecret) throws Exception {
        URI idpIssuer = URI.create("http://127.0.0.1:" + idpPort);
        URI notesUrl = URI.create("http://localhost:" + notesPort + "/mcp");
        URI ticketsUrl = URI.create("http://localhost:" + ticketsPort + "/mcp");
        KeycloakServer keycloak = Keycloak.shared();
        Realm realm = keycloak.importRealm(REALM_FILE, Map.of("MCP_SERVER_URL", notesUrl.toString(),
                "ENTERPRISE_ISSUER", idpIssuer.toString(), "ENTERPRISE_JWKS_URL", idpIssuer + "/oauth2/jwks",
                "ENTERPRISE_BROKER_SECRET", randomSecret(), "ENTERPRISE_CLIENT_SECRET", asClientSecret));
        RSAKey idpKey = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                .keyIDFromThumbprint(true).generate();
        ConfigurableApplicationContext idp = new SpringApplicationBuilder(EnterpriseIdpApplication.class).run(
                "--ENTERPRISE_IDP_PORT=" + idpPort,
                "--ENTERPRISE_IDP_ISSUER=" + idpIssuer,
                "--ENTERPRISE_IDP_SIGNING_KEY=" + idpKey.toJSONString(),
                "--NOTES_MCP_SERVER_URL=" + notesUrl,
                "--TICKETS_MCP_SERVER_URL=" + ticketsUrl,
                "--MCP_AUTHORIZATION_SERVER=" + realm.issuer());
        DemoMcpServer notes = DemoMcpServer.start(notesUrl, realm.issuer(), realm.jwksUri());
        return new EnterpriseSetup(idp, idpIssuer, idpKey, realm, asClientSecret, notes, ticketsUrl);
    }

    static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private static EnterpriseSetup shared;

    /** One IdP, one realm import and one MCP server for all test classes of this JVM; closed at JVM exit. */
    static synchronized EnterpriseSetup shared() throws Exception {
        if (shared == null) {
            shared = start(FreePort.find(), FreePort.find(), FreePort.find());
            EnterpriseSetup toClose = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(toClose::close));
        }
        return shared;
    }

    URI notesUrl() {
        return notes.url();
    }

    /** The MCP client's credentials at the IdP. */
    ClientCredentials atTheIdp() {
        return ClientCredentials.clientSecretBasic(idpIssuer.toString(), IDP_CLIENT, IDP_CLIENT_SECRET);
    }

    /** The MCP client's credentials at the MCP server's authorization server (Keycloak). */
    ClientCredentials atTheAuthorizationServer() {
        return ClientCredentials.clientSecretBasic(realm.issuer().toString(), AS_CLIENT, asClientSecret);
    }

    /** {@code user} signs in once at the IdP through {@code browser}, as {@code credentials}' client. */
    EnterpriseSignIn signIn(HeadlessUserAgent browser, UserCredentials user, ClientCredentials credentials,
            Consumer<String> steps) {
        return EnterpriseSignIn.signIn(idpIssuer, credentials, headless(browser, user, new AtomicInteger()), steps);
    }

    /** The person at the browser, played by the test kit's headless agent on the IdP's real sign-in form. */
    static AuthorizationUserAgent headless(HeadlessUserAgent browser, UserCredentials user, AtomicInteger opened) {
        return authorizationUrlFor -> {
            opened.incrementAndGet();
            URI redirectUri = AuthorizationUserAgent.loopbackRedirect(FreePort.find());
            return browser.authorize(authorizationUrlFor.apply(redirectUri), redirectUri.toString(), user);
        };
    }

    @Override
    public void close() {
        try {
            notes.close();
        } catch (Exception ignored) {
            // shutting down
        }
        idp.close();
    }
}
