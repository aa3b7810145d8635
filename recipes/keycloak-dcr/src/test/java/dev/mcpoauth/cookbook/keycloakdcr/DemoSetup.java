package dev.mcpoauth.cookbook.keycloakdcr;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.AgentKey;
import dev.mcpoauth.cookbook.keycloakdcr.demo.DemoMcpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The recipe's world, shared by its tests and {@code make run}: the shared Keycloak with this
 * recipe's realm, and the demo MCP server trusting it; for the agents (client credentials), the
 * {@code mcp-agent-jwt} agent's key and the JWKS it publishes, and the {@code mcp-agent-secret} agent's secret;
 * for Enterprise-Managed Authorization, the signing key of a stand-in enterprise IdP whose public key the realm's
 * {@code enterprise} identity provider trusts (tests sign ID-JAGs with it, good ones and an attacker's), and the
 * secret of {@code mcp-enterprise-client}.
 */
final class DemoSetup implements AutoCloseable {

    static final Path REALM_FILE = Path.of("keycloak", "realm.json");
    static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");

    static final String AGENT_JWT = "mcp-agent-jwt";
    static final String AGENT_SECRET = "mcp-agent-secret";
    static final String ENTERPRISE_CLIENT = "mcp-enterprise-client";

    final Realm realm;
    final DemoMcpServer server;
    /** The key {@link #AGENT_JWT} signs its client assertions with. */
    final AgentKey agentKey;
    /** The {@link #AGENT_SECRET} agent's secret, new for each run. */
    final String agentSecret;
    /** What the agent publishes at its JWKS URL (Keycloak's {@code jwks.url} for {@link #AGENT_JWT}). */
    final AtomicReference<String> publishedAgentJwks;
    /** The stand-in enterprise IdP: its issuer, the key it signs ID-JAGs with, and this realm's client secret for EMA. */
    final String enterpriseIssuer;
    final ECKey enterpriseKey;
    final String enterpriseClientSecret;
    private final HttpServer agentJwksServer;

    private DemoSetup(Realm realm, DemoMcpServer server, AgentKey agentKey, String agentSecret,
            AtomicReference<String> publishedAgentJwks, HttpServer agentJwksServer, String enterpriseIssuer,
            ECKey enterpriseKey, String enterpriseClientSecret) {
        this.enterpriseIssuer = enterpriseIssuer;
        this.enterpriseKey = enterpriseKey;
        this.enterpriseClientSecret = enterpriseClientSecret;
        this.realm = realm;
        this.server = server;
        this.agentKey = agentKey;
        this.agentSecret = agentSecret;
        this.publishedAgentJwks = publishedAgentJwks;
        this.agentJwksServer = agentJwksServer;
    }

    static DemoSetup start(int port) throws Exception {
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");
        AgentKey agentKey = AgentKey.generate();
        AtomicReference<String> jwks = new AtomicReference<>(agentKey.publicJwks());
        ECKey enterpriseKey = enterpriseKey();
        HttpServer jwksServer = publishJwks(jwks, new JWKSet(enterpriseKey.toPublicJWK()).toString(true));
        String origin = "http://127.0.0.1:" + jwksServer.getAddress().getPort();
        String agentSecret = randomSecret();
        String enterpriseClientSecret = randomSecret();
        Realm realm = Keycloak.shared().importRealm(REALM_FILE, Map.of("MCP_SERVER_URL", mcpUrl.toString(),
                "AGENT_JWKS_URL", origin + "/agent/jwks.json", "AGENT_SECRET", agentSecret,
                "ENTERPRISE_ISSUER", origin + "/enterprise", "ENTERPRISE_JWKS_URL", origin + "/enterprise/jwks.json",
                "ENTERPRISE_BROKER_SECRET", randomSecret(), "ENTERPRISE_CLIENT_SECRET", enterpriseClientSecret));
        return new DemoSetup(realm, DemoMcpServer.start(mcpUrl, realm.issuer(), realm.jwksUri()), agentKey, agentSecret,
                jwks, jwksServer, origin + "/enterprise", enterpriseKey, enterpriseClientSecret);
    }

    private static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private static ECKey enterpriseKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).algorithm(JWSAlgorithm.ES256).keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The agent's public keys on loopback, where Keycloak fetches them (in production an https URL the agent serves),
     * and the stand-in enterprise IdP's.
     */
    private static HttpServer publishJwks(AtomicReference<String> jwks, String enterpriseJwks) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/enterprise/jwks.json", exchange -> {
            byte[] body = enterpriseJwks.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.createContext("/agent/jwks.json", exchange -> {
            byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return http;
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
        agentJwksServer.stop(0);
    }
}
