package dev.mcpoauth.cookbook.multiuserstore;

import jakarta.inject.Singleton;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The {@code WWW-Authenticate: Bearer} answers of RFC 6750 section 3, with the parameters the MCP
 * authorization spec adds: {@code resource_metadata} (RFC 9728 section 5.1), pinned to the configured
 * public URL and never derived from a spoofable Host header, and {@code scope}, what to ask the
 * authorization server for. Descriptions are fixed texts: a token is never echoed.
 */
@Singleton
final class BearerChallenge {

    private final String resourceMetadata;
    private final String baseScope;

    BearerChallenge(McpConfiguration mcp) {
        this.resourceMetadata = mcp.resourceMetadataUrl().toString();
        this.baseScope = mcp.requiredScope();
    }

    /** RFC 6750 section 3.1: no error code when the request carried no credentials. */
    void noToken(HttpServletResponse response) {
        write(response, HttpServletResponse.SC_UNAUTHORIZED,
                param("resource_metadata", resourceMetadata), param("scope", baseScope));
    }

    /** 401 {@code invalid_token}: malformed, expired, wrongly signed, or issued for someone else. */
    void invalidToken(HttpServletResponse response, String description) {
        write(response, HttpServletResponse.SC_UNAUTHORIZED,
                param("error", "invalid_token"), param("error_description", description),
                param("resource_metadata", resourceMetadata), param("scope", baseScope));
    }

    /**
     * 403 {@code insufficient_scope} with every scope the request needs (MCP "Scope Challenge
     * Handling"), so the client can step up: ask again with them and retry.
     */
    void insufficientScope(HttpServletResponse response, String neededScopes) {
        write(response, HttpServletResponse.SC_FORBIDDEN,
                param("error", "insufficient_scope"),
                param("error_description", "This request needs scope: " + neededScopes),
                param("resource_metadata", resourceMetadata), param("scope", neededScopes));
    }

    private static String param(String name, String value) {
        return name + "=\"" + value + "\"";
    }

    private static void write(HttpServletResponse response, int status, String... parameters) {
        response.setStatus(status);
        response.setHeader("WWW-Authenticate", "Bearer " + String.join(", ", parameters));
    }
}
