package dev.mcpoauth.cookbook.keycloakdcr;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tiny MCP server plus authorization server on loopback whose metadata a test makes hostile:
 * {@code /mcp} answers 401 pointing at its RFC 9728 document, which names this same origin as the
 * authorization server, whose RFC 8414 document the test edits. Records every path requested, so a
 * test can prove a refused URL was never fetched.
 */
final class HostileServer implements AutoCloseable {

    private final HttpServer http;
    private final String origin;
    private final Map<String, Object> resourceMetadata = new LinkedHashMap<>();
    private final Map<String, Object> serverMetadata = new LinkedHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile java.util.function.UnaryOperator<Map<String, String>> authorizationResponse = params -> params;
    private volatile int tokenEndpointStatus = 200;
    private volatile int mcpStatus = 401;
    private volatile Map<String, Object> tokenAnswer;

    HostileServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin = "http://localhost:" + http.getAddress().getPort();
        resourceMetadata.put("resource", origin + "/mcp");
        resourceMetadata.put("authorization_servers", List.of(origin));
        serverMetadata.put("issuer", origin);
        serverMetadata.put("authorization_endpoint", origin + "/authorize");
        serverMetadata.put("token_endpoint", origin + "/token");
        serverMetadata.put("registration_endpoint", origin + "/register");
        serverMetadata.put("response_types_supported", List.of("code"));
        serverMetadata.put("code_challenge_methods_supported", List.of("S256"));
        http.createContext("/", this::handle);
        http.start();
    }

    String mcpUrl() {
        return origin + "/mcp";
    }

    String origin() {
        return origin;
    }

    HostileServer resourceMetadata(Consumer<Map<String, Object>> edit) {
        edit.accept(resourceMetadata);
        return this;
    }

    HostileServer serverMetadata(Consumer<Map<String, Object>> edit) {
        edit.accept(serverMetadata);
        return this;
    }

    /**
     * {@code /authorize} approves at once, redirecting with {@code code}, the request's {@code state} and
     * {@code iss} = this origin; {@code edit} changes those parameters first (a mix-up or CSRF attempt).
     */
    HostileServer authorizationResponse(java.util.function.UnaryOperator<Map<String, String>> edit) {
        this.authorizationResponse = edit;
        return this;
    }

    /** 200 issues a token (which {@code /mcp} still refuses); anything else is a broken token endpoint. */
    HostileServer tokenEndpointStatus(int status) {
        this.tokenEndpointStatus = status;
        return this;
    }

    /** What {@code /token} answers with 200 instead of an ordinary access token (an enterprise IdP's answer, say). */
    HostileServer tokenAnswer(Map<String, Object> answer) {
        this.tokenAnswer = answer;
        return this;
    }

    /** 401 (default) challenges every MCP request; 403 refuses it without a challenge. */
    HostileServer mcpStatus(int status) {
        this.mcpStatus = status;
        return this;
    }

    List<String> requestedPaths() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        switch (path) {
            case "/mcp" -> {
                if (mcpStatus == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate",
                            "Bearer resource_metadata=\"" + origin + "/.well-known/oauth-protected-resource/mcp\"");
                }
                send(exchange, mcpStatus, "");
            }
            case "/authorize" -> {
                Map<String, String> query = new LinkedHashMap<>();
                for (String pair : exchange.getRequestURI().getRawQuery().split("&")) {
                    String[] kv = pair.split("=", 2);
                    query.put(kv[0], java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
                }
                Map<String, String> response = new LinkedHashMap<>();
                response.put("code", "hostile-code");
                response.put("state", query.get("state"));
                response.put("iss", origin);
                StringBuilder location = new StringBuilder(query.get("redirect_uri")).append('?');
                authorizationResponse.apply(response).forEach((k, v) -> location.append(k).append('=')
                        .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
                exchange.getResponseHeaders().set("Location", location.toString());
                send(exchange, 302, "");
            }
            case "/.well-known/oauth-protected-resource/mcp" -> send(exchange, 200, json(resourceMetadata));
            case "/.well-known/oauth-authorization-server" -> send(exchange, 200, json(serverMetadata));
            case "/token" -> send(exchange, tokenEndpointStatus, tokenEndpointStatus != 200 ? ""
                    : tokenAnswer != null ? json(tokenAnswer)
                    : json(Map.of("access_token", "hostile-access-token", "token_type", "Bearer", "expires_in", 300,
                            "refresh_token", "hostile-refresh-token")));
            case "/register" -> send(exchange, 201, json(Map.of("client_id", "hostile-client",
                    "redirect_uris", List.of("http://127.0.0.1/callback"), "token_endpoint_auth_method", "none")));
            default -> send(exchange, 404, "");
        }
    }

    private static String json(Map<String, Object> map) {
        return JsonMapper.shared().writeValueAsString(map);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
