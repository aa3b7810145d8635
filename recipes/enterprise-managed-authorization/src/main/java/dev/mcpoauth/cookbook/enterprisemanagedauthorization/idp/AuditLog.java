package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON line per decision on logger {@code enterprise.audit}: which user, through which client, asked for which
 * MCP server, and what the enterprise's policy answered. This is the enterprise's record of who reached what (the
 * MCP servers' authorization servers keep their own). Identifiers and outcomes only, never token material.
 */
@Component
public class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("enterprise.audit");

    /**
     * @param event   {@code id_jag_issued} or {@code id_jag_refused}
     * @param outcome {@code ok} or the OAuth error code the client received
     * @param details user, client, audience, resource, scope, jti, reason: identifiers, never a token
     */
    public void record(String event, String outcome, Map<String, String> details) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", event);
        line.put("outcome", outcome);
        details.forEach((name, value) -> {
            if (value != null) {
                line.put(name, value);
            }
        });
        AUDIT.info(JsonMapper.shared().writeValueAsString(line));
    }
}
