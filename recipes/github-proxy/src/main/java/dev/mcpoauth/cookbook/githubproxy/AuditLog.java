package dev.mcpoauth.cookbook.githubproxy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON line per security event on logger {@code mcp.audit}: which MCP client, which user,
 * what happened. GitHub sees one OAuth App for everyone; this log is where operators see each
 * client. Values are identifiers and outcomes only, never token material.
 */
@Component
public class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("mcp.audit");

    /**
     * @param event   e.g. {@code client_registered}, {@code consent}, {@code token_issued}, {@code refresh}, {@code tool_call}
     * @param client  the MCP client id (null when unknown)
     * @param user    the GitHub user id the proxy knows the user by (null when unknown)
     * @param outcome e.g. {@code ok}, {@code denied}, or an OAuth error code
     * @param details more identifiers (tool name, grant id); never a token
     */
    public void record(String event, String client, String user, String outcome, Map<String, String> details) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", event);
        line.put("client_id", client);
        line.put("user", user);
        line.put("outcome", outcome);
        line.putAll(details);
        AUDIT.info(JsonMapper.shared().writeValueAsString(line));
    }

    public void record(String event, String client, String user, String outcome) {
        record(event, client, user, outcome, Map.of());
    }
}
