package dev.mcpoauth.cookbook.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tools/call} as an MCP 2026-07-28 client sends it: no handshake and no session, each request
 * stands alone with its version and capabilities in {@code params._meta} and the version, method and
 * tool mirrored in headers (Streamable HTTP, "Protocol Version Header" and "Standard Request Headers").
 * Any instance behind a round-robin load balancer can answer it. Plain HTTP, as {@link McpHttpSession}.
 */
final class StatelessMcpCall {

    static final String VERSION = "2026-07-28";
    private static final AtomicLong IDS = new AtomicLong();

    private StatelessMcpCall() {
    }

    /**
     * The connect link a tool answers with while the user's upstream account is not connected: the tool error a
     * client that declares no {@code elicitation.url} capability gets ({@code structuredContent.connect_url}).
     */
    static URI connectLink(HttpClient http, URI endpoint, String token, String tool) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(endpoint, token, tool), HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        int data = body.indexOf('{');
        JsonNode message = JsonMapper.shared().readTree(body.substring(Math.max(0, data)).split("\n")[0]);
        String link = message.path("result").path("structuredContent").path("connect_url").asString("");
        if (response.statusCode() != 200 || link.isEmpty()) {
            throw new IllegalStateException("tools/call " + tool + " at " + endpoint + " gave no connect link: " + response.statusCode());
        }
        return URI.create(link);
    }

    /** One {@code tools/call}; fails loudly on anything but a tool result, so a benchmark never times errors. */
    static void callTool(HttpClient http, URI endpoint, String token, String tool) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(endpoint, token, tool), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"result\"") || response.body().contains("\"isError\":true")) {
            throw new IllegalStateException("tools/call " + tool + " (MCP " + VERSION + ") at " + endpoint + " answered "
                    + response.statusCode());
        }
    }

    private static HttpRequest request(URI endpoint, String token, String tool) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + IDS.incrementAndGet() + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
                + tool + "\",\"arguments\":{},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"" + VERSION
                + "\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}";
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", VERSION).header("Mcp-Method", "tools/call").header("Mcp-Name", tool)
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return request;
    }
}
