package dev.mcpoauth.cookbook.probe.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Proves the harness with plain HTTP, not through the probe: the peer servers start, the demo authorization server
 * issues real tokens, and each server answers them as its code says it will. The expected answers are what these
 * pinned servers do, observed, not what a compliant server should do; the probe's verdicts on them belong in the
 * probe's own tests.
 */
class PeerServersTest {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    /** A valid MCP initialize request, as a Streamable HTTP client sends it. */
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",\
            "capabilities":{},"clientInfo":{"name":"mcp-oauth-probe peer tests","version":"1.0.0"}}}""";

    /** The minimal resource server: the SDK's requireBearerAuth with requiredScopes mcp:tools and expectedResource. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class MinimalBearer {

        private PeerServer server;

        @BeforeAll
        void start() {
            server = PeerServer.minimalBearer();
        }

        @AfterAll
        void stop() {
            if (server != null) {
                server.close();
            }
        }

        @Test
        void challengesARequestWithoutAToken() throws Exception {
            HttpResponse<String> response = initialize(server, null);

            observe(server, "no token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response)).isEqualTo("Bearer error=\"invalid_token\", error_description=\"Missing"
                    + " Authorization header\", scope=\"mcp:tools\", resource_metadata=\"" + metadataUrl(server) + "\"");
        }

        @Test
        void servesATokenForItsOwnResourceWithTheScope() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"name\":\"minimal-bearer-server\"");
        }

        @Test
        void refusesATokenIssuedForAnotherResource() throws Exception {
            String token = server.authorization().accessToken(otherResource(server), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "other resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response)).isEqualTo("Bearer error=\"invalid_token\", error_description=\"Token was"
                    + " not issued for this resource\", scope=\"mcp:tools\", resource_metadata=\"" + metadataUrl(server) + "\"");
        }

        @Test
        void refusesATokenWithoutTheScope() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), null);

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, no scope", response);
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(challenge(response)).isEqualTo("Bearer error=\"insufficient_scope\", error_description="
                    + "\"Insufficient scope\", scope=\"mcp:tools\", resource_metadata=\"" + metadataUrl(server) + "\"");
        }

        @Test
        void refusesATokenItsAuthorizationServerNeverIssued() throws Exception {
            HttpResponse<String> response = initialize(server, "not-a-token-the-demo-issued");

            observe(server, "garbage token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response)).isEqualTo("Bearer error=\"invalid_token\", error_description=\"Token is"
                    + " not active\", scope=\"mcp:tools\", resource_metadata=\"" + metadataUrl(server) + "\"");
        }
    }

    /** The SDK's example server with --oauth: requiredScopes [] and no expectedResource. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SdkExample {

        private PeerServer server;

        @BeforeAll
        void start() {
            server = PeerServer.sdkExample(false);
        }

        @AfterAll
        void stop() {
            if (server != null) {
                server.close();
            }
        }

        @Test
        void challengesARequestWithoutAToken() throws Exception {
            HttpResponse<String> response = initialize(server, null);

            observe(server, "no token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response)).isEqualTo("Bearer error=\"invalid_token\", error_description=\"Missing"
                    + " Authorization header\", resource_metadata=\"" + metadataUrl(server) + "\"");
        }

        @Test
        void servesATokenForItsOwnResource() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"name\":\"simple-streamable-http-server\"");
        }

        @Test
        void servesATokenIssuedForAnotherResource() throws Exception {
            String token = server.authorization().accessToken(otherResource(server), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "other resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
        }

        @Test
        void servesATokenWithoutAnyScope() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), null);

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, no scope", response);
            assertThat(response.statusCode()).isEqualTo(200);
        }

        @Test
        void answers500ToATokenItsAuthorizationServerNeverIssued() throws Exception {
            HttpResponse<String> response = initialize(server, "not-a-token-the-demo-issued");

            observe(server, "garbage token", response);
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        }
    }

    /** The SDK's example server with --oauth --oauth-strict. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SdkExampleStrict {

        private PeerServer server;

        @BeforeAll
        void start() {
            server = PeerServer.sdkExample(true);
        }

        @AfterAll
        void stop() {
            if (server != null) {
                server.close();
            }
        }

        @Test
        void servesATokenForItsOwnResource() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
        }

        @Test
        void itsAuthorizationServerIssuesNoTokenForAnotherResource() {
            DemoAuthorization.Refused refused = catchThrowableOfType(DemoAuthorization.Refused.class,
                    () -> server.authorization().accessToken(otherResource(server), "mcp:tools"));

            System.out.printf("[peer %s] token request for another resource: %s%n", server.kind(), refused);
            assertThat(refused).isNotNull();
            assertThat(refused.step()).isEqualTo("token");
            assertThat(refused.status()).isEqualTo(500);
        }
    }

    /**
     * The fastmcp framework's server as its README shows one protected by OAuth: the {@code oauth} option's
     * well-known documents, and an {@code authenticate} that throws {@code new Response(null, {status: 401,
     * statusText})}, which fastmcp's transport (mcp-proxy) sends as it is: no WWW-Authenticate, no body, the text only
     * in the status line. Like the README's, authenticate checks neither scope nor audience.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class FastMcp {

        private PeerServer server;

        @BeforeAll
        void start() {
            server = PeerServer.fastmcp();
        }

        @AfterAll
        void stop() {
            if (server != null) {
                server.close();
            }
        }

        @Test
        void refusesARequestWithoutATokenWithoutAChallenge() throws Exception {
            HttpResponse<String> response = initialize(server, null);

            observe(server, "no token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
            assertThat(response.body()).isEmpty();
            assertThat(statusLine(server, null)).isEqualTo("HTTP/1.1 401 Missing or invalid authorization header");
        }

        @Test
        void servesATokenForItsOwnResourceWithTheScope() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Mcp-Session-Id")).isPresent();
            assertThat(response.body()).contains("\"serverInfo\":{\"name\":\"fastmcp-server\",\"version\":\"1.0.0\"}");
        }

        @Test
        void servesATokenIssuedForAnotherResource() throws Exception {
            String token = server.authorization().accessToken(otherResource(server), "mcp:tools");

            HttpResponse<String> response = initialize(server, token);

            observe(server, "other resource, scope mcp:tools", response);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"name\":\"fastmcp-server\"");
        }

        @Test
        void servesATokenWithoutAnyScope() throws Exception {
            String token = server.authorization().accessToken(server.mcpUrl(), null);

            HttpResponse<String> response = initialize(server, token);

            observe(server, "own resource, no scope", response);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"name\":\"fastmcp-server\"");
        }

        @Test
        void refusesATokenItsAuthorizationServerNeverIssuedWithoutAChallenge() throws Exception {
            HttpResponse<String> response = initialize(server, "not-a-token-the-demo-issued");

            observe(server, "garbage token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
            assertThat(response.body()).isEmpty();
            assertThat(statusLine(server, "not-a-token-the-demo-issued")).isEqualTo("HTTP/1.1 401 Invalid OAuth token");
        }

        @Test
        void servesTheSameProtectedResourceMetadataAtThePathAndAtTheRoot() throws Exception {
            String expected = "{\"resource\":\"" + server.mcpUrl() + "\",\"authorization_servers\":[\"" + server.issuer()
                    + "\"],\"scopes_supported\":[\"mcp:tools\"]}";
            for (String path : new String[] {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
                HttpResponse<String> response = get(server, path);

                observe(server, "GET " + path, response);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
                assertThat(response.body()).isEqualTo(expected);
            }
        }

        @Test
        void servesItsAuthorizationServersMetadataOnItsOwnPortUnderTheOtherIssuer() throws Exception {
            HttpResponse<String> response = get(server, "/.well-known/oauth-authorization-server");

            observe(server, "GET /.well-known/oauth-authorization-server", response);
            assertThat(server.issuer()).hasToString("http://localhost:" + server.authPort() + "/");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"issuer\":\"" + server.issuer() + "\",\"authorization_endpoint\":\""
                    + server.issuer() + "authorize\",\"token_endpoint\":\"" + server.issuer() + "token\","
                    + "\"registration_endpoint\":\"" + server.issuer() + "register\",\"response_types_supported\":[\"code\"],"
                    + "\"code_challenge_methods_supported\":[\"S256\"]}");
        }

        @Test
        void challengesAGetWithoutATokenForWantOfASession() throws Exception {
            HttpResponse<String> response = get(server, "/mcp");

            observe(server, "GET /mcp, no token", response);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response)).isEqualTo("Bearer resource_metadata=\"" + metadataUrl(server) + "\","
                    + " error=\"invalid_token\", error_description=\"Unauthorized: No valid session ID provided\"");
            assertThat(response.body()).isEqualTo("{\"error\":{\"code\":-32000,\"message\":\"Unauthorized: No valid"
                    + " session ID provided\"},\"id\":null,\"jsonrpc\":\"2.0\"}");
        }

        private HttpResponse<String> get(PeerServer server, String path) throws IOException, InterruptedException {
            return HTTP.send(HttpRequest.newBuilder(server.mcpUrl().resolve(path)).timeout(Duration.ofSeconds(10)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
        }

        /** The status line of an initialize POST: the only place fastmcp puts the text of a thrown Response. */
        private String statusLine(PeerServer server, String bearerOrNull) throws IOException {
            HttpURLConnection connection = (HttpURLConnection) server.mcpUrl().toURL().openConnection();
            try {
                connection.setRequestMethod("POST");
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json");
                connection.setRequestProperty("Accept", "application/json, text/event-stream");
                if (bearerOrNull != null) {
                    connection.setRequestProperty("Authorization", "Bearer " + bearerOrNull);
                }
                connection.getOutputStream().write(INITIALIZE.getBytes(StandardCharsets.UTF_8));
                connection.getResponseCode();
                return connection.getHeaderField(0);
            } finally {
                connection.disconnect();
            }
        }
    }

    private static URI otherResource(PeerServer server) {
        return URI.create("http://localhost:" + server.mcpPort() + "/other");
    }

    private static String metadataUrl(PeerServer server) {
        return "http://localhost:" + server.mcpPort() + "/.well-known/oauth-protected-resource/mcp";
    }

    private static String challenge(HttpResponse<String> response) {
        assertThat(response.headers().allValues("WWW-Authenticate")).hasSize(1);
        return response.headers().firstValue("WWW-Authenticate").orElseThrow();
    }

    /** A valid MCP initialize request, as a Streamable HTTP client sends it. */
    static HttpResponse<String> initialize(PeerServer server, String bearerOrNull) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.mcpUrl())
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE));
        if (bearerOrNull != null) {
            request.header("Authorization", "Bearer " + bearerOrNull);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One line per answer in the test output, for whoever reads a failure or compares servers. */
    private static void observe(PeerServer server, String what, HttpResponse<String> response) {
        System.out.printf("[peer %s] %s: HTTP %d, WWW-Authenticate: %s, body: %s%n", server.kind(), what,
                response.statusCode(), response.headers().allValues("WWW-Authenticate"),
                response.body().length() > 300 ? response.body().substring(0, 300) + "..." : response.body());
    }
}
