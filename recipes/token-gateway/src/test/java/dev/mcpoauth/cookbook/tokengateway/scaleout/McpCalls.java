package dev.mcpoauth.cookbook.tokengateway.scaleout;

import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The MCP requests the scale-out tests send, over plain HTTP: what came back, and which instance answered. */
final class McpCalls {

    static final String MODERN = "2026-07-28";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"scale-out-test","version":"1"}}}""";
    private static final String WHOAMI = """
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""";
    /** whoami's answer names the user, in its structured content and (escaped) in its text. */
    private static final Pattern USERNAME = Pattern.compile("username\\\\?\":\\s*\\\\?\"([^\"\\\\]+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private McpCalls() {
    }

    /**
     * @param status   the HTTP status
     * @param instance the front instance that answered (the load balancer's header), or null past it
     * @param session  the {@code Mcp-Session-Id} answered, or null
     */
    record Answer(int status, String instance, String session, String body) {

        /** Every user name the answer mentions. */
        Set<String> usernames() {
            Set<String> names = new LinkedHashSet<>();
            Matcher matcher = USERNAME.matcher(body);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
            return names;
        }
    }

    /** An MCP 2026-07-28 {@code tools/call} of whoami: no session, any instance may answer. */
    static Answer modernWhoami(URI endpoint, String token) throws IOException, InterruptedException {
        ObjectNode request = JsonMapper.shared().createObjectNode().put("jsonrpc", "2.0").put("id", 7)
                .put("method", "tools/call");
        ObjectNode params = request.putObject("params").put("name", "whoami");
        params.putObject("arguments");
        ObjectNode meta = params.putObject("_meta");
        meta.put(MetaKeys.PROTOCOL_VERSION, MODERN);
        meta.putObject(MetaKeys.CLIENT_CAPABILITIES);
        return post(endpoint, token, Map.of("MCP-Protocol-Version", MODERN, "Mcp-Method", "tools/call",
                "Mcp-Name", "whoami"), JsonMapper.shared().writeValueAsString(request));
    }

    /** An MCP 2025-11-25 initialize: the answer carries the new session's id. */
    static Answer initialize(URI endpoint, String token) throws IOException, InterruptedException {
        return post(endpoint, token, Map.of(), INITIALIZE);
    }

    /** An MCP 2025-11-25 {@code tools/call} of whoami in {@code session}. */
    static Answer legacyWhoami(URI endpoint, String token, String session) throws IOException, InterruptedException {
        return post(endpoint, token, Map.of("Mcp-Session-Id", session), WHOAMI);
    }

    private static Answer post(URI endpoint, String token, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue(LoadBalancer.SERVED_BY).orElse(null),
                response.headers().firstValue("Mcp-Session-Id").orElse(null), response.body());
    }
}
