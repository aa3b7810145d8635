package dev.mcpoauth.cookbook.testkit.contract;

import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The MCP revision a hand-made request is written in. The contract sends each wire-independent
 * request (a refused token, a missing scope, a body a filter could misread) in both, so that every
 * refusal is proven on both wires.
 */
enum Wire {

    /** MCP 2025-11-25: {@code initialize} opens a session, the body is the plain JSON-RPC request. */
    MCP_2025_11_25("2025-11-25"),

    /**
     * MCP 2026-07-28: stateless. Every request carries its version and the client's capabilities in
     * {@code params._meta}, and mirrors the version, the method and the tool's name in headers
     * (Streamable HTTP, "Protocol Version Header" and "Standard Request Headers").
     */
    MCP_2026_07_28("2026-07-28");

    static final String SERVER_DISCOVER = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{}}";

    final String version;

    Wire(String version) {
        this.version = version;
    }

    @Override
    public String toString() {
        return version;
    }

    /** What a client of this revision sends first: {@code initialize}, or {@code server/discover}. */
    String firstRequest() {
        return this == MCP_2025_11_25 ? ContractHttp.INITIALIZE : SERVER_DISCOVER;
    }

    /** The JSON-RPC request as this revision writes it: 2025-11-25 as it is, 2026-07-28 with its {@code _meta}. */
    String body(String request) {
        if (this == MCP_2025_11_25) {
            return request;
        }
        ObjectNode message = (ObjectNode) JsonMapper.shared().readTree(request);
        ObjectNode params = message.has("params") ? (ObjectNode) message.get("params") : message.putObject("params");
        ObjectNode meta = params.putObject("_meta");
        meta.put(MetaKeys.PROTOCOL_VERSION, version);
        meta.putObject(MetaKeys.CLIENT_CAPABILITIES);
        return JsonMapper.shared().writeValueAsString(message);
    }

    /** The headers this revision adds to the request: none for 2025-11-25, the mirrored ones for 2026-07-28. */
    Map<String, String> headers(String request) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (this == MCP_2025_11_25) {
            return headers;
        }
        JsonNode message = JsonMapper.shared().readTree(request);
        headers.put("MCP-Protocol-Version", version);
        headers.put("Mcp-Method", message.path("method").asString());
        // The recipes' tool names are ASCII, sent as they are; others would go as =?base64?...?=.
        if (message.path("params").path("name").isString()) {
            headers.put("Mcp-Name", message.path("params").path("name").asString());
        }
        return headers;
    }
}
