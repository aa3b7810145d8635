package dev.mcpoauth.cookbook.testkit.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The real MCP Java SDK client over Streamable HTTP, sending {@code Authorization: Bearer} on every
 * request (MCP authorization spec, "Token Requirements"). The token comes from a supplier, so a
 * test can step up (swap in a token with more scopes) on the same connection.
 */
public final class McpTestClient {

    private McpTestClient() {
    }

    /** Connects and runs {@code initialize}. Close the client when done. */
    public static McpSyncClient connect(URI mcpUrl, Supplier<String> accessToken) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder(mcpUrl.resolve("/").toString())
                .endpoint(mcpUrl.getPath())
                .addHttpRequestCustomizer((request, method, uri, body, context) ->
                        request.header("Authorization", "Bearer " + accessToken.get()))
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        try {
            client.initialize();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** The HTTP 401/403 behind an SDK exception, if that is what it was. */
    public static Optional<McpHttpClientTransportAuthorizationException> authorizationFailure(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof McpHttpClientTransportAuthorizationException failure) {
                return Optional.of(failure);
            }
        }
        return Optional.empty();
    }
}
