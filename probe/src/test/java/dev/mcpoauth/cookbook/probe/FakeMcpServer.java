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

    // ---- MCP 2026-07-28: the server speaks both revisions on /mcp, routed by MCP-Protocol-Version. ----
    /** Whether it speaks 2025-11-25 (false: initialize answered 400 -32022 after authorization). */
    boolean speaksLegacy = true;
    /** Whether it speaks 2026-07-28 (false: a stateless request answered 400 without a JSON-RPC error). */
    boolean speaksStateless = true;
    /** server/discover answered without a token. */
    boolean discoverOpen;
    /** Stateless requests are judged (headers, version, method) before the token is. */
    boolean validatesBeforeAuthorization;
    /** The 401s of stateless requests carry no WWW-Authenticate. */
    boolean statelessRefusalWithoutChallenge;
    /** Any Bearer value gets through on the stateless wire (a route the token check forgot). */
    boolean statelessAcceptsAnyToken;
    boolean ignoresMcpMethod;
    boolean ignoresMcpName;
    boolean ignoresProtocolVersionMismatch;
    /** The JSON-RPC code of a header mismatch (-32020 is the spec's). */
    int headerMismatchCode = -32020;
    /** The HTTP status of a header mismatch (400 is the spec's). */
    int headerMismatchStatus = 400;
    /** Whether -32022 carries data.supported and data.requested. */
    boolean unsupportedVersionData = true;
    /** Answers an unsupported version as if it were 2026-07-28. */
    boolean acceptsAnyVersion;
    /** A tools/call of an unknown tool answered 200 with an isError result (as many servers do), not -32602. */
    boolean unknownToolAsResult;
    /** The HTTP status of -32601 (404 is the spec's). */
    int unknownMethodStatus = 404;
    /** The stateless requests received, as "method Mcp-Method Mcp-Name authorized". */
    final List<String> statelessRequests = new CopyOnWriteArrayList<>();
    /** The tools that ran. */
    final List<String> toolsRun = new CopyOnWriteArrayList<>();

    private static final java.util.Set<String> LEGACY_VERSIONS = java.util.Set.of("2024-11-05", "2025-03-26",
            "2025-06-18", "2025-11-25");

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
        if (isStateless(exchange)) {
            Map<String, Object> message = JsonMapper.shared().readValue(body, Map.class);
            statelessRequests.add(message.get("method") + " " + exchange.getRequestHeaders().getFirst("Mcp-Method") + " "
                    + exchange.getRequestHeaders().getFirst("Mcp-Name") + " " + (authorization != null));
            if (validatesBeforeAuthorization && statelessRefusal(exchange, message)) {
                return;
            }
            if ((authorization == null && discoverOpen && "server/discover".equals(message.get("method")))
                    || (authorization != null && statelessAcceptsAnyToken)) {
                answer(exchange, body);
                return;
            }
        }
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
        String value = statelessRefusalWithoutChallenge && isStateless(exchange) ? null
                : challenge != null ? challenge.apply(metadataUrl())
                : "Bearer " + (error == null ? "" : "error=\"" + error + "\", ")
                        + "resource_metadata=\"" + metadataUrl() + "\", scope=\"" + SCOPE + "\"";
        if (value != null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", value);
        }
        send(exchange, 401, "application/json", "{\"error\":\"unauthorized\"}");
    }

    private static boolean isStateless(HttpExchange exchange) {
        String version = exchange.getRequestHeaders().getFirst("MCP-Protocol-Version");
        return version != null && !LEGACY_VERSIONS.contains(version);
    }

    private void answer(HttpExchange exchange, String body) throws IOException {
        if (isStateless(exchange)) {
            stateless(exchange, JsonMapper.shared().readValue(body, Map.class));
        } else if (!speaksLegacy && body.contains("\"initialize\"")) {
            error(exchange, 400, -32022, "Unsupported protocol version 2025-11-25",
                    Map.of("supported", List.of("2026-07-28"), "requested", "2025-11-25"));
        } else {
            legacy(exchange, body);
        }
    }

    /** A refusal the stateless wire requires (header mismatch, unsupported version), sent if due. */
    @SuppressWarnings("unchecked")
    private boolean statelessRefusal(HttpExchange exchange, Map<String, Object> message) throws IOException {
        if (!speaksStateless) {
            // What a server of the initialize era answers: no JSON-RPC error a client would take for a modern one.
            send(exchange, 400, "application/json", "{\"error\":\"Bad Request: No valid session ID provided\"}");
            return true;
        }
        String method = String.valueOf(message.get("method"));
        Map<String, Object> params = (Map<String, Object>) message.getOrDefault("params", Map.of());
        Map<String, Object> meta = (Map<String, Object>) params.getOrDefault("_meta", Map.of());
        String version = exchange.getRequestHeaders().getFirst("MCP-Protocol-Version");
        if (!ignoresMcpMethod && !method.equals(exchange.getRequestHeaders().getFirst("Mcp-Method"))) {
            error(exchange, headerMismatchStatus, headerMismatchCode, "Mcp-Method header does not match the body", null);
            return true;
        }
        if (!ignoresProtocolVersionMismatch && !version.equals(meta.get("io.modelcontextprotocol/protocolVersion"))) {
            error(exchange, headerMismatchStatus, headerMismatchCode, "MCP-Protocol-Version does not match _meta", null);
            return true;
        }
        if (!ignoresMcpName && method.equals("tools/call")
                && !String.valueOf(params.get("name")).equals(exchange.getRequestHeaders().getFirst("Mcp-Name"))) {
            error(exchange, headerMismatchStatus, headerMismatchCode, "Mcp-Name header does not match the body", null);
            return true;
        }
        if (!acceptsAnyVersion && !version.equals("2026-07-28")) {
            error(exchange, 400, -32022, "Unsupported protocol version " + version, unsupportedVersionData
                    ? Map.of("supported", List.of("2026-07-28"), "requested", version) : null);
            return true;
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private void stateless(HttpExchange exchange, Map<String, Object> message) throws IOException {
        if (statelessRefusal(exchange, message)) {
            return;
        }
        Map<String, Object> params = (Map<String, Object>) message.getOrDefault("params", Map.of());
        switch (String.valueOf(message.get("method"))) {
            case "server/discover" -> json(exchange, 200, Map.of("jsonrpc", "2.0", "id", 1, "result", Map.of(
                    "resultType", "complete", "supportedVersions", List.of("2026-07-28"),
                    "capabilities", Map.of("tools", Map.of()))));
            case "tools/list" -> json(exchange, 200, Map.of("jsonrpc", "2.0", "id", 1, "result", Map.of(
                    "resultType", "complete", "tools", List.of(Map.of("name", "whoami"), Map.of("name", "add_note")))));
            case "tools/call" -> {
                String name = String.valueOf(params.get("name"));
                if (List.of("whoami", "add_note").contains(name)) {
                    toolsRun.add(name);
                    json(exchange, 200, Map.of("jsonrpc", "2.0", "id", 1, "result", Map.of("resultType", "complete",
                            "content", List.of(Map.of("type", "text", "text", "ran " + name)))));
                } else if (unknownToolAsResult) {
                    json(exchange, 200, Map.of("jsonrpc", "2.0", "id", 1, "result", Map.of("resultType", "complete",
                            "isError", true, "content", List.of(Map.of("type", "text", "text", "Unknown tool: " + name)))));
                } else {
                    error(exchange, 400, -32602, "Unknown tool: " + name, null);
                }
            }
            default -> error(exchange, unknownMethodStatus, -32601, "Method not found", null);
        }
    }

    private static void error(HttpExchange exchange, int status, int code, String message, Object data) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (data != null) {
            error.put("data", data);
        }
        json(exchange, status, Map.of("jsonrpc", "2.0", "id", 1, "error", error));
    }

    private static void legacy(HttpExchange exchange, String body) throws IOException {
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
