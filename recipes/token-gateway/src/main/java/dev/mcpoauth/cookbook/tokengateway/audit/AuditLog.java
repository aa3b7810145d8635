package dev.mcpoauth.cookbook.tokengateway.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON line per MCP request on the logger {@code mcp.audit}: who, through which client, to which
 * backend, what, the decision and how long it took. Identifiers only; never a token or an argument.
 */
public final class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("mcp.audit");

    /** Everything one line says; {@code tool} is null unless the request was a {@code tools/call}. */
    public record Entry(Instant time, String subject, String clientId, String backend, String method, String tool,
                 String decision, int status, long latencyMillis) {
    }

    public void record(Entry entry) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", entry.time().toString());
        line.put("subject", entry.subject());
        line.put("client_id", entry.clientId());
        line.put("backend", entry.backend());
        line.put("method", entry.method());
        line.put("tool", entry.tool());
        line.put("decision", entry.decision());
        line.put("status", entry.status());
        line.put("latency_ms", entry.latencyMillis());
        AUDIT.info(JsonMapper.shared().writeValueAsString(line));
    }
}
