package dev.mcpoauth.cookbook.testkit.mcp;

import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import java.net.URI;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The MCP Java SDK's MCP 2026-07-28 client ({@code io.modelcontextprotocol.modern.client}, SDK 2.2.0),
 * sending {@code Authorization: Bearer} on every request. No handshake: each request stands alone.
 * A 401 or 403 comes back as {@link McpHttpStatusException}, since no authorization error handler is set.
 */
public final class Mcp2026TestClient {

    private Mcp2026TestClient() {
    }

    /** A client for this URL; nothing is sent until the first request. */
    public static McpSyncClient connect(URI mcpUrl, Supplier<String> accessToken) {
        HttpClientMcpTransport transport = HttpClientMcpTransport.builder(mcpUrl)
                .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                        headers.set("Authorization", "Bearer " + accessToken.get())))
                .build();
        return McpClient.sync(transport)
                .clientInfo(McpSchema.Implementation.builder("mcp-oauth-cookbook-contract", "1").build())
                .build();
    }

    /** The HTTP status behind an SDK exception, if that is what it was. */
    public static Optional<McpHttpStatusException> httpFailure(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof McpHttpStatusException failure) {
                return Optional.of(failure);
            }
        }
        return Optional.empty();
    }
}
