package dev.mcpoauth.cookbook.testkit.mcp;

import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpAuthorizationErrorHandler;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.modern.client.transport.McpHttpResponseInfo;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import java.net.URI;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The MCP Java SDK's MCP 2026-07-28 client ({@code io.modelcontextprotocol.modern.client}, SDK 2.2.0),
 * sending {@code Authorization: Bearer} on every request. No handshake: each request stands alone.
 * A 401 or 403 comes back as {@link McpHttpStatusException}, unless a handler asks for a retry.
 */
public final class Mcp2026TestClient {

    private Mcp2026TestClient() {
    }

    /** A client for this URL; nothing is sent until the first request. */
    public static McpSyncClient connect(URI mcpUrl, Supplier<String> accessToken) {
        return build(HttpClientMcpTransport.builder(mcpUrl), accessToken);
    }

    /**
     * The same, with the SDK's hook for a 401 or 403: {@code onRefusal} gets the answer's status and
     * headers, puts a new token in place and returns true, and the SDK sends the same request again (once).
     */
    public static McpSyncClient connect(URI mcpUrl, Supplier<String> accessToken, Predicate<McpHttpResponseInfo> onRefusal) {
        return build(HttpClientMcpTransport.builder(mcpUrl).authorizationErrorHandler(
                McpHttpAuthorizationErrorHandler.fromSync((request, response, context) -> onRefusal.test(response))), accessToken);
    }

    private static McpSyncClient build(HttpClientMcpTransport.Builder transport, Supplier<String> accessToken) {
        transport.requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                headers.set("Authorization", "Bearer " + accessToken.get())));
        return McpClient.sync(transport.build())
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
