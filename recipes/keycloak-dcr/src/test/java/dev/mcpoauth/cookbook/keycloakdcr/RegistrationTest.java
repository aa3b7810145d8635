package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.registration.PreRegisteredClient;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The three ways to a client identity (pre-registered, CIMD, DCR) against real Keycloak, and the
 * realm's locks on anonymous registration: what an attacker registers or requests, and the exact
 * refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationTest {

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

        try (McpConnection mcp = oauth.connect()) {
            mcp.callTool("whoami", Map.of());
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
            HeadlessUserAgent browser = new HeadlessUserAgent();
            McpOAuthClient oauth = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store)
                    .clientIdMetadataDocument(documentUrl)
                    .userAgent(DemoSetup.headless(browser, DemoSetup.ALICE, new AtomicInteger()))
                    .build();

            try (McpConnection mcp = oauth.connect()) {
                mcp.callTool("whoami", Map.of());
            }

            assertThat(documentFetches.get()).isPositive(); // Keycloak fetched the document: no registration call
            assertThat(store.loadClient(demo.realm.issuer().toString())).isEmpty();
            assertThat(SignedJWT.parse(oauth.tokens().orElseThrow().accessToken()).getJWTClaimsSet()
                    .getStringClaim("azp")).isEqualTo(documentUrl);
            // Anyone can publish a document: its client gets no code before the user consents (Keycloak does
            // this by itself for a document's client; the realm's anonymous-clients policy pins it).
            assertThat(browser.consentsGiven()).as("consent screens approved").isEqualTo(1);
        } finally {
            documentHost.stop(0);
        }
    }

    static Stream<Arguments> redirectUrisOffLoopback() {
        return Stream.of(
                argumentSet("an https redirect to another host", "https://evil.example/callback"),
                argumentSet("a plain http redirect to another host", "http://evil.example/callback"),
                argumentSet("a javascript: URI", "javascript:alert(1)"),
                argumentSet("a javascript: URI in mixed case", "JaVaScRiPt:alert(1)"),
                argumentSet("a data: URI", "data:text/html,x"),
                argumentSet("a loopback address as userinfo before another host", "http://127.0.0.1@evil.example/callback"));
    }

    @ParameterizedTest
    @MethodSource("redirectUrisOffLoopback")
    void anonymousRegistrationWithANonLoopbackRedirectIsRefused(String redirectUri) {
        registration(Map.of("client_name", "attacker",
                "redirect_uris", List.of(redirectUri), "token_endpoint_auth_method", "none"))
        .when()
            .post(registrationEndpoint)
        .then()
            .statusCode(403)
            .body("error", equalTo("insufficient_scope"));
    }

    @Test
    void anonymousRegistrationAskingForAScopeOutsideThePolicyIsRefused() {
        registration(Map.of("client_name", "greedy",
                "redirect_uris", List.of("http://127.0.0.1/callback"), "token_endpoint_auth_method", "none",
                "scope", "mcp:tools offline_access"))
        .when()
            .post(registrationEndpoint)
        .then()
            .statusCode(403)
            .body("error_description", containsString("Allowed Client Scopes"));
    }

    @Test
    void aRegisteredPublicClientWithoutPkceIsRefusedAtTheAuthorizationEndpoint() {
        String clientId = registerPublicClient();

        Map<String, String> error = authorizationError(Map.of("client_id", clientId, "response_type", "code",
                "redirect_uri", "http://127.0.0.1:50000/callback", "scope", "mcp:tools", "state", "s1"));

        assertThat(error).containsEntry("error", "invalid_request")
                .containsEntry("error_description", "Missing parameter: code_challenge_method")
                .containsEntry("state", "s1")
                .containsEntry("iss", demo.realm.issuer().toString());
    }

    @Test
    void thePlainPkceMethodIsRefused() {
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

    private String registerPublicClient() {
        return registration(Map.of("client_name", "no-pkce test",
                "redirect_uris", List.of("http://127.0.0.1/callback"), "token_endpoint_auth_method", "none"))
        .when()
            .post(registrationEndpoint)
        .then()
            .statusCode(201)
            .extract().path("client_id");
    }

    /** An anonymous RFC 7591 registration request, the JSON exactly as written. */
    private static RequestSpecification registration(Map<String, Object> metadata) {
        return given().contentType("application/json").body(JsonMapper.shared().writeValueAsString(metadata));
    }

    /** Keycloak reports these errors by redirecting to the client (RFC 6749 §4.1.2.1). */
    private Map<String, String> authorizationError(Map<String, String> params) {
        String query = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .reduce((a, b) -> a + "&" + b).orElseThrow();
        String location = given()
        .when()
            .get(demo.realm.authorizationEndpoint() + "?" + query)
        .then()
            .statusCode(302)
            .header("Location", startsWith("http://127.0.0.1:50000/callback?"))
            .extract().header("Location");
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            result.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
        }
        return result;
    }

    /** A rest-assured request sent as written: no charset appended, the URL not re-encoded, redirects not followed. */
    private static RequestSpecification given() {
        return RestAssured.given().redirects().follow(false).urlEncodingEnabled(false)
                .config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)));
    }
}
