package dev.mcpoauth.cookbook.probe;

/** The steps of the walk, in the order a compliant MCP client takes them. */
public enum Step {
    UNAUTHENTICATED("Request without a token", Revision.MCP_2025_11_25),
    RESOURCE_METADATA("Protected resource metadata (RFC 9728)", null),
    AUTHORIZATION_SERVER("Authorization server discovery (RFC 8414, OpenID Connect Discovery)", null),
    REGISTRATION("Dynamic client registration (RFC 7591, RFC 7592), with --register", null),
    FORGED_TOKENS("Forged tokens (non-destructive negative checks)", Revision.MCP_2025_11_25),
    AUDIENCE("Audience: a real token issued for another resource, with --foreign-token (RFC 8707)", Revision.MCP_2025_11_25),
    REAL_TOKEN("The token given with --token", Revision.MCP_2025_11_25),
    REVISIONS("MCP revisions the server speaks", null),
    STATELESS_WIRE("The 2026-07-28 wire: the refusals again, header/body agreement, versions, methods",
            Revision.MCP_2026_07_28);

    private final String title;
    private final Revision wire;

    Step(String title, Revision wire) {
        this.title = title;
        this.wire = wire;
    }

    public String title() {
        return title;
    }

    /** The wire this step's MCP requests go over, or null for a step of plain HTTP GETs and OAuth requests. */
    public Revision wire() {
        return wire;
    }
}
