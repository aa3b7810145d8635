package dev.mcpoauth.cookbook.probe;

/**
 * The MCP revisions the probe speaks, each with its own wire: 2025-11-25 opens a session with
 * {@code initialize} ({@code Mcp-Session-Id}); 2026-07-28 is stateless, every request carrying
 * {@code MCP-Protocol-Version}, {@code Mcp-Method} and its version and capabilities in {@code _meta}
 * (MCP 2026-07-28 Versioning, "Backward Compatibility with Initialization-Based Versions").
 */
public enum Revision {
    MCP_2025_11_25("2025-11-25", "initialize, then Mcp-Session-Id"),
    MCP_2026_07_28("2026-07-28", "stateless: MCP-Protocol-Version, Mcp-Method and _meta on every request");

    private final String version;
    private final String wire;

    Revision(String version, String wire) {
        this.version = version;
        this.wire = wire;
    }

    /** The protocol version string, as in {@code MCP-Protocol-Version}. */
    public String version() {
        return version;
    }

    /** How a request of this revision looks on the wire, in words. */
    public String wire() {
        return wire;
    }
}
