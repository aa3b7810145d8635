package dev.mcpoauth.cookbook.probe;

import static dev.mcpoauth.cookbook.probe.Level.MUST;
import static dev.mcpoauth.cookbook.probe.Level.SHOULD;

import java.util.List;

/**
 * The five checks of one refused request, on one wire: 401, one Bearer challenge,
 * {@code error="invalid_token"} exactly when a token was sent, {@code resource_metadata} and {@code scope}.
 * The same rules hold on both MCP revisions: authorization is the transport's (MCP Authorization,
 * Token Handling is word for word the same in 2025-11-25 and 2026-07-28).
 */
public record RefusalChecks(String idPrefix, boolean tokenSent, Check status, Check challenge, Check error,
                            Check resourceMetadata, Check scope) {

    static RefusalChecks of(String idPrefix, Step step, boolean tokenSent, boolean audience, String statusRule) {
        return new RefusalChecks(idPrefix, tokenSent,
                new Check(idPrefix + ".status", step, MUST, statusRule,
                        (audience ? "a token for another resource" : tokenSent ? "invalid token" : "no token")
                                + ": 401, never 200 or 5xx"),
                new Check(idPrefix + ".challenge", step, MUST, "RFC 9110 section 11.6.1; RFC 6750 section 3",
                        "the 401 carries exactly one WWW-Authenticate: Bearer challenge, each parameter once"),
                tokenSent
                        ? new Check(idPrefix + ".error", step, SHOULD, "RFC 6750 section 3.1",
                                "error=\"invalid_token\" when the token was refused")
                        : new Check(idPrefix + ".error", step, SHOULD, "RFC 6750 section 3.1",
                                "no error code when the request carried no credentials"),
                new Check(idPrefix + ".resource-metadata", step, SHOULD,
                        "RFC 9728 section 5.1; MCP Protected Resource Metadata Discovery Requirements",
                        "resource_metadata names the protected resource metadata URL"),
                new Check(idPrefix + ".scope", step, SHOULD,
                        "MCP Protected Resource Metadata Discovery Requirements; RFC 6750 section 3",
                        "scope names the scopes to ask for"));
    }

    public List<Check> checks() {
        return List.of(status, challenge, error, resourceMetadata, scope);
    }
}
