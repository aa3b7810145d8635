package dev.mcpoauth.cookbook.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * An MCP session over plain HTTP: initialize, then {@code tools/call} as fast as the caller likes.
 * Plain HTTP rather than the SDK client, so the load generator adds as little as possible.
 */
final class McpHttpSession {

    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}""";

    private final HttpClient http;
    private final URI endpoint;
    private final String token;
    private final String sessionId;
    private long nextId = 1;

    private McpHttpSession(HttpClient http, URI endpoint, String token, String sessionId) {
        this.http = http;
        this.endpoint = endpoint;
        this.token = token;
        this.sessionId = sessionId;
    }

    /** {@code token} null: no Authorization header (the unauthenticated baseline). */
    static McpHttpSession open(HttpClient http, URI endpoint, String token) throws IOException, InterruptedException {
        HttpResponse<String> initialized = http.send(request(endpoint, token, null, INITIALIZE), HttpResponse.BodyHandlers.ofString());
        if (initialized.statusCode() != 200) {
            throw new IllegalStateException("initialize at " + endpoint + " answered " + initialized.statusCode());
        }
        String sessionId = initialized.headers().firstValue("Mcp-Session-Id").orElse(null);
        http.send(request(endpoint, token, sessionId, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
                HttpResponse.BodyHandlers.discarding());
        return new McpHttpSession(http, endpoint, token, sessionId);
    }

    /** One {@code tools/call}; fails loudly on anything but a result, so a benchmark never times errors. */
    void callTool(String tool) throws IOException, InterruptedException {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + nextId++ + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
                + tool + "\",\"arguments\":{}}}";
        HttpResponse<String> response = http.send(request(endpoint, token, sessionId, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"result\"") || response.body().contains("\"isError\":true")) {
            throw new IllegalStateException("tools/call " + tool + " at " + endpoint + " answered " + response.statusCode());
        }
    }

    private static HttpRequest request(URI endpoint, String token, String sessionId, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (sessionId != null) {
            request.header("Mcp-Session-Id", sessionId);
        }
        return request.build();
    }
}
