package dev.mcpoauth.cookbook.tokengateway.inbound;

import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's {@code WWW-Authenticate: Bearer ...} challenges (RFC 6750 section 3, RFC 9728
 * section 5.1), for both files of the security path: {@link ClientTokenFilter} (the client's token)
 * and {@code forward.GatewayServlet} (a tool's scope, a token Keycloak no longer exchanges). Each names the
 * metadata of the resource the request was sent to ({@code /mcp/<backend>}), whose {@code resource} is
 * that URL (RFC 9728 section 3.3). The body stays empty; every other error answer is a JSON-RPC error
 * ({@code forward.GatewayServlet.JsonRpcErrors}).
 */
public final class BearerChallenges {

    private final GatewayConfig config;

    public BearerChallenges(GatewayConfig config) {
        this.config = config;
    }

    /**
     * For 401 the {@code scope} is the gateway's base scope; for 403 {@code scopes} is what the
     * client must ask for.
     */
    public void bearer(HttpServletResponse response, Backend backend, int status, String error, String description,
                String scopes) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (error != null) {
            parameters.put("error", error);
            parameters.put("error_description", safeForHeader(description));
        }
        parameters.put("resource_metadata", config.resourceMetadataUrl(backend).toString());
        parameters.put("scope", scopes == null ? config.requiredScope() : scopes);
        StringBuilder value = new StringBuilder("Bearer ");
        parameters.forEach((name, text) -> value.append(value.length() > 7 ? ", " : "")
                .append(name).append("=\"").append(text).append('"'));
        response.setStatus(status);
        response.setHeader("WWW-Authenticate", value.toString());
    }

    /** RFC 6750 section 3: error_description uses printable ASCII without quote or backslash. */
    private static String safeForHeader(String text) {
        String cleaned = text == null ? "Invalid token" : text.replaceAll("[^\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) : cleaned;
    }
}
