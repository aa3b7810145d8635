package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The probe's only way onto the network: GETs for metadata and POSTs of MCP JSON-RPC messages, and with
 * {@code --register} one client registration and its deletion; with timeouts, never following redirects
 * (a client must not be led elsewhere silently). Token values go into the Authorization header only,
 * never into a URL or the report.
 */
public final class ProbeHttp {

    /** The message a client sends first (MCP lifecycle); a protected server must refuse it without a token. */
    public static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"mcp-oauth-probe\",\"version\":\"1\"}}}";
    public static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    public static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    private final HttpClient client;
    private final Duration timeout;

    public ProbeHttp(HttpClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    public static ProbeHttp withTimeout(Duration timeout) {
        return new ProbeHttp(HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build(), timeout);
    }

    public ProbeResponse get(URI uri, Map<String, String> headers) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET()
                .header("Accept", "application/json");
        headers.forEach(request::header);
        return send(request);
    }

    /**
     * POSTs a JSON-RPC message to the MCP endpoint as Streamable HTTP does.
     *
     * @param authorization the whole Authorization header value, or null for none
     */
    public ProbeResponse postMcp(URI mcpUrl, String authorization, String message, Map<String, String> headers)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(mcpUrl).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(message));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        headers.forEach(request::header);
        return send(request);
    }

    /** POSTs a JSON document without credentials (an RFC 7591 registration request). */
    public ProbeResponse postJson(URI uri, String json) throws IOException {
        return send(HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /**
     * DELETEs {@code uri} (RFC 7592 section 2.3).
     *
     * @param authorization the whole Authorization header value
     */
    public ProbeResponse delete(URI uri, String authorization) throws IOException {
        return send(HttpRequest.newBuilder(uri).timeout(timeout).DELETE().header("Authorization", authorization));
    }

    private ProbeResponse send(HttpRequest.Builder request) throws IOException {
        try {
            return ProbeResponse.of(client.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
