package dev.mcpoauth.cookbook.tokengateway;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The gateway's answers that are not the backend's: bearer challenges and JSON-RPC errors. */
final class Challenges {

    private final GatewayConfig config;

    Challenges(GatewayConfig config) {
        this.config = config;
    }

    /**
     * {@code WWW-Authenticate: Bearer ...} (RFC 6750 section 3, RFC 9728 section 5.1). For 401 the
     * {@code scope} is the gateway's base scope; for 403 {@code scopes} is what the client must ask for.
     */
    void bearer(HttpServletResponse response, int status, String error, String description, String scopes) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (error != null) {
            parameters.put("error", error);
            parameters.put("error_description", safeForHeader(description));
        }
        parameters.put("resource_metadata", config.resourceMetadataUrl().toString());
        parameters.put("scope", scopes == null ? config.requiredScope() : scopes);
        StringBuilder value = new StringBuilder("Bearer ");
        parameters.forEach((name, text) -> value.append(value.length() > 7 ? ", " : "")
                .append(name).append("=\"").append(text).append('"'));
        response.setStatus(status);
        response.setHeader("WWW-Authenticate", value.toString());
    }

    /** A JSON-RPC error response, for the request {@code id} (null when unknown). */
    static void jsonRpcError(HttpServletResponse response, int status, JsonNode id, int code, String message)
            throws IOException {
        ObjectNode body = JsonMapper.shared().createObjectNode();
        body.put("jsonrpc", "2.0");
        if (id != null && !id.isMissingNode()) {
            body.set("id", id);
        }
        body.putObject("error").put("code", code).put("message", message);
        byte[] bytes = JsonMapper.shared().writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** RFC 6750 section 3: error_description uses printable ASCII without quote or backslash. */
    private static String safeForHeader(String text) {
        String cleaned = text == null ? "Invalid token" : text.replaceAll("[^\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) : cleaned;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
