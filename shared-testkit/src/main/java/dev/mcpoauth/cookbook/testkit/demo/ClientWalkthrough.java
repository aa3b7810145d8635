package dev.mcpoauth.cookbook.testkit.demo;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import dev.mcpoauth.cookbook.probe.AuthorizationServerDiscovery;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code make run} shows: a client that knows only the MCP server's URL walks the MCP
 * authorization flow step by step, printing what it sends, what comes back, and the standard that
 * says so. Token values are never printed, only their claims.
 */
public final class ClientWalkthrough {

    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private int step;

    public ClientWalkthrough(PrintStream out) {
        this.out = out;
    }

    /**
     * @param mcpUrl         the MCP endpoint, the only thing the client starts with
     * @param clientId       a pre-registered public client at the authorization server
     * @param user           who logs in on the (headless) login page
     * @param toolCall       a tool any authenticated user may call
     * @param stepUpToolCall a tool that needs an extra scope, to show the 403 / step-up path
     */
    public void run(URI mcpUrl, String clientId, UserCredentials user, CallToolRequest toolCall, CallToolRequest stepUpToolCall)
            throws Exception {
        step("Call the MCP server with no token", "MCP authorization spec; RFC 9728 section 5.1");
        HttpResponse<String> unauthenticated = http.send(HttpRequest.newBuilder(mcpUrl)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"walkthrough\",\"version\":\"1\"}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String header = unauthenticated.headers().firstValue("WWW-Authenticate").orElse("(none)");
        show("POST " + mcpUrl, unauthenticated.statusCode() + "  WWW-Authenticate: " + header);
        BearerChallenge challenge = BearerChallenge.parse(header);

        step("Fetch the protected resource metadata named in the challenge", "RFC 9728 section 3");
        JsonNode resourceMetadata = getJson(URI.create(challenge.get("resource_metadata")));
        URI issuer = URI.create(resourceMetadata.path("authorization_servers").get(0).asString());
        URI resource = URI.create(resourceMetadata.path("resource").asString());
        show("GET " + challenge.get("resource_metadata"), resourceMetadata.toPrettyString());

        step("Discover the authorization server", "RFC 8414 section 3, OpenID Connect Discovery (the MCP spec's order of well-known URLs)");
        // The probe's list and order of locations (make probe), tried until one answers.
        URI metadataUrl = null;
        JsonNode metadataJson = null;
        for (URI location : AuthorizationServerDiscovery.metadataLocations(issuer)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(location).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                metadataUrl = location;
                metadataJson = JsonMapper.shared().readTree(response.body());
                break;
            }
        }
        if (metadataUrl == null) {
            throw new IllegalStateException("No authorization-server metadata at " + AuthorizationServerDiscovery.metadataLocations(issuer));
        }
        AuthorizationServerMetadata as = AuthorizationServerMetadata.parse(metadataJson.toString());
        show("GET " + metadataUrl, "issuer " + as.getIssuer() + "\nauthorization_endpoint " + as.getAuthorizationEndpointURI()
                + "\ntoken_endpoint " + as.getTokenEndpointURI()
                + "\ncode_challenge_methods_supported " + as.getCodeChallengeMethods());
        check(as.getIssuer().getValue().equals(issuer.toString()), "metadata issuer equals the issuer it was fetched for");
        check(as.getCodeChallengeMethods() != null && as.getCodeChallengeMethods().contains(CodeChallengeMethod.S256),
                "S256 is in code_challenge_methods_supported (else an MCP client must refuse to go on)");

        String scope = challenge.get("scope");
        step("Authorization code + PKCE S256, resource=" + resource + ", scope=" + scope + ", login as " + user.username(),
                "OAuth 2.1 section 4.1, RFC 7636, RFC 8707, RFC 9207");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        AuthorizationCodeFlow.Tokens tokens = AuthorizationCodeFlow
                .with(issuer, as.getAuthorizationEndpointURI(), as.getTokenEndpointURI(), clientId)
                .scope(scope.split(" ")).resource(resource)
                .run(browser, user);
        JWTClaimsSet claims = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        show("login page -> code -> POST " + as.getTokenEndpointURI(), "access token claims (the token itself stays secret):\n"
                + "  iss   " + claims.getIssuer() + "\n  aud   " + claims.getAudience() + "\n  sub   " + claims.getSubject()
                + "\n  scope " + claims.getStringClaim("scope") + "\n  exp   " + claims.getExpirationTime().toInstant());

        AtomicReference<String> accessToken = new AtomicReference<>(tokens.accessToken());
        step("MCP initialize, tools/list and tools/call with Authorization: Bearer", "MCP authorization spec, Token Requirements");
        try (McpSyncClient client = McpTestClient.connect(mcpUrl, accessToken::get)) {
            List<String> tools = client.listTools().tools().stream().map(Tool::name).toList();
            show("tools/list", String.join(", ", tools));
            show("tools/call " + toolCall.name(), text(client.callTool(toolCall)));

            step("Call a tool that needs more: expect 403 insufficient_scope, then step up", "MCP Scope Challenge Handling; RFC 6750 section 3.1");
            try {
                client.callTool(stepUpToolCall);
                show("tools/call " + stepUpToolCall.name(), "unexpectedly allowed");
            } catch (RuntimeException refused) {
                var failure = McpTestClient.authorizationFailure(refused).orElseThrow(() -> refused);
                String stepUp = failure.getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow();
                show("tools/call " + stepUpToolCall.name(), failure.getResponseInfo().statusCode() + "  WWW-Authenticate: " + stepUp);
                String moreScope = BearerChallenge.parse(stepUp).get("scope");
                accessToken.set(AuthorizationCodeFlow
                        .with(issuer, as.getAuthorizationEndpointURI(), as.getTokenEndpointURI(), clientId)
                        .scope(moreScope.split(" ")).resource(resource)
                        .run(browser, user).accessToken()); // same browser: single sign-on, no password asked again
                show("re-authorize with scope=" + moreScope + ", retry", text(client.callTool(stepUpToolCall)));
            }
        }
    }

    private JsonNode getJson(URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + response.statusCode());
        }
        return JsonMapper.shared().readTree(response.body());
    }

    private static String text(CallToolResult result) {
        StringBuilder text = new StringBuilder(Boolean.TRUE.equals(result.isError()) ? "(tool error) " : "");
        for (Content content : result.content()) {
            if (content instanceof TextContent textContent) {
                text.append(textContent.text());
            }
        }
        return text.toString();
    }

    private void step(String what, String standard) {
        out.printf("%n[%d] %s%n    follows: %s%n", ++step, what, standard);
    }

    private void show(String request, String answer) {
        out.println("    -> " + request);
        out.println("    <- " + answer.replace("\n", "\n       "));
    }

    private void check(boolean ok, String what) {
        out.println("    " + (ok ? "ok: " : "FAILED: ") + what);
        if (!ok) {
            throw new IllegalStateException("Check failed: " + what);
        }
    }

    /** Convenience for a tool call with arguments. */
    public static CallToolRequest call(String tool, Map<String, Object> arguments) {
        return new CallToolRequest(tool, arguments);
    }
}
