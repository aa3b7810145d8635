package dev.mcpoauth.cookbook.probe.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",\
                        "capabilities":{},"clientInfo":{"name":"mcp-oauth-probe peer tests","version":"1.0.0"}}}"""));
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
