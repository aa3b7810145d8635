package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An MCP connection from {@link McpOAuthClient#connect()}, on whichever protocol revision the server
 * speaks: {@link #revision()} says which. The MCP Java SDK has one client per revision, with their own
 * types, so the few calls most programs need are here for both, and each SDK client is available for
 * the rest ({@link #modernClient()}, {@link #legacyClient()}).
 */
public final class McpConnection implements AutoCloseable {

    /** The MCP revisions this client speaks, newest first: the order it tries them in. */
    public enum Revision {
        /** Stateless: no {@code initialize}, {@code _meta} and {@code MCP-Protocol-Version} on every request. */
        MCP_2026_07_28("2026-07-28"),
        /** Opened with {@code initialize}; the server may keep a session ({@code Mcp-Session-Id}). */
        MCP_2025_11_25("2025-11-25");

        private final String version;

        Revision(String version) {
            this.version = version;
        }

        /** The protocol version string, as on the wire. */
        public String version() {
            return version;
        }
    }

    /** A tool's answer, the same for both revisions: its text content and whether it reports an error. */
    public record ToolResult(String text, boolean isError) {
    }

    private final Revision revision;
    private final io.modelcontextprotocol.modern.client.McpSyncClient modern;
    private final io.modelcontextprotocol.client.McpSyncClient legacy;

    private McpConnection(Revision revision, io.modelcontextprotocol.modern.client.McpSyncClient modern,
            io.modelcontextprotocol.client.McpSyncClient legacy) {
        this.revision = revision;
        this.modern = modern;
        this.legacy = legacy;
    }

    static McpConnection modern(io.modelcontextprotocol.modern.client.McpSyncClient client) {
        return new McpConnection(Revision.MCP_2026_07_28, Objects.requireNonNull(client), null);
    }

    static McpConnection legacy(io.modelcontextprotocol.client.McpSyncClient client) {
        return new McpConnection(Revision.MCP_2025_11_25, null, Objects.requireNonNull(client));
    }

    /** The revision this connection speaks. */
    public Revision revision() {
        return revision;
    }

    /** The names of the server's tools (all pages). */
    public List<String> toolNames() {
        if (modern != null) {
            return modern.listTools().list().tools().stream()
                    .map(io.modelcontextprotocol.modern.McpSchema.Tool::name).toList();
        }
        return legacy.listTools().tools().stream().map(io.modelcontextprotocol.spec.McpSchema.Tool::name).toList();
    }

    /** Calls a tool; authorization, refresh and step-up happen inside, on either revision. */
    public ToolResult callTool(String name, Map<String, Object> arguments) {
        if (modern != null) {
            io.modelcontextprotocol.modern.McpSchema.CallToolResult result = modern.tool(name).arguments(arguments).call();
            return new ToolResult(result.content().stream()
                    .filter(io.modelcontextprotocol.modern.McpSchema.TextContent.class::isInstance)
                    .map(c -> ((io.modelcontextprotocol.modern.McpSchema.TextContent) c).text())
                    .collect(Collectors.joining("\n")), Boolean.TRUE.equals(result.isError()));
        }
        io.modelcontextprotocol.spec.McpSchema.CallToolResult result =
                legacy.callTool(new io.modelcontextprotocol.spec.McpSchema.CallToolRequest(name, arguments));
        return new ToolResult(result.content().stream()
                .filter(io.modelcontextprotocol.spec.McpSchema.TextContent.class::isInstance)
                .map(c -> ((io.modelcontextprotocol.spec.McpSchema.TextContent) c).text())
                .collect(Collectors.joining("\n")), Boolean.TRUE.equals(result.isError()));
    }

    /** The MCP SDK's 2026-07-28 client, when {@link #revision()} is {@link Revision#MCP_2026_07_28}. */
    public Optional<io.modelcontextprotocol.modern.client.McpSyncClient> modernClient() {
        return Optional.ofNullable(modern);
    }

    /** The MCP SDK's 2025-11-25 client (initialized), when {@link #revision()} is {@link Revision#MCP_2025_11_25}. */
    public Optional<io.modelcontextprotocol.client.McpSyncClient> legacyClient() {
        return Optional.ofNullable(legacy);
    }

    /** Ends the 2025-11-25 session, if any; a 2026-07-28 connection holds nothing to close. */
    @Override
    public void close() {
        if (legacy != null) {
            legacy.close();
        }
    }
}
