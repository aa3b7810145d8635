package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.keycloakdcr.authorization.RedirectFetchingUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.AgentKey;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.keycloakdcr.enterprise.EnterpriseAuthorization;
import dev.mcpoauth.cookbook.keycloakdcr.registration.PreRegisteredClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The command the official MCP conformance suite runs ({@code make conformance}): it appends the
 * mock server's URL as the last argument and describes the scenario in environment variables.
 * The client is this recipe's, unchanged; only the suite's fixed inputs are wired here: its mock
 * authorization server approves without a person (so the front channel is a plain redirect fetch),
 * its CIMD scenario expects a fixed client id URL, and pre-registration credentials come in
 * {@code MCP_CONFORMANCE_CONTEXT}, as do an agent's in the client credentials scenarios (a secret, or a
 * PKCS#8 private key). Exit code 0 = the client reached and called the tools.
 * <p>
 * What it calls: the tool calls the scenario's context lists ({@code toolCalls}, with their
 * arguments), else {@code add_numbers} for {@code tools_call}, nothing for
 * {@code json-schema-ref-no-deref} (listing is the test), else every listed tool without arguments.
 * A 2026-07-28 server that asks for input (multi round-trip, SEP-2322) gets its form accepted with
 * {@code confirmed: true}. It prints the MCP revision it used, and writes it to the file named by
 * {@code CONFORMANCE_REVISION_FILE} when set, for the script's summary.
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
            McpOAuthListener printSteps = new McpOAuthListener() {
                @Override
                public void onStep(String description) {
                    System.out.println(description);
                }
            };
            McpOAuthClient.Builder builder = McpOAuthClient.builder(serverUrl).listener(printSteps);
            String context = System.getenv("MCP_CONFORMANCE_CONTEXT");
            JsonNode json = context == null || context.isBlank() ? JsonMapper.shared().createObjectNode()
                    : JsonMapper.shared().readTree(context);
            String scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
            if (scenario.startsWith("auth/client-credentials-")) {
                // An agent (MCP extension "OAuth Client Credentials"): the same client, no browser, no registration.
                // For any issuer: the suite's mock authorization server runs on a port chosen per run.
                builder.clientCredentials(json.hasNonNull("private_key_pem")
                        ? ClientCredentials.privateKeyJwtForAnyIssuer(json.get("client_id").asString(),
                                AgentKey.fromPkcs8Pem(json.get("private_key_pem").asString()), null)
                        : ClientCredentials.clientSecretBasicForAnyIssuer(json.get("client_id").asString(),
                                json.get("client_secret").asString()));
            } else if (json.hasNonNull("idp_id_token")) {
                // Enterprise-Managed Authorization: the user's sign-in at the suite's mock IdP comes as its ID token.
                String idToken = json.get("idp_id_token").asString();
                builder.enterpriseAuthorization(EnterpriseAuthorization.of(json.get("idp_issuer").asString(),
                        json.get("idp_client_id").asString(), () -> idToken,
                        ClientCredentials.clientSecretBasicForAnyIssuer(json.get("client_id").asString(),
                                json.get("client_secret").asString())));
            } else {
                builder.userAgent(new RedirectFetchingUserAgent()).clientIdMetadataDocument(CONFORMANCE_CIMD_URL);
                if (json.hasNonNull("client_id")) {
                    builder.preRegistered(PreRegisteredClient.forAnyIssuer(json.get("client_id").asString(),
                            json.hasNonNull("client_secret") ? json.get("client_secret").asString() : null));
                }
            }
            try (McpConnection mcp = builder.build().connect()) {
                System.out.println("MCP revision used: " + mcp.revision().version());
                String revisionFile = System.getenv("CONFORMANCE_REVISION_FILE");
                if (revisionFile != null && !revisionFile.isBlank()) {
                    Files.writeString(Path.of(revisionFile), mcp.revision().version());
                }
                for (Map.Entry<String, Map<String, Object>> call : toolCalls(scenario, json, mcp).entrySet()) {
                    System.out.println("tools/call " + call.getKey());
                    call(mcp, call.getKey(), call.getValue());
                }
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("FAILED: " + describe(e));
            System.exit(1);
        }
    }

    private static Map<String, Map<String, Object>> toolCalls(String scenario, JsonNode context, McpConnection mcp) {
        Map<String, Map<String, Object>> calls = new LinkedHashMap<>();
        if (context.has("toolCalls")) {
            mcp.toolNames(); // the 2026-07-28 client mirrors x-mcp-header parameters of listed tools only
            for (JsonNode call : context.get("toolCalls")) {
                calls.put(call.get("name").asString(), JsonMapper.shared().convertValue(call.get("arguments"),
                        new TypeReference<Map<String, Object>>() { }));
            }
        } else if ("tools_call".equals(scenario)) {
            calls.put("add_numbers", Map.of("a", 5, "b", 3));
        } else if ("json-schema-ref-no-deref".equals(scenario)) {
            System.out.println("tools: " + mcp.toolNames());
        } else {
            mcp.toolNames().forEach(tool -> calls.put(tool, Map.of()));
        }
        return calls;
    }

    private static void call(McpConnection mcp, String tool, Map<String, Object> arguments) {
        if (mcp.modernClient().isPresent()) {
            mcp.modernClient().get().tool(tool).arguments(arguments)
                    .formElicitation(request -> io.modelcontextprotocol.modern.McpSchema.ElicitResult
                            .accept(Map.of("confirmed", true)))
                    .call();
        } else {
            mcp.callTool(tool, arguments);
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
