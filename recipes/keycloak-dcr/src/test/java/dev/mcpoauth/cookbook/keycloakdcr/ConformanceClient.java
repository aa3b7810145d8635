package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.keycloakdcr.authorization.RedirectFetchingUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.registration.PreRegisteredClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The command the official MCP conformance suite runs ({@code make conformance}): it appends the
 * mock server's URL as the last argument and describes the scenario in environment variables.
 * The client is this recipe's, unchanged; only the suite's fixed inputs are wired here: its mock
 * authorization server approves without a person (so the front channel is a plain redirect fetch),
 * its CIMD scenario expects a fixed client id URL, and pre-registration credentials come in
 * {@code MCP_CONFORMANCE_CONTEXT}. Exit code 0 = the client reached and called the tools.
 */
public final class ConformanceClient {

    /** The URL the suite's CIMD scenario expects as client_id (it never fetches it). */
    static final String CONFORMANCE_CIMD_URL = "https://conformance-test.local/client-metadata.json";

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ConformanceClient <mcp-server-url>");
            System.exit(2);
        }
        String serverUrl = args[args.length - 1];
        try {
            McpOAuthClient.Builder builder = McpOAuthClient.builder(serverUrl)
                    .userAgent(new RedirectFetchingUserAgent())
                    .clientIdMetadataDocument(CONFORMANCE_CIMD_URL)
                    .listener(new McpOAuthListener() {
                        @Override
                        public void onStep(String description) {
                            System.out.println(description);
                        }
                    });
            String context = System.getenv("MCP_CONFORMANCE_CONTEXT");
            if (context != null && !context.isBlank()) {
                JsonNode json = JsonMapper.shared().readTree(context);
                if (json.hasNonNull("client_id")) {
                    builder.preRegistered(PreRegisteredClient.forAnyIssuer(json.get("client_id").asString(),
                            json.hasNonNull("client_secret") ? json.get("client_secret").asString() : null));
                }
            }
            try (McpSyncClient mcp = builder.build().connect()) {
                for (Tool tool : mcp.listTools().tools()) {
                    System.out.println("tools/call " + tool.name());
                    mcp.callTool(new CallToolRequest(tool.name(), Map.of()));
                }
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("FAILED: " + describe(e));
            System.exit(1);
        }
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(t.getCause() != null ? " <- " : "");
        }
        return text.toString();
    }
}
