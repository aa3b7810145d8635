package dev.mcpoauth.cookbook.probe;

/** The steps of the walk, in the order a compliant MCP client takes them. */
public enum Step {
    UNAUTHENTICATED("Request without a token"),
    RESOURCE_METADATA("Protected resource metadata (RFC 9728)"),
    AUTHORIZATION_SERVER("Authorization server discovery (RFC 8414, OpenID Connect Discovery)"),
    REGISTRATION("Dynamic client registration (RFC 7591, RFC 7592), with --register"),
    FORGED_TOKENS("Forged tokens (non-destructive negative checks)"),
    AUDIENCE("Audience: a real token issued for another resource, with --foreign-token (RFC 8707)"),
    REAL_TOKEN("The token given with --token");

    private final String title;

    Step(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }
}
