package dev.mcpoauth.cookbook.probe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * An MCP server and its authorization server on one loopback port, compliant by default. Each test
 * breaks one thing through the public fields and checks that the probe reports exactly that.
 */
final class FakeMcpServer implements AutoCloseable {

    static final String GOOD_TOKEN = "good-opaque-token-0123456789";
    static final String SCOPE = "mcp:tools";
    /** What the registration endpoint returns (RFC 7591, RFC 7592); the secrets must never be printed. */
    static final String CLIENT_ID = "registered-client-1";
    static final String CLIENT_SECRET = "client-secret-must-not-be-printed";
    static final String REGISTRATION_ACCESS_TOKEN = "registration-access-token-must-not-be-printed";

    /** 200 to a request without a token. */
    boolean openWithoutToken;
    /** The WWW-Authenticate of every 401, given the metadata URL; null for the compliant one. */
    java.util.function.Function<String, String> challenge;
    boolean serveWellKnownMetadata = true;
    /** Whether the root well-known URL serves the MCP path's metadata too. */
    boolean serveRootMetadata = true;
    /** The resource member of the metadata; null for the MCP URL. */
    String metadataResource;
    /** Changes the protected resource metadata before it is served. */
    Consumer<Map<String, Object>> resourceMetadata = metadata -> { };
    /** Changes the authorization server metadata before it is served. */
    Consumer<Map<String, Object>> authorizationServerMetadata = metadata -> { };
    /** Status for a Bearer value that is not a JWT (500: a server that crashes on it). */
    int garbageTokenStatus = 401;
    boolean acceptsAlgNone;
    /** The well-known URL the authorization server metadata is served at, relative to the origin. */
    String asMetadataPath = "/.well-known/oauth-authorization-server";
    /** The issuer path (empty: the origin). */
    String issuerPath = "";
    /** 403 insufficient_scope for tools/list even with the good token. */
    boolean toolsListNeedsMoreScope;
    /** More tokens the server knows, with the status it answers each: 200, 401 invalid_token or 403 insufficient_scope. */
    final Map<String, Integer> knownTokens = new java.util.concurrent.ConcurrentHashMap<>();
    /** Tokens answered 403 with the given WWW-Authenticate ("" for none). */
    final Map<String, String> forbiddenTokens = new java.util.concurrent.ConcurrentHashMap<>();
    /** A 401's error_description repeats the token it refused (a server that echoes the bearer value). */
    boolean echoesTheTokenInItsChallenge;
    /** The root well-known URL answers with a catch-all HTML page (200 text/html). */
    boolean rootServesAnHtmlPage;
    /** The registration endpoint's status: 201 registers; anything else answers registrationError. */
    int registrationStatus = 201;
    Map<String, Object> registrationError = Map.of();
    /** Whether a registration answer carries RFC 7592's registration_access_token and registration_client_uri. */
    boolean registrationManagement = true;
    /** The bodies POSTed to the registration endpoint, and the Authorization headers of DELETEs of the client. */
    final List<String> registrationRequests = new CopyOnWriteArrayList<>();
    final List<String> deleteAuthorizations = new CopyOnWriteArrayList<>();

    private final HttpServer server;

    FakeMcpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI origin() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    URI mcpUrl() {
        return URI.create(origin() + "/mcp");
    }

    String metadataUrl() {
        return origin() + "/.well-known/oauth-protected-resource/mcp";
    }

    String issuer() {
        return origin() + issuerPath;
    }

    String registrationClientUri() {
        return issuer() + "/register/" + CLIENT_ID;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/mcp") && exchange.getRequestMethod().equals("POST")) {
                mcp(exchange);
            } else if (rootServesAnHtmlPage && path.equals("/.well-known/oauth-protected-resource")) {
                send(exchange, 200, "text/html", "<html><body>Welcome</body></html>");
            } else if (serveWellKnownMetadata && (path.equals("/.well-known/oauth-protected-resource/mcp")
                    || (serveRootMetadata && path.equals("/.well-known/oauth-protected-resource")))) {
                Map<String, Object> metadata = new LinkedHashMap<>();
                metadata.put("resource", metadataResource != null ? metadataResource : mcpUrl().toString());
                metadata.put("authorization_servers", List.of(issuer()));
                metadata.put("scopes_supported", List.of(SCOPE));
                metadata.put("bearer_methods_supported", List.of("header"));
                resourceMetadata.accept(metadata);
                exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
                json(exchange, 200, metadata);
            } else if (path.equals(asMetadataPath)) {
                Map<String, Object> metadata = new LinkedHashMap<>();
                metadata.put("issuer", issuer());
                metadata.put("authorization_endpoint", issuer() + "/authorize");
                metadata.put("token_endpoint", issuer() + "/token");
                metadata.put("registration_endpoint", issuer() + "/register");
                metadata.put("code_challenge_methods_supported", List.of("S256"));
                metadata.put("client_id_metadata_document_supported", true);
                metadata.put("authorization_response_iss_parameter_supported", true);
                authorizationServerMetadata.accept(metadata);
                json(exchange, 200, metadata);
            } else if (path.equals(issuerPath + "/register") && exchange.getRequestMethod().equals("POST")) {
                register(exchange);
            } else if (URI.create(registrationClientUri()).getPath().equals(path)
                    && exchange.getRequestMethod().equals("DELETE")) {
                deleteAuthorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                send(exchange, 204, "application/json", "");
            } else {
                send(exchange, 404, "text/plain", "not found");
            }
        }
    }

    private void register(HttpExchange exchange) throws IOException {
        registrationRequests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (registrationStatus != 201) {
            json(exchange, registrationStatus, registrationError);
            return;
        }
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("client_id", CLIENT_ID);
        client.put("client_secret", CLIENT_SECRET); // some servers issue one even to a client that asked for "none"
        if (registrationManagement) {
            client.put("registration_access_token", REGISTRATION_ACCESS_TOKEN);
            client.put("registration_client_uri", registrationClientUri());
        }
        json(exchange, 201, client);
    }

    private void mcp(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            if (openWithoutToken) {
                answer(exchange, body);
            } else {
                unauthorized(exchange, null);
            }
            return;
        }
        String token = authorization.substring("Bearer ".length());
        if (token.equals(GOOD_TOKEN)) {
            if (toolsListNeedsMoreScope && body.contains("tools/list")) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\""
                        + SCOPE + " mcp:admin\", resource_metadata=\"" + metadataUrl() + "\"");
                send(exchange, 403, "application/json", "{}");
                return;
            }
            answer(exchange, body);
            return;
        }
        if (forbiddenTokens.containsKey(token)) {
            if (!forbiddenTokens.get(token).isEmpty()) {
                exchange.getResponseHeaders().add("WWW-Authenticate", forbiddenTokens.get(token));
            }
            send(exchange, 403, "application/json", "{}");
            return;
        }
        if (echoesTheTokenInItsChallenge) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"unknown"
                    + " token " + token + "\", resource_metadata=\"" + metadataUrl() + "\", scope=\"" + SCOPE + "\"");
            send(exchange, 401, "application/json", "{}");
            return;
        }
        Integer known = knownTokens.get(token);
        if (known != null && known == 403) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\""
                    + SCOPE + "\", resource_metadata=\"" + metadataUrl() + "\"");
            send(exchange, 403, "application/json", "{}");
            return;
        } else if (known != null && known == 200) {
            answer(exchange, body);
            return;
        } else if (known != null) {
            unauthorized(exchange, "invalid_token");
            return;
        }
        String header = headerOf(token);
        if (header == null && garbageTokenStatus != 401) {
            send(exchange, garbageTokenStatus, "text/plain", "java.lang.IllegalArgumentException: Invalid JWT serialization");
        } else if (header != null && header.contains("\"none\"") && acceptsAlgNone) {
            answer(exchange, body);
        } else {
            unauthorized(exchange, "invalid_token");
        }
    }

    private void unauthorized(HttpExchange exchange, String error) throws IOException {
        String value = challenge != null ? challenge.apply(metadataUrl())
                : "Bearer " + (error == null ? "" : "error=\"" + error + "\", ")
                        + "resource_metadata=\"" + metadataUrl() + "\", scope=\"" + SCOPE + "\"";
        if (value != null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", value);
        }
        send(exchange, 401, "application/json", "{\"error\":\"unauthorized\"}");
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        if (body.contains("notifications/")) {
            send(exchange, 202, "application/json", "");
        } else if (body.contains("tools/list")) {
            send(exchange, 200, "application/json",
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"whoami\"},{\"name\":\"add_note\"}]}}");
        } else {
            exchange.getResponseHeaders().add("Mcp-Session-Id", "session-1");
            send(exchange, 200, "text/event-stream", "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":"
                    + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"serverInfo\":{\"name\":\"fake\",\"version\":\"1\"}}}\n\n");
        }
    }

    /** The JOSE header of a JWT-shaped token, or null if it is not one. */
    private static String headerOf(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
            return header.startsWith("{") ? header : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void json(HttpExchange exchange, int status, Object value) throws IOException {
        send(exchange, status, "application/json", JsonMapper.shared().writeValueAsString(value));
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
