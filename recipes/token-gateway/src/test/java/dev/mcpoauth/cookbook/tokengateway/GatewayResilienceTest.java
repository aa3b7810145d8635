package dev.mcpoauth.cookbook.tokengateway;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CALENDAR_URL;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CONTRACT;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.NOTES_URL;
import static dev.mcpoauth.cookbook.tokengateway.McpRequests.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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

    private static final URI NOTES = GatewayEnvironment.endpoint("notes");
    private static final String WHOAMI = """
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""";
    private static final String PING = """
            {"jsonrpc":"2.0","id":7,"method":"ping"}""";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"resilience-test","version":"1"}}}""";

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
            bearer(token).body(INITIALIZE).when().post(NOTES).then().statusCode(200);
        }

        bearer(token).body(INITIALIZE).when().post(NOTES).then()
                .statusCode(429)
                // 5 per minute refill one every 12 s: the client is told to wait that long, not a whole minute.
                .header("Retry-After", Long::parseLong, allOf(greaterThanOrEqualTo(1L), lessThanOrEqualTo(12L)))
                .body(equalTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
                        + "\"message\":\"Too many requests from this client; slow down\"}}"));
    }

    @Test
    void whileKeycloakIsDownACachedExchangedTokenKeepsServing() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
        String token = login();
        String session = initializedSession(token);
        bearer(token).header("Mcp-Session-Id", session).body(WHOAMI).when().post(NOTES).then().statusCode(200);
        long exchanges = gateway.exchangesPerformed();

        CONTRACT.realm().server().stop();
        try {
            bearer(token).header("Mcp-Session-Id", session).body(WHOAMI).when().post(NOTES).then().statusCode(200);
            assertThat(gateway.exchangesPerformed()).isEqualTo(exchanges);
        } finally {
            CONTRACT.realm().server().start();
        }
    }

    @Test
    void withKeycloakDownATokenDueForRenewalGets503WithRetryAfterRatherThanAHang() throws Exception {
        HandMovedClock clock = new HandMovedClock();
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config(), clock);
        String token = login();
        String session = initializedSession(token);
        bearer(token).header("Mcp-Session-Id", session).body(WHOAMI).when().post(NOTES).then().statusCode(200);

        CONTRACT.realm().server().stop();
        try {
            // The cached token is renewed 10 s before it expires: from then on it needs Keycloak.
            clock.advance(GatewayEnvironment.EXCHANGED_TOKEN_LIFESPAN.minusSeconds(9));

            bearer(token).header("Mcp-Session-Id", session).body(WHOAMI).when().post(NOTES).then()
                    .time(lessThan(6L), TimeUnit.SECONDS) // the exchange times out after 5 s: not a hang
                    .statusCode(503)
                    .header("Retry-After", "5")
                    .body(equalTo("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32603,"
                            + "\"message\":\"The gateway cannot reach its authorization server; try again shortly\"}}"));
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
            URI calendar = GatewayEnvironment.endpoint("calendar");

            bearer(login("calendar", ALICE, "mcp:tools", "calendar:read")).body(PING).when().post(calendar).then()
                    .statusCode(200)
                    .header("Set-Cookie", nullValue());
            bearer(login("calendar", BOB, "mcp:tools", "calendar:read")).body(PING).when().post(calendar).then()
                    .statusCode(200);

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

            bearer(login()).body(PING).when().post(NOTES).then()
                    .statusCode(307)
                    .header("Location", nullValue());

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
    @ParameterizedTest
    @MethodSource("backendErrorAnswers")
    void aBackendsErrorAnswerReachesTheClientOnlyAsAJsonRpcError(int status, String contentType, String backendBody,
                                                                 String expectedBody) throws Exception {
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

            bearer(login()).body(PING).when().post(NOTES).then()
                    .statusCode(status)
                    .header("Content-Type", "application/json")
                    .body(equalTo(expectedBody));
        } finally {
            backend.stop(0);
        }
    }

    /**
     * A backend instance that dies after its headers (SIGKILLed mid-answer, as the scale-out test does) failed
     * the call: 502 as for a backend that cannot be reached, never 500 (the gateway did not fail) and
     * nothing of the half answer.
     */
    @Test
    void aBackendThatStopsMidAnswerGets502WithNothingOfTheHalfAnswer() throws Exception {
        HttpServer backend = misbehavingBackend("/mcp", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Mcp-Session-Id", "half-answer-session");
            exchange.sendResponseHeaders(200, 1_000);
            exchange.getResponseBody().write("{\"jsonrpc\":\"2.0\",\"id\":7,\"res".getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            exchange.close(); // 1000 bytes promised, 29 sent: the connection ends there
        });
        try {
            gateway = GatewayEnvironment.startGateway(GatewayEnvironment.configWith(
                    new Backend("notes", backendUrl(backend, "/mcp"), NOTES_URL.toString())));

            bearer(login()).body(PING).when().post(NOTES).then()
                    .statusCode(502)
                    .header("Content-Type", "application/json")
                    .header("Mcp-Session-Id", nullValue())
                    .body(equalTo("{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,"
                            + "\"message\":\"The MCP server behind the gateway is unreachable\"}}"));
        } finally {
            backend.stop(0);
        }
    }

    /**
     * A backend's tools/list answer on an event stream whose last event never ends with a blank line is filtered
     * all the same: the tool the policy denies is not listed (it was passed on as sent until issue 24).
     */
    @Test
    void anUnendedLastToolsListEventIsFilteredToo() throws Exception {
        HttpServer backend = misbehavingBackend("/mcp", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"tools\":["
                    + "{\"name\":\"whoami\",\"inputSchema\":{\"type\":\"object\"}},"
                    + "{\"name\":\"purge_notes\",\"inputSchema\":{\"type\":\"object\"}}]}}\n")
                    .getBytes(StandardCharsets.UTF_8); // no blank line after the event
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        try {
            gateway = GatewayEnvironment.startGateway(GatewayEnvironment.configWith(
                    new Backend("notes", backendUrl(backend, "/mcp"), NOTES_URL.toString())));

            bearer(login()).body("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}").when().post(NOTES)
                    .then().statusCode(200)
                    .body(allOf(containsString("\"whoami\""), not(containsString("purge_notes"))));
        } finally {
            backend.stop(0);
        }
    }

    static Stream<Arguments> backendErrorAnswers() {
        String wellFormed = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,\"message\":\"Bad Request\"}}";
        return Stream.of(
                argumentSet("a JSON-RPC error, passed on", 400, "application/json", wellFormed, wellFormed),
                argumentSet("a serialized exception", 400, "application/json",
                        "{\"jsonRpcError\":{\"code\":-32601,\"message\":\"Session ID required\"},\"cause\":null,"
                                + "\"stackTrace\":[{\"className\":\"io.modelcontextprotocol.Servlet\"}]}",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
                                + "\"message\":\"The MCP server behind the gateway refused the request\"}}"),
                argumentSet("a JSON-RPC error with a data member", 500, "application/json",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,\"message\":\"x\","
                                + "\"data\":\"java.lang.IllegalStateException at Backend.java:12\"}}",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,"
                                + "\"message\":\"The MCP server behind the gateway failed\"}}"),
                argumentSet("MCP 2026-07-28's unsupported version, its data naming the versions: passed on", 400,
                        "application/json", unsupportedVersion("\"supported\":[\"2026-07-28\"],\"requested\":\"2099-01-01\""),
                        unsupportedVersion("\"supported\":[\"2026-07-28\"],\"requested\":\"2099-01-01\"")),
                argumentSet("an unsupported version whose data carries more than the versions", 400, "application/json",
                        unsupportedVersion("\"supported\":[\"2026-07-28\"],\"requested\":\"x\",\"trace\":\"at Backend.java:12\""),
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
                                + "\"message\":\"The MCP server behind the gateway refused the request\"}}"),
                argumentSet("an HTML error page", 500, "text/html",
                        "<html><body><h2>HTTP ERROR 500 java.lang.NullPointerException</h2></body></html>",
                        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32603,"
                                + "\"message\":\"The MCP server behind the gateway failed\"}}"));
    }

    /** A -32022 error (MCP 2026-07-28, unsupported protocol version) with these members in its data. */
    private static String unsupportedVersion(String data) {
        return "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32022,\"message\":\"Unsupported protocol version\","
                + "\"data\":{" + data + "}}}";
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

    /** A new MCP session at /mcp/notes: its id. */
    private static String initializedSession(String token) {
        return bearer(token).body(INITIALIZE).when().post(NOTES).then().statusCode(200)
                .extract().header("Mcp-Session-Id");
    }
}
