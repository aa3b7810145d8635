package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.keycloakdcr.McpConnection.Revision;

/**
 * The MCP revision a test runs its client on, so that each OAuth behaviour is proven on both: the
 * client's default (2026-07-28 first, found by its probe) and 2025-11-25 alone (initialize).
 */
enum Wire {
    /** The default: 2026-07-28 first; against the demo server, which speaks both, it stays there. */
    MCP_2026_07_28_FIRST(null),
    /** 2025-11-25 only: the SDK's legacy client and transport, with the same OAuth hooks. */
    MCP_2025_11_25_ONLY(Revision.MCP_2025_11_25);

    private final Revision pinned;

    Wire(Revision pinned) {
        this.pinned = pinned;
    }

    /** A client builder for {@code url} on this wire. */
    McpOAuthClient.Builder client(String url) {
        McpOAuthClient.Builder builder = McpOAuthClient.builder(url);
        return pinned == null ? builder : builder.revision(pinned);
    }

    /** The revision a connection on this wire uses against a server that speaks both. */
    Revision expected() {
        return pinned == null ? Revision.MCP_2026_07_28 : pinned;
    }
}
