package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.registration.PreRegisteredClient;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The three ways to a client identity (pre-registered, CIMD, DCR) against real Keycloak, and the
 * realm's locks on anonymous registration: what an attacker registers or requests, and the exact
 * refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationTest {

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private DemoSetup demo;
    private URI registrationEndpoint;

    @BeforeAll
    void start() throws Exception {
        demo = DemoSetup.shared();
        registrationEndpoint = URI.create(demo.realm.issuer() + "/clients-registrations/openid-connect");
    }

    @Test
    void usesAPreRegisteredClientWithoutRegistering() throws Exception {
        InMemoryTokenStore store = new InMemoryTokenStore();
        McpOAuthClient oauth = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store)
                .preRegistered(PreRegisteredClient.forIssuer(demo.realm.issuer().toString(), "mcp-demo-client", null))
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, new AtomicInteger()))
                .build();

        try (McpSyncClient mcp = oauth.connect()) {
            mcp.callTool(new CallToolRequest("whoami", Map.of()));
        }

        assertThat(store.loadClient(demo.realm.issuer().toString())).isEmpty();
        assertThat(SignedJWT.parse(oauth.tokens().orElseThrow().accessToken()).getJWTClaimsSet().getStringClaim("azp"))
                .isEqualTo("mcp-demo-client");
    }

    @Test
    void usesAClientIdMetadataDocumentWhenTheServerSupportsIt() throws Exception {
        HttpServer documentHost = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String documentUrl = "http://127.0.0.1:" + documentHost.getAddress().getPort() + "/cookbook-client.json";
        byte[] document = JsonMapper.shared().writeValueAsBytes(Map.of(
                "client_id", documentUrl,
                "client_name", "MCP OAuth Cookbook (CIMD)",
                "redirect_uris", List.of(AuthorizationUserAgent.REGISTERED_REDIRECT_URI.toString()),
                "grant_types", List.of("authorization_code", "refresh_token"),
                "response_types", List.of("code"),
                "token_endpoint_auth_method", "none"));
        AtomicInteger documentFetches = new AtomicInteger();
        documentHost.createContext("/cookbook-client.json", exchange -> {
            documentFetches.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, document.length);
            exchange.getResponseBody().write(document);
            exchange.close();
        });
        documentHost.start();
        try {
            InMemoryTokenStore store = new InMemoryTokenStore();
            McpOAuthClient oauth = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store)
                    .clientIdMetadataDocument(documentUrl)
                    .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, new AtomicInteger()))
                    .build();

            try (McpSyncClient mcp = oauth.connect()) {
                mcp.callTool(new CallToolRequest("whoami", Map.of()));
            }

            assertThat(documentFetches.get()).isPositive(); // Keycloak fetched the document: no registration call
            assertThat(store.loadClient(demo.realm.issuer().toString())).isEmpty();
            assertThat(SignedJWT.parse(oauth.tokens().orElseThrow().accessToken()).getJWTClaimsSet()
                    .getStringClaim("azp")).isEqualTo(documentUrl);
        } finally {
            documentHost.stop(0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example/callback", "http://evil.example/callback",
            "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "http://127.0.0.1@evil.example/callback"})
    void anonymousRegistrationWithANonLoopbackRedirectIsRefused(String redirectUri) throws Exception {
        HttpResponse<String> response = register(Map.of("client_name", "attacker",
                "redirect_uris", List.of(redirectUri), "token_endpoint_auth_method", "none"));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).path("error").asString()).isEqualTo("insufficient_scope");
    }

    @Test
    void anonymousRegistrationAskingForAScopeOutsideThePolicyIsRefused() throws Exception {
        HttpResponse<String> response = register(Map.of("client_name", "greedy",
                "redirect_uris", List.of("http://127.0.0.1/callback"), "token_endpoint_auth_method", "none",
                "scope", "mcp:tools offline_access"));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).path("error_description").asString()).contains("Allowed Client Scopes");
    }

    @Test
    void aRegisteredPublicClientWithoutPkceIsRefusedAtTheAuthorizationEndpoint() throws Exception {
        String clientId = registerPublicClient();

        Map<String, String> error = authorizationError(Map.of("client_id", clientId, "response_type", "code",
                "redirect_uri", "http://127.0.0.1:50000/callback", "scope", "mcp:tools", "state", "s1"));

        assertThat(error).containsEntry("error", "invalid_request")
                .containsEntry("error_description", "Missing parameter: code_challenge_method")
                .containsEntry("state", "s1")
                .containsEntry("iss", demo.realm.issuer().toString());
    }

    @Test
    void thePlainPkceMethodIsRefused() throws Exception {
        String clientId = registerPublicClient();

        Map<String, String> error = authorizationError(Map.of("client_id", clientId, "response_type", "code",
                "redirect_uri", "http://127.0.0.1:50000/callback", "scope", "mcp:tools", "state", "s2",
                "code_challenge", "a".repeat(43), "code_challenge_method", "plain"));

        assertThat(error).containsEntry("error", "invalid_request")
                .containsEntry("error_description", "Invalid parameter: code challenge method is not matching the configured one");
    }

    @Test
    void aTokenForAnUnknownResourceIsRefusedWithInvalidTarget() {
        AuthorizationCodeFlow flow = AuthorizationCodeFlow.with(demo.realm, "mcp-demo-client")
                .scope("mcp:tools").resource(URI.create("http://localhost:9/unknown-api"));

        assertThatThrownBy(() -> flow.run(new HeadlessUserAgent(), DemoSetup.ALICE))
                .hasMessageContaining("invalid_target");
    }

    private String registerPublicClient() throws Exception {
        HttpResponse<String> response = register(Map.of("client_name", "no-pkce test",
                "redirect_uris", List.of("http://127.0.0.1/callback"), "token_endpoint_auth_method", "none"));
        assertThat(response.statusCode()).isEqualTo(201);
        return json(response).path("client_id").asString();
    }

    private HttpResponse<String> register(Map<String, Object> metadata) throws Exception {
        return http.send(HttpRequest.newBuilder(registrationEndpoint).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonMapper.shared().writeValueAsString(metadata))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Keycloak reports these errors by redirecting to the client (RFC 6749 §4.1.2.1). */
    private Map<String, String> authorizationError(Map<String, String> params) throws Exception {
        String query = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .reduce((a, b) -> a + "&" + b).orElseThrow();
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                URI.create(demo.realm.authorizationEndpoint() + "?" + query)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(302);
        URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith("http://127.0.0.1:50000/callback?");
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : location.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            result.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
        }
        return result;
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body());
    }
}
