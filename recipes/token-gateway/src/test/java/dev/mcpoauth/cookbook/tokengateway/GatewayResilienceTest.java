package dev.mcpoauth.cookbook.tokengateway;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_URL;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CONTRACT;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_URL;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Limits, outages and misbehaving backends: each test starts its own gateway (fresh rate limits,
 * empty exchange cache).
 */
class GatewayResilienceTest {

    private static final String WHOAMI = """
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""";
    private static final String PING = """
            {"jsonrpc":"2.0","id":7,"method":"ping"}""";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"resilience-test","version":"1"}}}""";

    private final HttpClient http = HttpClient.newHttpClient();
    private TokenGateway gateway;

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.stop();
        }
    }

    @Test
    void theRequestAfterTheLimitGets429WithRetryAfter() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config().withRateLimit(5, Duration.ofMinutes(1)));
        String token = login();

        for (int request = 1; request <= 5; request++) {
            assertThat(post(token, INITIALIZE, null).statusCode()).as("request %d", request).isEqualTo(200);
        }
        HttpResponse<String> limited = post(token, INITIALIZE, null);

        assertThat(limited.statusCode()).isEqualTo(429);
        // 5 per minute refill one every 12 s: the client is told to wait that long, not a whole minute.
        assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 12L);
        assertThat(limited.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
                + "\"message\":\"Too many requests from this client; slow down\"}}");
    }

    @Test
    void whileKeycloakIsDownCachedExchangedTokensServeUntilTheyExpireThenA503() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
        String token = login();
        HttpResponse<String> initialized = post(token, INITIALIZE, null);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        Instant exchangedAt = Instant.now();
        assertThat(post(token, WHOAMI, session).statusCode()).isEqualTo(200);
        long exchanges = gateway.exchangesPerformed();

        CONTRACT.realm().server().stop();
        try {
            assertThat(post(token, WHOAMI, session).statusCode()).isEqualTo(200);
            assertThat(gateway.exchangesPerformed()).isEqualTo(exchanges);

            // The cached token is renewed 10 s before it expires: from then on it needs Keycloak.
            Duration untilRenewal = Duration.between(Instant.now(), exchangedAt
                    .plus(GatewayEnvironment.EXCHANGED_TOKEN_LIFESPAN).minusSeconds(10)).plusSeconds(1);
            Thread.sleep(Math.max(0, untilRenewal.toMillis()));
            Instant asked = Instant.now();
            HttpResponse<String> unavailable = post(token, WHOAMI, session);

            assertThat(Duration.between(asked, Instant.now())).isLessThan(Duration.ofSeconds(6)); // not a hang
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.headers().firstValue("Retry-After")).contains("5");
            assertThat(unavailable.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32603,"
                    + "\"message\":\"The gateway cannot reach its authorization server; try again shortly\"}}");
        } finally {
            CONTRACT.realm().server().start();
        }
    }

    @Test
    void aCookieOneUsersBackendResponseSetsNeverReachesTheClientOrAnotherUsersRequest() throws Exception {
        List<Map<String, List<String>>> received = new CopyOnWriteArrayList<>();
        HttpServer backend = misbehavingBackend("/mcp", exchange -> {
            received.add(Map.copyOf(exchange.getRequestHeaders()));
            exchange.getResponseHeaders().add("Set-Cookie", "backend_session=alice-only; Path=/");
            answer(exchange, 200, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}");
        });
        try {
            gateway = GatewayEnvironment.startGateway(GatewayEnvironment.configWith(
                    new Backend("calendar", backendUrl(backend, "/mcp"), CALENDAR_URL.toString())));

            HttpResponse<String> alices = post("calendar", login("calendar", ALICE, "mcp:tools", "calendar:read"), PING, null);
            HttpResponse<String> bobs = post("calendar", login("calendar", BOB, "mcp:tools", "calendar:read"), PING, null);

            assertThat(alices.statusCode()).isEqualTo(200);
            assertThat(bobs.statusCode()).isEqualTo(200);
            assertThat(alices.headers().map().keySet()).noneMatch(name -> name.equalsIgnoreCase("Set-Cookie"));
            assertThat(received).hasSize(2);
            assertThat(received.get(1).keySet()).noneMatch(name -> name.equalsIgnoreCase("Cookie"));
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void aBackendsRedirectIsNotFollowedSoItsTokenGoesNowhereElse() throws Exception {
        AtomicInteger redirectTargetHits = new AtomicInteger();
        HttpServer backend = misbehavingBackend("/mcp", exchange -> {
            exchange.getResponseHeaders().add("Location", "/elsewhere");
            answer(exchange, 307, "");
        });
        backend.createContext("/elsewhere", exchange -> {
            redirectTargetHits.incrementAndGet();
            answer(exchange, 200, "{}");
        });
        try {
            gateway = GatewayEnvironment.startGateway(GatewayEnvironment.configWith(
                    new Backend("notes", backendUrl(backend, "/mcp"), NOTES_URL.toString())));

            HttpResponse<String> redirected = post("notes", login("notes", ALICE, "mcp:tools"), PING, null);

            assertThat(redirected.statusCode()).isEqualTo(307);
            assertThat(redirected.headers().firstValue("Location")).isEmpty();
            assertThat(redirectTargetHits).hasValue(0);
        } finally {
            backend.stop(0);
        }
    }

    /**
     * What a backend answers with an error status reaches the client as a JSON-RPC error object: a
     * well-formed one as it is, anything else (the MCP SDK's serialized exception, an HTML error page)
     * replaced, keeping the status.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backendErrorAnswers")
    void aBackendsErrorAnswerReachesTheClientOnlyAsAJsonRpcError(String name, int status, String contentType,
                                                                 String backendBody, String expectedBody)
            throws Exception {
        HttpServer backend = misbehavingBackend("/mcp", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = backendBody.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        try {
            gateway = GatewayEnvironment.startGateway(GatewayEnvironment.configWith(
                    new Backend("notes", backendUrl(backend, "/mcp"), NOTES_URL.toString())));

            HttpResponse<String> answer = post("notes", login("notes", ALICE, "mcp:tools"), PING, null);

            assertThat(answer.statusCode()).isEqualTo(status);
            assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(answer.body()).isEqualTo(expectedBody);
        } finally {
            backend.stop(0);
        }
    }

    static Stream<Arguments> backendErrorAnswers() {
        String wellFormed = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,\"message\":\"Bad Request\"}}";
        return Stream.of(
                Arguments.of("a JSON-RPC error, passed on", 400, "application/json", wellFormed, wellFormed),
                Arguments.of("a serialized exception", 400, "application/json",
                        "{\"jsonRpcError\":{\"code\":-32601,\"message\":\"Session ID required\"},\"cause\":null,"
                                + "\"stackTrace\":[{\"className\":\"io.modelcontextprotocol.Servlet\"}]}",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
                                + "\"message\":\"The MCP server behind the gateway refused the request\"}}"),
                Arguments.of("a JSON-RPC error with a data member", 500, "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,\"message\":\"x\","
                                + "\"data\":\"java.lang.IllegalStateException at Backend.java:12\"}}",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,"
                                + "\"message\":\"The MCP server behind the gateway failed\"}}"),
                Arguments.of("an HTML error page", 500, "text/html",
                        "<html><body><h2>HTTP ERROR 500 java.lang.NullPointerException</h2></body></html>",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,"
                                + "\"message\":\"The MCP server behind the gateway failed\"}}"));
    }

    /** A plain loopback HTTP server standing in for a backend that does what an MCP server should not. */
    private static HttpServer misbehavingBackend(String path, HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(path, handler);
        server.start();
        return server;
    }

    private static URI backendUrl(HttpServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static String login() {
        return login("notes", ALICE, "mcp:tools");
    }

    /** A token for {@code /mcp/<backend>}: resource = that URL (RFC 8707). */
    private static String login(String backend, UserCredentials user, String... scopes) {
        return AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope(scopes)
                .resource(GatewayEnvironment.endpoint(backend)).run(new HeadlessUserAgent(), user).accessToken();
    }

    private HttpResponse<String> post(String token, String body, String session) throws Exception {
        return post("notes", token, body, session);
    }

    private HttpResponse<String> post(String backend, String token, String body, String session) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(GatewayEnvironment.endpoint(backend))

                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").timeout(Duration.ofSeconds(30));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
