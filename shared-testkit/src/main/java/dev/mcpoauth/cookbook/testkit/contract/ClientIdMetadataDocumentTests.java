package dev.mcpoauth.cookbook.testkit.contract;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent.AuthorizationPageException;
import dev.mcpoauth.cookbook.testkit.mcp.Mcp2026TestClient;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Client ID Metadata Documents, the registration MCP 2026-07-28 prefers (DCR is deprecated): the client's
 * {@code client_id} is the URL of a JSON document about itself, which the authorization server fetches.
 * Every realm advertises {@code client_id_metadata_document_supported} (the test kit builds Keycloak with the
 * {@code cimd} feature), so a client tries it first; these tests prove the realm's client policy accepts it,
 * within the same limits as a self-registered (DCR) client. The test serves the document on loopback, which
 * only the realms' demo settings allow.
 *
 * <p>Run by {@link ResourceServerContract}'s {@code ClientIdMetadataDocuments}.
 */
abstract class ClientIdMetadataDocumentTests {

    private final Supplier<ResourceServerUnderTest> server;
    private final ContractHttp http;

    ClientIdMetadataDocumentTests(Supplier<ResourceServerUnderTest> server, ContractHttp http) {
        this.server = server;
        this.http = http;
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Wire.class)
    void aClientWhoseIdIsItsDocumentUrlSignsInToTheTools(Wire wire) throws Exception {
        assumeTrue(wire == Wire.MCP_2025_11_25 || server().speaksMcp2026(), () -> server().resourceName()
                + " does not speak MCP 2026-07-28 (yet): ResourceServerUnderTest.speakingMcp2026() turns this test on");
        try (DocumentHost host = DocumentHost.start()) {
            URI redirectUri = loopbackRedirect();
            String clientId = host.serve(url -> document(url, redirectUri, BASE_SCOPE));

            Tokens tokens = signIn(clientId, redirectUri, BASE_SCOPE);
            http.track(tokens.accessToken());

            JWTClaimsSet claims = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
            assertThat(host.fetches()).as("Keycloak fetched the document").isPositive();
            assertThat(claims.getStringClaim("azp")).isEqualTo(clientId);
            assertThat(claims.getAudience()).containsExactly(server().audience()); // RFC 8707
            CallToolRequest call = server().tools().identityCall();
            Object isError;
            Map<String, Object> identity;
            if (wire == Wire.MCP_2025_11_25) {
                try (McpSyncClient client = McpTestClient.connect(server().mcpEndpoint(), tokens::accessToken)) {
                    CallToolResult result = client.callTool(call);
                    isError = result.isError();
                    identity = asMap(result.structuredContent());
                }
            } else {
                var result = Mcp2026TestClient.connect(server().mcpEndpoint(), tokens::accessToken)
                        .tool(call.name()).arguments(call.arguments()).call();
                isError = result.isError();
                identity = asMap(result.structuredContent());
            }

            assertThat(isError).isNotEqualTo(Boolean.TRUE);
            assertThat(identity).isEqualTo(expectedIdentity(claims.getSubject(), clientId));
        }
    }

    /**
     * Anyone can publish a document naming a redirect URI they control, so a document's client must not get a
     * code silently from a user already signed in. Keycloak 26.7 asks for consent for such a client by itself
     * (seen with the realm's anonymous-clients policy switched off); that policy pins it.
     */
    @Test
    void aDocumentsClientGetsACodeOnlyAfterTheUserConsents() throws Exception {
        try (DocumentHost host = DocumentHost.start()) {
            URI redirectUri = loopbackRedirect();
            String clientId = host.serve(url -> document(url, redirectUri, BASE_SCOPE));
            HeadlessUserAgent browser = new HeadlessUserAgent();

            http.track(AuthorizationCodeFlow.with(server().realm(), clientId).scope(BASE_SCOPE)
                    .resource(server().mcpUrl()).redirectUri(redirectUri).run(browser, ALICE).accessToken());

            assertThat(browser.consentsGiven()).as("consent screens approved").isEqualTo(1);
        }
    }

    /** What the identity tool answers alice, naming this client where it names the demo client. */
    private Map<String, Object> expectedIdentity(String subject, String clientId) {
        Map<String, Object> expected = new LinkedHashMap<>(server().tools().expectedIdentity().of(subject, "alice"));
        expected.replaceAll((key, value) -> ContractRealm.CLIENT_ID.equals(value) ? clientId : value);
        return expected;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object structuredContent) {
        return (Map<String, Object>) structuredContent;
    }

    /** The document must name itself: one that claims another URL's identity is not a client of this realm. */
    @Test
    void aDocumentWhoseClientIdIsNotItsOwnUrlIsRefused() {
        try (DocumentHost host = DocumentHost.start()) {
            URI redirectUri = loopbackRedirect();
            String clientId = host.serve(url -> document(url.replace("/client-", "/impersonated-"), redirectUri, BASE_SCOPE));

            AuthorizationPageException refused = catchThrowableOfType(AuthorizationPageException.class,
                    () -> signIn(clientId, redirectUri, BASE_SCOPE));

            assertThat(host.fetches()).as("Keycloak fetched the document").isPositive();
            assertThat(refused).as("an error page, no redirect with a code").isNotNull();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused).hasMessageEndingWith(
                    ": Invalid Client Metadata: client_id property does not exactly match client_id parameter.");
        }
    }

    /** A code goes only to a redirect URI the document lists, exactly: not to another port or path on loopback. */
    @Test
    void aRedirectUriTheDocumentDoesNotListGetsNoRedirect() {
        try (DocumentHost host = DocumentHost.start()) {
            URI listed = loopbackRedirect();
            URI unlisted = URI.create("http://127.0.0.1:" + FreePort.find() + "/callback");
            String clientId = host.serve(url -> document(url, listed, BASE_SCOPE));

            AuthorizationPageException refused = catchThrowableOfType(AuthorizationPageException.class,
                    () -> signIn(clientId, unlisted, BASE_SCOPE));

            assertThat(refused).as("an error page, no redirect with a code").isNotNull();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused).hasMessageEndingWith(": Invalid Client Metadata: redirect_uri parameter does not exactly match"
                    + " the one of redirect_uris property in client metadata.");
        }
    }

    /**
     * As for a self-registered client (ResourceServerContract.Registration), each of these would deliver codes
     * elsewhere. The document executor refuses them (its permitted hosts: loopback, in this demo), before the
     * redirect-URI policy that also holds for these clients is reached.
     */
    static Stream<Arguments> redirectUrisOffLoopback() {
        String otherHost = "Invalid Client ID: domain not allowed.";
        return Stream.of(
                argumentSet("another host over https", "https://attacker.example/callback", otherHost),
                argumentSet("another host over http", "http://attacker.example/callback", otherHost),
                argumentSet("loopback as userinfo before another host",
                        "http://127.0.0.1@attacker.example/callback", otherHost),
                argumentSet("look-alike of localhost under another domain",
                        "http://localhost.attacker.example/callback", otherHost),
                argumentSet("another app's custom scheme",
                        "com.attacker.app:/callback", "Invalid Client ID / Metadata: host unresolved."));
    }

    @ParameterizedTest(name = "{argumentSetName}: {0}")
    @MethodSource("dev.mcpoauth.cookbook.testkit.contract.ClientIdMetadataDocumentTests#redirectUrisOffLoopback")
    void aDocumentListingARedirectUriOffLoopbackGetsNoRedirect(String redirectUri, String refusal) {
        try (DocumentHost host = DocumentHost.start()) {
            String clientId = host.serve(url -> document(url, URI.create(redirectUri), BASE_SCOPE));

            AuthorizationPageException refused = catchThrowableOfType(AuthorizationPageException.class,
                    () -> signIn(clientId, URI.create(redirectUri), BASE_SCOPE));

            assertThat(refused).as("an error page, no redirect with a code").isNotNull();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused).hasMessageEndingWith(": " + refusal);
        }
    }

    /**
     * What a self-registered client may not register (ResourceServerContract.Registration), a document may not get.
     * Keycloak makes the document's {@code scope} its client's optional scopes unchecked; the realm's policy
     * {@code scopes-outside-the-registration-policy} then refuses the authorization request that asks for one:
     * the redirect carries {@code error=invalid_request}, no code.
     */
    static Stream<Arguments> scopesOutsideThePolicy() {
        return Stream.of(
                argumentSet("another resource's scope", "other:api"),
                argumentSet("refresh tokens that outlive the session", "offline_access"));
    }

    @ParameterizedTest(name = "{argumentSetName}: {0}")
    @MethodSource("dev.mcpoauth.cookbook.testkit.contract.ClientIdMetadataDocumentTests#scopesOutsideThePolicy")
    void aScopeOutsideTheRealmsPolicyIsNotGrantedToADocument(String scope) {
        try (DocumentHost host = DocumentHost.start()) {
            URI redirectUri = loopbackRedirect();
            String clientId = host.serve(url -> document(url, redirectUri, BASE_SCOPE + " " + scope));

            Throwable refused = catchThrowable(() -> http.track(signIn(clientId, redirectUri, BASE_SCOPE, scope).accessToken()));

            assertThat(refused).hasMessage("Authorization refused: invalid_request Request not allowed");
        }
    }

    private Tokens signIn(String clientId, URI redirectUri, String... scopes) {
        return AuthorizationCodeFlow.with(server().realm(), clientId).scope(scopes).resource(server().mcpUrl())
                .redirectUri(redirectUri).run(new HeadlessUserAgent(), ALICE);
    }

    private ResourceServerUnderTest server() {
        return server.get();
    }

    /** RFC 8252 section 7.3; the document lists it with its port, and Keycloak matches it exactly. */
    private static URI loopbackRedirect() {
        return URI.create("http://127.0.0.1:" + FreePort.find() + "/callback");
    }

    /** A native MCP client's metadata, as the MCP 2026-07-28 authorization spec shows it. */
    private static Map<String, Object> document(String clientId, URI redirectUri, String scope) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("client_id", clientId);
        document.put("client_name", "contract: a client identified by its metadata document");
        document.put("redirect_uris", List.of(redirectUri.toString()));
        document.put("grant_types", List.of("authorization_code", "refresh_token"));
        document.put("response_types", List.of("code"));
        document.put("token_endpoint_auth_method", "none");
        document.put("scope", scope);
        return document;
    }

    /** Serves one client's metadata document on loopback, at a fresh URL, so each test is a new client to Keycloak. */
    private static final class DocumentHost implements AutoCloseable {

        private final HttpServer server;
        private final AtomicInteger fetches = new AtomicInteger();

        private DocumentHost(HttpServer server) {
            this.server = server;
        }

        static DocumentHost start() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.start();
                return new DocumentHost(server);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Serves the document the function writes for its URL; returns that URL, the client_id. */
        String serve(Function<String, Map<String, Object>> documentFor) {
            String path = "/client-" + UUID.randomUUID() + ".json";
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + path;
            byte[] body = JsonMapper.shared().writeValueAsBytes(documentFor.apply(url));
            server.createContext(path, exchange -> {
                fetches.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            return url;
        }

        int fetches() {
            return fetches.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
