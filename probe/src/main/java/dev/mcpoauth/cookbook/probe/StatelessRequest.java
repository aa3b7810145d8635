package dev.mcpoauth.cookbook.probe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A 2026-07-28 request as a client sends it: no {@code initialize}, no session; the body's {@code _meta}
 * carries {@code io.modelcontextprotocol/protocolVersion} and {@code clientCapabilities}, and the headers
 * mirror the body ({@code MCP-Protocol-Version}, {@code Mcp-Method}, {@code Mcp-Name} for {@code tools/call}),
 * MCP 2026-07-28 Streamable HTTP, "Request Metadata". The probe also builds requests whose headers
 * disagree with the body on purpose, to see them refused.
 *
 * @param headerMethod  the {@code Mcp-Method} header (the body's method for a consistent request)
 * @param headerName    the {@code Mcp-Name} header, or null for none
 * @param headerVersion the {@code MCP-Protocol-Version} header
 * @param metaVersion   the body's {@code _meta} protocol version
 * @param toolName      the body's {@code params.name}, or null for a request without one
 */
public record StatelessRequest(String method, String headerMethod, String toolName, String headerName,
                               String headerVersion, String metaVersion) {

    /** The requests a client sends first; neither runs anything. */
    public static final String DISCOVER = "server/discover";
    public static final String TOOLS_LIST = "tools/list";

    /** A consistent request of {@code method} at 2026-07-28. */
    public static StatelessRequest of(String method) {
        String version = Revision.MCP_2026_07_28.version();
        return new StatelessRequest(method, method, null, null, version, version);
    }

    /** A consistent {@code tools/call} of {@code tool}, no arguments. */
    public static StatelessRequest toolsCall(String tool) {
        return of("tools/call").withTool(tool, tool);
    }

    public StatelessRequest withHeaderMethod(String value) {
        return new StatelessRequest(method, value, toolName, headerName, headerVersion, metaVersion);
    }

    public StatelessRequest withTool(String bodyName, String headerValue) {
        return new StatelessRequest(method, headerMethod, bodyName, headerValue, headerVersion, metaVersion);
    }

    /** Another version in both the header and {@code _meta}. */
    public StatelessRequest atVersion(String version) {
        return new StatelessRequest(method, headerMethod, toolName, headerName, version, version);
    }

    public StatelessRequest withMetaVersion(String version) {
        return new StatelessRequest(method, headerMethod, toolName, headerName, headerVersion, version);
    }

    public String body() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("io.modelcontextprotocol/protocolVersion", metaVersion);
        meta.put("io.modelcontextprotocol/clientInfo", Map.of("name", "mcp-oauth-probe", "version", "1"));
        meta.put("io.modelcontextprotocol/clientCapabilities", Map.of());
        Map<String, Object> params = new LinkedHashMap<>();
        if (toolName != null) {
            params.put("name", toolName);
            params.put("arguments", Map.of());
        }
        params.put("_meta", meta);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("jsonrpc", "2.0");
        message.put("id", 1);
        message.put("method", method);
        message.put("params", params);
        return Json.write(message);
    }

    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("MCP-Protocol-Version", headerVersion);
        headers.put("Mcp-Method", headerMethod);
        if (headerName != null) {
            headers.put("Mcp-Name", headerName);
        }
        return headers;
    }

    /** What was sent, for a report: the method and every header that disagrees with the body. */
    public String describe() {
        StringBuilder out = new StringBuilder(method + (toolName == null ? "" : " " + toolName));
        out.append(" (MCP-Protocol-Version ").append(headerVersion);
        if (!headerVersion.equals(metaVersion)) {
            out.append(", _meta protocolVersion ").append(metaVersion);
        }
        if (!headerMethod.equals(method)) {
            out.append(", Mcp-Method ").append(headerMethod);
        }
        if (headerName != null && !headerName.equals(toolName)) {
            out.append(", Mcp-Name ").append(headerName);
        }
        return out.append(")").toString();
    }
}
