package dev.mcpoauth.cookbook.testkit.contract;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.NOTES_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.probe.CheckResult;
import dev.mcpoauth.cookbook.probe.Probe;
import dev.mcpoauth.cookbook.probe.ProbeReport;
import dev.mcpoauth.cookbook.probe.ProbeResponse;
import dev.mcpoauth.cookbook.probe.ProtectedResourceMetadataDiscovery;
import dev.mcpoauth.cookbook.probe.RejectedCredential;
import dev.mcpoauth.cookbook.probe.Step;
import dev.mcpoauth.cookbook.probe.TextReport;
import dev.mcpoauth.cookbook.probe.UnauthorizedResponse;
import dev.mcpoauth.cookbook.probe.Verdict;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.tokens.TokenForge;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The contract every MCP resource server in the cookbook passes, whatever its framework. A recipe
 * subclasses it, protects {@link ContractEnvironment#mcpUrl()}, serves MCP at {@link ContractEnvironment#mcpEndpoint()}
 * (the same URL, or a path under it for a gateway) with its JWKS URI set to
 * {@link ContractEnvironment#jwksUri()}, and its tools. By default those are the notes tools
 * {@code whoami}, {@code list_notes} and {@code add_note} (which needs {@code notes:write}); a recipe
 * with other tools says which through the hooks under "the recipe's tools" (what to call, what it
 * answers). Every other test (metadata, 401, 403, sessions, keys, logs) runs unchanged for all.
 *
 * <p>What an attacker sends, and the exact answer. Forged tokens are signed with a key the realm
 * publishes (see {@link TokenForge}), so each fails for the single reason under test;
 * {@link #acceptsTheForgedControlToken()} proves the forge itself is trusted.
 *
 * <p>Where the contract checks what {@code make probe} checks (challenge parsing, metadata locations
 * and contents, the verdict on a refused request), it calls the probe's code
 * ({@code dev.mcpoauth.cookbook.probe}), then asserts this cookbook's exact values on top;
 * {@link #probeFindsEveryMustMetAndEveryRefusalComplete()} runs the whole probe against the server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ResourceServerContract {

    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"contract","version":"1"}}}""";
    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

    static {
        LogCapture.install();
    }

    private final HttpClient http = HttpClient.newHttpClient();
    /** Every token sent; none may appear in the server's log or in any response. */
    private final Set<String> tokensSent = ConcurrentHashMap.newKeySet();
    private TokenForge forge;

    /** The environment the server under test was started in. */
    protected abstract ContractEnvironment environment();

    /** The server's RFC 9728 {@code resource_name}. */
    protected abstract String expectedResourceName();

    /**
     * Whether the root well-known URL serves this resource's metadata too, for clients that fall back
     * to it. Not where one host has several resources under paths (a gateway's {@code /mcp/<backend>}):
     * a root document can name only one of them, and would send the others' clients for a token that
     * does not open them (RFC 9728 section 3.3). Then the root answers 404.
     */
    protected boolean servesRootMetadata() {
        return true;
    }

    /**
     * The client id the tools report ({@code azp} of the token they see): the MCP client itself,
     * unless a gateway exchanged its token and the tools see the gateway's.
     */
    protected String clientSeenByTools() {
        return CLIENT_ID;
    }

    // ---- the recipe's tools: override these when the server has other tools than the notes ones ----

    /** The names {@code tools/list} answers with, in any order. */
    protected List<String> expectedTools() {
        return List.of("whoami", "add_note", "list_notes");
    }

    /** A call any user with the base scope may make, whose answer shows that the tool saw who is calling. */
    protected CallToolRequest identityCall() {
        return new CallToolRequest("whoami", Map.of());
    }

    /**
     * The structured content {@link #identityCall()} answers for a user with the base scope only.
     *
     * @param subject  {@code sub} of the token the client sent
     * @param username that user's login name
     */
    protected Map<String, Object> expectedIdentity(String subject, String username) {
        return Map.of("subject", subject, "username", username, "client", clientSeenByTools(), "scopes", List.of(BASE_SCOPE));
    }

    /** A call that needs one scope beyond the base scope: refused with 403 until the client steps up. */
    protected CallToolRequest stepUpCall() {
        return new CallToolRequest("add_note", Map.of("text", "buy milk"));
    }

    /** The scope {@link #stepUpCall()} needs beyond the base scope; {@code scopes_supported} must list it. */
    protected String stepUpScope() {
        return NOTES_WRITE;
    }

    /** The structured content {@link #stepUpCall()} answers alice with once she has stepped up. */
    protected Map<String, Object> expectedStepUpAnswer() {
        return Map.of("count", 1);
    }

    /**
     * Per-user isolation: alice makes something of her own through the tools, and bob must not see
     * it. Leave the server as you found it, as other tests use the same users. Default: alice adds a
     * note, bob's list of notes stays empty.
     *
     * @param alice a session whose token has the base scope and {@link #stepUpScope()}
     * @param bob   a session whose token has the base scope
     */
    protected void assertEachUserSeesOnlyTheirOwnData(McpSyncClient alice, McpSyncClient bob) {
        alice.callTool(new CallToolRequest("add_note", Map.of("text", "alice's secret")));

        CallToolResult bobsNotes = bob.callTool(new CallToolRequest("list_notes", Map.of()));

        assertThat(bobsNotes.structuredContent()).isEqualTo(Map.of("notes", List.of()));
    }

    /**
     * Texts the client walk-through must print for bob: the answer to {@link #identityCall()}, then
     * the answer to {@link #stepUpCall()} after the step-up.
     */
    protected List<String> expectedWalkthroughAnswers() {
        return List.of("You are bob", "Saved. You have 1 note(s).");
    }

    /**
     * What {@link #stepUpCall()} would change for the user of {@code client}, read through the tools:
     * the body tests compare it before and after every refused attempt, so a call that ran anyway
     * shows. Default: the user's notes.
     *
     * @param client a session of alice whose token has the base scope only
     */
    protected Object stateTheStepUpCallChanges(McpSyncClient client) {
        return client.callTool(new CallToolRequest("list_notes", Map.of())).structuredContent();
    }

    /**
     * Puts in place what {@link #stepUpCall()} would visibly change, before the body tests. Default:
     * nothing, as {@code add_note} always adds a note. A recipe whose step-up tool removes something
     * creates it here (called once), and removes it again in its own {@code @AfterAll} before it stops
     * the server, so that other tests find the user as before.
     *
     * @param client a session of alice whose token has the base scope only
     */
    protected void prepareStateTheStepUpCallChanges(McpSyncClient client) {
    }

    /**
     * Forged tokens speak for real users' sessions (alice's and bob's), so a server that hands them
     * on to Keycloak, as a gateway's token exchange does, gets them accepted there too.
     */
    @BeforeAll
    void trustForgingKey() {
        String alice = login(ALICE, BASE_SCOPE).accessToken();
        String bob = login(BOB, BASE_SCOPE).accessToken();
        forge = TokenForge.trustedBy(realm()).withSessionsOf(Map.of(
                "forged-user", alice, "alice-subject", alice, "bob-subject", bob));
    }

    // ---- the happy path ------------------------------------------------------------------------

    @Test
    void tokenFromTheLoginPageWithPkceOpensTheMcpServer() throws Exception {
        Tokens tokens = login(ALICE, BASE_SCOPE);
        // RFC 8707: the token is bound to this MCP server and nothing else.
        assertThat(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getAudience()).containsExactly(audience());

        try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {
            assertThat(client.listTools().tools()).extracting(Tool::name)
                    .containsExactlyInAnyOrderElementsOf(expectedTools());

            CallToolResult identity = client.callTool(identityCall());

            assertThat(identity.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(identity.structuredContent()).isEqualTo(
                    expectedIdentity(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject(), "alice"));
        }
    }

    @Test
    void toolNeedingAnExtraScopeAnswers403InsufficientScopeThenWorksAfterStepUp() {
        AtomicReference<String> token = new AtomicReference<>(login(ALICE, BASE_SCOPE).accessToken());
        try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), token::get)) {
            CallToolRequest needsMore = stepUpCall();

            Throwable refused = catchThrowable(() -> client.callTool(needsMore));

            McpHttpClientTransportAuthorizationException failure = McpTestClient.authorizationFailure(refused).orElseThrow();
            assertThat(failure.getResponseInfo().statusCode()).isEqualTo(403);
            BearerChallenge challenge = BearerChallenge.parse(
                    failure.getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow());
            assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
            assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE + " " + stepUpScope());
            assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());

            // Step-up: ask for exactly the scopes the challenge named, then retry the same call.
            token.set(login(ALICE, challenge.get("scope").split(" ")).accessToken());
            CallToolResult done = client.callTool(needsMore);

            assertThat(done.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(done.structuredContent()).isEqualTo(expectedStepUpAnswer());
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnData() {
        String aliceToken = login(ALICE, BASE_SCOPE, stepUpScope()).accessToken();
        String bobToken = login(BOB, BASE_SCOPE).accessToken();
        try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> aliceToken);
             McpSyncClient bob = McpTestClient.connect(mcpEndpoint(), () -> bobToken)) {
            assertEachUserSeesOnlyTheirOwnData(alice, bob);
        }
    }

    @Test
    void walkthroughGoesFromABareUrlThroughDiscoveryLoginAndStepUpToToolCalls() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        new ClientWalkthrough(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(mcpEndpoint(), CLIENT_ID, BOB,
                identityCall(), stepUpCall());

        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("401  WWW-Authenticate: Bearer ")
                .contains("ok: S256 is in code_challenge_methods_supported")
                .contains("403  WWW-Authenticate: Bearer ")
                .contains("re-authorize with scope=" + BASE_SCOPE + " " + stepUpScope() + ", retry")
                .contains(expectedWalkthroughAnswers());
    }

    // ---- RFC 9728 metadata ---------------------------------------------------------------------

    @Test
    void pathSuffixedMetadataDescribesTheMcpEndpointFieldByField() throws Exception {
        HttpResponse<String> response = get(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()), Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertAllPass(ProtectedResourceMetadataDiscovery.judge(ProbeResponse.of(response), mcpUrl()).results());
        Map<String, Object> document = JsonMapper.shared().readValue(response.body(), new tools.jackson.core.type.TypeReference<>() { });
        assertThat(document).containsEntry("resource", audience())              // RFC 9728 section 2
                .containsEntry("authorization_servers", List.of(realm().issuer().toString()))
                .containsEntry("bearer_methods_supported", List.of("header"))  // no query or body tokens
                .containsEntry("resource_name", expectedResourceName());
        // The base scope first; a server with more tools (a gateway) lists more after it.
        assertThat((List<Object>) document.get("scopes_supported")).startsWith(BASE_SCOPE).contains(stepUpScope());
        // Optional members may only say what is true: no mTLS-bound tokens here.
        assertThat(document.get("tls_client_certificate_bound_access_tokens")).isIn(null, false);
    }

    @Test
    void rootMetadataNamesTheSameResourceForClientsThatFallBackToIt() throws Exception {
        HttpResponse<String> response = get(ProtectedResourceMetadataDiscovery.rootLocation(mcpUrl()), Map.of());

        if (!servesRootMetadata()) {
            assertThat(response.statusCode()).isEqualTo(404);
            return;
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertAllPass(ProtectedResourceMetadataDiscovery.judge(ProbeResponse.of(response), mcpUrl()).results());
        assertThat(JsonMapper.shared().readValue(response.body(), Map.class))
                .containsEntry("resource", audience())
                .containsEntry("authorization_servers", List.of(realm().issuer().toString()));
    }

    @Test
    void metadataIsReadableFromBrowserClients() throws Exception {
        HttpResponse<String> response = get(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()),
                Map.of("Origin", "http://localhost:6274"));

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin").orElse("(none)"))
                .isIn("*", "http://localhost:6274");
    }

    @Test
    void metadataAnswersTheCorsPreflightOfBrowserClients() throws Exception {
        // Browser-based MCP clients send MCP-Protocol-Version with the discovery request: not a "simple" header,
        // so the browser asks first (OPTIONS) and gives up on discovery if the answer lacks CORS headers.
        HttpResponse<String> response = send(HttpRequest.newBuilder(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://localhost:6274").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "mcp-protocol-version"));

        assertThat(response.statusCode()).isBetween(200, 204);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin").orElse("(none)"))
                .isIn("*", "http://localhost:6274");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElse("(none)").toLowerCase())
                .matches("\\*|.*mcp-protocol-version.*");
    }

    @Test
    void forwardedHeadersCannotRedirectClientsToAnotherResource() throws Exception {
        HttpResponse<String> metadata = get(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()),
                Map.of("X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https", "Forwarded", "host=evil.example"));
        HttpResponse<String> challenged = send(mcpRequest().header("X-Forwarded-Host", "evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(JsonMapper.shared().readValue(metadata.body(), Map.class)).containsEntry("resource", audience());
        assertThat(challenge(challenged).get("resource_metadata")).isEqualTo(resourceMetadataUrl());
    }

    // ---- 401: no usable token ------------------------------------------------------------------

    @Test
    void acceptsTheForgedControlToken() throws Exception {
        assertThat(post(forge.valid(audience(), "forged-user", BASE_SCOPE)).statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsARequestWithoutTokenWithAChallengeThatLeadsToDiscovery() throws Exception {
        HttpResponse<String> response = send(mcpRequest().POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertAllPass(UnauthorizedResponse.judge(RejectedCredential.NO_TOKEN, response.statusCode(),
                response.headers().allValues("WWW-Authenticate"), resourceMetadataUrl()));
        assertThat(response.statusCode()).isEqualTo(401);
        // RFC 6750 section 3.1: no error code when the request carried no credentials.
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE));
    }

    @Test
    void rejectsEveryMethodAndContentTypeWithoutToken() throws Exception {
        List<HttpRequest.Builder> requests = List.of(
                mcpRequest().GET(),
                mcpRequest().DELETE(),
                mcpRequest().POST(HttpRequest.BodyPublishers.ofString("[" + INITIALIZE + "," + TOOLS_LIST + "]")),
                HttpRequest.newBuilder(mcpEndpoint()).header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hi")));
        for (HttpRequest.Builder request : requests) {
            HttpResponse<String> response = send(request);

            assertThat(response.statusCode()).as(response.request().method()).isEqualTo(401);
            assertThat(challenge(response).get("resource_metadata")).isEqualTo(resourceMetadataUrl());
        }
    }

    @Test
    void ignoresATokenInTheQueryString() throws Exception {
        String token = track(forge.valid(audience(), "forged-user", BASE_SCOPE));
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(mcpEndpoint() + "?access_token=" + token))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE));
    }

    @ParameterizedTest(name = "?{0}=")
    @ValueSource(strings = {"ACCESS_TOKEN", "access%5Ftoken", "%61ccess_token", "%41CCESS%5FTOKEN"})
    void ignoresATokenInTheQueryStringHoweverItsNameIsWritten(String name) throws Exception {
        // The container decodes the name; a check that compares it as sent would pass the request on, with its
        // URL and the token in it, to code that may log it. A valid header token does not make it acceptable.
        String token = track(forge.valid(audience(), "forged-user", BASE_SCOPE));
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(mcpEndpoint() + "?" + name + "=" + token))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE));
    }

    @Test
    void rejectsAnExpiredToken() throws Exception {
        assertInvalidToken(RejectedCredential.EXPIRED, forge.expired(audience(), "forged-user", BASE_SCOPE, Duration.ofMinutes(5)));
    }

    @Test
    void acceptsATokenExpiredWithinTheClockSkewOnly() throws Exception {
        // A client that has been talking to the server (a gateway caches what it exchanged for it).
        assertThat(post(forge.valid(audience(), "forged-user", BASE_SCOPE)).statusCode()).isEqualTo(200);
        assertThat(post(forge.expired(audience(), "forged-user", BASE_SCOPE, Duration.ofSeconds(20))).statusCode())
                .isEqualTo(200);
        assertInvalidToken(RejectedCredential.EXPIRED, forge.expired(audience(), "forged-user", BASE_SCOPE, Duration.ofSeconds(90)));
    }

    @Test
    void rejectsATokenNotYetValidBeyondTheClockSkew() throws Exception {
        assertInvalidToken(forge.notYetValid(audience(), "forged-user", BASE_SCOPE, Duration.ofMinutes(5)));
    }

    @Test
    void rejectsATokenWithoutExpiry() throws Exception {
        assertInvalidToken(forge.sign(forge.validClaims(audience(), "forged-user", BASE_SCOPE).expirationTime(null).build()));
    }

    @Test
    void rejectsATokenFromAnotherIssuer() throws Exception {
        assertInvalidToken(forge.withIssuer("http://localhost:1/realms/evil", audience(), "forged-user", BASE_SCOPE));
    }

    @Test
    void rejectsATokenForgedForAnotherAudience() throws Exception {
        assertInvalidToken(RejectedCredential.WRONG_AUDIENCE,
                forge.valid(ContractRealm.otherResourceUrl(mcpUrl()).toString(), "forged-user", BASE_SCOPE));
    }

    @Test
    void rejectsATokenWithSeveralAudiencesUnderTheStrictPolicy() throws Exception {
        // A token valid at several resources is a token another resource server could replay here.
        assertInvalidToken(forge.sign(forge.validClaims(audience(), "forged-user", BASE_SCOPE)
                .audience(List.of(audience(), ContractRealm.otherResourceUrl(mcpUrl()).toString())).build()));
    }

    @Test
    void rejectsARealTokenIssuedForAnotherResource() throws Exception {
        // Same realm, user and client: only the RFC 8707 resource differs. Token passthrough stops here.
        URI otherResource = ContractRealm.otherResourceUrl(mcpUrl());
        String tokenForOtherApi = AuthorizationCodeFlow.with(realm(), CLIENT_ID)
                .scope(ContractRealm.OTHER_API_SCOPE).resource(otherResource)
                .run(new HeadlessUserAgent(), ALICE).accessToken();
        assertThat(SignedJWT.parse(tokenForOtherApi).getJWTClaimsSet().getAudience()).containsExactly(otherResource.toString());

        assertInvalidToken(RejectedCredential.WRONG_AUDIENCE, tokenForOtherApi);
    }

    @Test
    void rejectsAnUnsignedToken() throws Exception {
        assertInvalidToken(RejectedCredential.ALG_NONE, forge.unsigned(audience(), "forged-user", BASE_SCOPE));
    }

    @Test
    void rejectsHs256SignedWithThePublicKey() throws Exception {
        assertInvalidToken(forge.hs256WithPublicKey(audience(), "forged-user", BASE_SCOPE));
    }

    @Test
    void rejectsATamperedToken() throws Exception {
        assertInvalidToken(forge.tampered(audience(), "forged-user", BASE_SCOPE, BASE_SCOPE + " " + stepUpScope()));
    }

    @Test
    void rejectsTokensSignedWithUnknownKeysEvenWhileJwksRefetchIsRateLimited() throws Exception {
        // The first unknown kid may refetch the JWKS; the next ones fall in the rate-limit window. Same answer.
        for (int attempt = 0; attempt < 5; attempt++) {
            assertInvalidToken(forge.unknownKid(audience(), "forged-user", BASE_SCOPE));
        }
    }

    @Test
    void rejectsMalformedAuthorizationHeaders() throws Exception {
        for (String header : List.of("Bearer", "Bearer ", "Bearer a b", "Bearer a$b", "Bearer abc.def.ghi",
                "Bearer \u00e9t\u00e9", "bearer" + " ".repeat(40))) {
            HttpResponse<String> response = send(mcpRequest().header("Authorization", header)
                    .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

            assertThat(response.statusCode()).as(header).isEqualTo(401);
            assertThat(challenge(response).get("error")).as(header).isEqualTo("invalid_token");
        }
    }

    @Test
    void answersOtherSchemesWithTheBearerChallenge() throws Exception {
        HttpResponse<String> response = send(mcpRequest().header("Authorization", "Basic YWxpY2U6YWxpY2U=")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE));
    }

    @Test
    void rejectsAnOversizedTokenBeforeParsingIt() throws Exception {
        HttpResponse<String> response = post("a".repeat(12 * 1024));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).get("error")).isEqualTo("invalid_token");
    }

    @Test
    void refusesHeadersBeyondTheServersLimitWithoutAServerError() throws Exception {
        int status;
        try {
            status = post("a".repeat(64 * 1024)).statusCode();
        } catch (java.io.IOException closedWhileTheClientWasStillSending) {
            // Some containers (Jetty) answer 431 and close at once; the client may see only the close.
            return;
        }

        assertThat(status).isIn(400, 401, 413, 431);
    }

    // ---- 403 ------------------------------------------------------------------------------------

    @Test
    void rejectsATokenWithoutTheServersScopeWith403() throws Exception {
        HttpResponse<String> response = post(forge.valid(audience(), "forged-user", "profile"));

        assertThat(response.statusCode()).isEqualTo(403);
        BearerChallenge challenge = challenge(response);
        assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
        assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE);
        assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());
    }

    @Test
    void refusesABrowserRequestFromAForeignOriginEvenWithAValidToken() throws Exception {
        // MCP transport spec: validate Origin on Streamable HTTP (DNS rebinding defence).
        String token = track(forge.valid(audience(), "forged-user", BASE_SCOPE));
        HttpResponse<String> foreign = send(mcpRequest().header("Authorization", "Bearer " + token)
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
        HttpResponse<String> allowed = send(mcpRequest().header("Authorization", "Bearer " + token)
                .header("Origin", "http://localhost:6274").POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(allowed.statusCode()).isEqualTo(200);
    }

    // ---- the body a scope decision reads is the body the transport executes (issue 18) -------------

    /**
     * A {@link #stepUpCall()} for a token without {@link #stepUpScope()}, sent in every form a filter
     * and the MCP transport could read differently: each is refused with the exact answer, and the
     * tool did not run. The same call in plain UTF-8 gets the 403 step-up challenge
     * ({@link #toolNeedingAnExtraScopeAnswers403InsufficientScopeThenWorksAfterStepUp()}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bodyAttacks")
    void refusesAToolCallTheTransportCouldReadDifferentlyAndRunsNothing(BodyAttack attack) throws Exception {
        String token = bodyTestToken();
        try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> token)) {
            if (!bodyTestStatePrepared) {
                prepareStateTheStepUpCallChanges(alice);
                bodyTestStatePrepared = true;
            }
            Object before = stateTheStepUpCallChanges(alice);

            HttpResponse<String> response = sendInSession(attack.contentType(), attack.contentEncoding(),
                    attack.body().apply(toolCallJson(stepUpCall(), 41)));

            assertRefusal(attack, response);
            assertThat(stateTheStepUpCallChanges(alice)).as("what the tool would have changed").isEqualTo(before);
        }
    }

    private void assertRefusal(BodyAttack attack, HttpResponse<String> response) {

        if (attack.status() == 403) {
            assertThat(response.statusCode()).isEqualTo(403);
            BearerChallenge challenge = challenge(response);
            assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
            assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE + " " + stepUpScope());
        } else {
            assertJsonRpcError(response, attack.status(), attack.jsonRpcCode());
        }
    }

    /** The control for the test above: the same hand-made request, in plain UTF-8, of a tool the token may call, runs. */
    @Test
    void runsAHandMadeToolCallInUtf8WhenTheTokenMayCallTheTool() throws Exception {
        HttpResponse<String> response = sendInSession("application/json", null,
                toolCallJson(identityCall(), 42).getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"id\":42").contains("\"result\"").doesNotContain("\"error\"");
    }

    @Test
    void answersARequestWithoutSessionWithAJsonRpcErrorNotAJavaException() throws Exception {
        HttpResponse<String> response = send(mcpRequest().header("Authorization", "Bearer " + bodyTestToken())
                .POST(HttpRequest.BodyPublishers.ofString(TOOLS_LIST)));

        assertJsonRpcError(response, 400, -32600);
    }

    @Test
    void answersAGetWithoutSessionWithAJsonRpcError() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(mcpEndpoint())
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + bodyTestToken()).GET());

        assertJsonRpcError(response, 400, -32600);
    }

    @Test
    void answersAnUnknownSessionWithAJsonRpcError() throws Exception {
        HttpResponse<String> response = send(mcpRequest().header("Authorization", "Bearer " + bodyTestToken())
                .header("Mcp-Session-Id", "no-such-session").POST(HttpRequest.BodyPublishers.ofString(TOOLS_LIST)));

        assertJsonRpcError(response, 404, -32600);
    }

    @Test
    void answersAForeignOriginWithAJsonRpcError() throws Exception {
        HttpResponse<String> response = send(mcpRequest().header("Authorization", "Bearer " + bodyTestToken())
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertJsonRpcError(response, 403, -32600);
    }

    @Test
    void refusesTraceWithoutEchoingTheRequestBack() throws Exception {
        // A servlet's default TRACE answer is the request itself, Authorization header included.
        HttpResponse<String> response = send(HttpRequest.newBuilder(mcpEndpoint())
                .header("Authorization", "Bearer " + bodyTestToken())
                .method("TRACE", HttpRequest.BodyPublishers.noBody()));

        assertJsonRpcError(response, 405, -32600); // send() also checks that no token is in the body
        assertThat(response.body()).doesNotContain("Bearer");
    }

    @Test
    void refusesHeadOnTheMcpEndpoint() throws Exception {
        // HEAD would run the GET handler (an SSE stream) without a body to show it.
        HttpResponse<String> response = send(HttpRequest.newBuilder(mcpEndpoint())
                .header("Authorization", "Bearer " + bodyTestToken()).header("Accept", "text/event-stream")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).isEqualTo(405);
    }

    /** One way to send a tool call that a filter and the transport could read differently, and its exact refusal. */
    protected record BodyAttack(String name, String contentType, String contentEncoding,
                                Function<String, byte[]> body, int status, int jsonRpcCode) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BodyAttack> bodyAttacks() {
        Charset utf32 = Charset.forName("UTF-32");
        Charset utf32le = Charset.forName("UTF-32LE");
        return List.of(
                refused("declared EBCDIC (IBM037)", "application/json; charset=IBM037", json -> json.getBytes(Charset.forName("IBM037")), 415, -32700),
                refused("declared ISO-8859-1", "application/json; charset=ISO-8859-1", json -> json.getBytes(StandardCharsets.ISO_8859_1), 415, -32700),
                refused("declared UTF-16, with BOM", "application/json; charset=UTF-16", json -> json.getBytes(StandardCharsets.UTF_16), 415, -32700),
                refused("declared UTF-16LE, no BOM", "application/json; charset=UTF-16LE", json -> json.getBytes(StandardCharsets.UTF_16LE), 415, -32700),
                refused("declared UTF-32", "application/json; charset=UTF-32", json -> json.getBytes(utf32), 415, -32700),
                refused("UTF-16 with BOM, declared UTF-8", "application/json; charset=utf-8", json -> json.getBytes(StandardCharsets.UTF_16), 400, -32700),
                refused("UTF-16LE without BOM, declared UTF-8", "application/json; charset=utf-8", json -> json.getBytes(StandardCharsets.UTF_16LE), 400, -32700),
                refused("UTF-16BE with BOM, no charset", "application/json", json -> json.getBytes(StandardCharsets.UTF_16), 400, -32700),
                refused("UTF-32LE with BOM, no charset", "application/json", json -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0}, json.getBytes(utf32le)), 400, -32700),
                refused("UTF-32 without BOM, declared UTF-8", "application/json; charset=UTF-8", json -> json.getBytes(utf32), 400, -32700),
                refused("UTF-8 with BOM", "application/json", json -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(json)), 400, -32700),
                refused("duplicate method key", "application/json", json -> utf8(json.replaceFirst("\"method\":\"tools/call\"",
                        "\"method\":\"tools/list\",\"method\":\"tools/call\"")), 400, -32700),
                refused("duplicate name key", "application/json", json -> utf8(json.replaceFirst("\"params\":\\{",
                        "\"params\":{\"name\":\"" + "no_such_tool" + "\",")), 400, -32700),
                refused("trailing object", "application/json", json -> utf8(json + json), 400, -32700),
                refused("trailing garbage", "application/json", json -> utf8(json + " x"), 400, -32700),
                refused("batch mixing an allowed and the forbidden call", "application/json",
                        json -> utf8("[" + TOOLS_LIST + "," + json + "]"), 400, -32600),
                refused("no Content-Type", null, ResourceServerContract::utf8, 415, -32700),
                refused("text/plain", "text/plain", ResourceServerContract::utf8, 415, -32700),
                refused("a form", "application/x-www-form-urlencoded", ResourceServerContract::utf8, 415, -32700),
                refused("application/json with two charsets", "application/json; charset=utf-8; charset=utf-16", ResourceServerContract::utf8, 415, -32700),
                new BodyAttack("gzip Content-Encoding", "application/json", "gzip", ResourceServerContract::gzip, 415, -32700),
                refused("tool name not a string", "application/json", json -> utf8(json.replaceFirst("\"name\":(\"[^\"]*\")", "\"name\":[$1]")), 400, -32602),
                refused("tool name in escapes: judged as the same call", "application/json", json -> utf8(escapeFirstNameCharacter(json)), 403, 0),
                refused("method in escapes: judged as the same call", "application/json", json -> utf8(json.replace("\"tools/call\"", "\"tools\\/call\"")), 403, 0));
    }

    private static BodyAttack refused(String name, String contentType, Function<String, byte[]> body, int status, int code) {
        return new BodyAttack(name, contentType, null, body, status, code);
    }

    /** Every error answer: a JSON-RPC error object with this code, never a serialized Java exception. */
    protected static void assertJsonRpcError(HttpResponse<String> response, int status, int code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("(none)")).startsWith("application/json");
        JsonNode answer = JsonMapper.shared().readTree(response.body());
        assertThat(answer.path("jsonrpc").asString("")).isEqualTo("2.0");
        assertThat(answer.has("id")).as("JSON-RPC 2.0 section 5: an error answer has an id, null when unknown").isTrue();
        assertThat(answer.path("error").path("code").asInt()).as(response.body()).isEqualTo(code);
        assertThat(answer.path("error").path("message").isString()).isTrue();
        assertThat(answer.path("error").size()).as("code, message and at most data").isLessThanOrEqualTo(3);
        assertNoJavaInternals(response.body());
    }

    private static void assertNoJavaInternals(String body) {
        assertThat(body).doesNotContain("stackTrace", "localizedMessage", "\"cause\"", "Exception", "java.", "dev.mcpoauth", "\tat ");
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(utf8(text));
        } catch (java.io.IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return bytes.toByteArray();
    }

    /** {@code "name":"add_note"} as {@code "name":"\u0061dd_note"}: the same string to every JSON parser. */
    private static String escapeFirstNameCharacter(String json) {
        Matcher name = Pattern.compile("\"name\":\"(.)").matcher(json);
        assertThat(name.find()).isTrue();
        return json.substring(0, name.start(1)) + String.format("\\u%04x", (int) name.group(1).charAt(0)) + json.substring(name.end(1));
    }

    private static String toolCallJson(CallToolRequest call, int id) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", call.name());
        params.put("arguments", call.arguments() == null ? Map.of() : call.arguments());
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("jsonrpc", "2.0");
        message.put("id", id);
        message.put("method", "tools/call");
        message.put("params", params);
        return JsonMapper.shared().writeValueAsString(message);
    }

    private String bodyTestToken;
    private String bodyTestSessionId;
    private boolean bodyTestStatePrepared;

    /** Alice with the base scope only: the token every body test sends. */
    private synchronized String bodyTestToken() {
        if (bodyTestToken == null) {
            bodyTestToken = login(ALICE, BASE_SCOPE).accessToken();
        }
        return bodyTestToken;
    }

    /** A POST in alice's hand-made session (initialized as a client would), with this Content-Type and body. */
    private HttpResponse<String> sendInSession(String contentType, String contentEncoding, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(mcpEndpoint())
                .header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + bodyTestToken())
                .header("Mcp-Session-Id", bodyTestSessionId())
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (contentEncoding != null) {
            request.header("Content-Encoding", contentEncoding);
        }
        return send(request);
    }

    private synchronized String bodyTestSessionId() throws Exception {
        if (bodyTestSessionId == null) {
            HttpResponse<String> initialized = send(mcpRequest().header("Authorization", "Bearer " + bodyTestToken())
                    .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
            assertThat(initialized.statusCode()).isEqualTo(200);
            String sessionId = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
            HttpResponse<String> notified = send(mcpRequest().header("Authorization", "Bearer " + bodyTestToken())
                    .header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", "2025-11-25")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")));
            assertThat(notified.statusCode()).isEqualTo(202);
            bodyTestSessionId = sessionId;
        }
        return bodyTestSessionId;
    }

    // ---- sessions, keys, outages ------------------------------------------------------------------

    @Test
    void refusesASessionCreatedByAnotherUser() throws Exception {
        String aliceToken = track(forge.valid(audience(), "alice-subject", BASE_SCOPE));
        String bobToken = track(forge.valid(audience(), "bob-subject", BASE_SCOPE));
        HttpResponse<String> initialized = send(mcpRequest().header("Authorization", "Bearer " + aliceToken)
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
        String sessionId = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();

        HttpResponse<String> hijack = send(mcpRequest().header("Authorization", "Bearer " + bobToken)
                .header("Mcp-Session-Id", sessionId).POST(HttpRequest.BodyPublishers.ofString(TOOLS_LIST)));
        HttpResponse<String> owner = send(mcpRequest().header("Authorization", "Bearer " + aliceToken)
                .header("Mcp-Session-Id", sessionId).POST(HttpRequest.BodyPublishers.ofString(TOOLS_LIST)));

        // For bob the session does not exist: 404, the answer that makes a real client start its own.
        assertThat(hijack.statusCode()).isEqualTo(404);
        assertThat(hijack.body()).doesNotContain("tools");
        assertThat(owner.statusCode()).isEqualTo(200);
    }

    @Test
    void acceptsTokensSignedWithARotatedKeyWithoutRestartAndBoundsJwksRefetches() throws Exception {
        int fetchesBefore = environment().jwksProxy().requestCount();
        for (int attempt = 0; attempt < 30; attempt++) {
            post(forge.unknownKid(audience(), "forged-user", BASE_SCOPE));
        }
        int floodFetches = environment().jwksProxy().requestCount() - fetchesBefore;
        assertThat(floodFetches).as("JWKS fetches caused by 30 unknown kids").isLessThanOrEqualTo(2);

        // Keycloak starts signing with a new key (higher priority than its generated one).
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String newKid = realm().server().admin().addRsaKey(realm().name(),
                (RSAPrivateKey) generator.generateKeyPair().getPrivate(), true, 1000);
        String token = login(ALICE, BASE_SCOPE).accessToken();
        assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(newKid);

        // Accepted without a restart, at the latest once the refetch rate-limit window has passed.
        Instant deadline = Instant.now().plusSeconds(40);
        int status = post(token).statusCode();
        while (status != 200 && Instant.now().isBefore(deadline)) {
            Thread.sleep(1000);
            status = post(token).statusCode();
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void keepsValidatingWithCachedKeysWhileTheAuthorizationServerIsDown() throws Exception {
        String token = login(ALICE, BASE_SCOPE).accessToken();
        assertThat(post(token).statusCode()).isEqualTo(200); // keys now cached
        realm().server().stop();
        try {
            assertThat(post(token).statusCode()).isEqualTo(200);
            assertInvalidToken(forge.unknownKid(audience(), "forged-user", BASE_SCOPE)); // 401, never 500
        } finally {
            realm().server().start();
        }
    }

    // ---- zero-config sign-in: a client that knows only the URL registers (RFC 7591); nothing else does ----

    @Test
    void aClientThatKnowsOnlyTheUrlRegistersSignsInAndCallsATool() throws Exception {
        Discovery discovery = discover();
        // What mcp-remote sends (its client_uri included), with the scope the challenge names.
        Map<String, Object> registration = register(discovery, loopbackClient(discovery.challengedScope()));
        String clientId = (String) registration.get("client_id");
        try {
            assertThat(registration).doesNotContainKey("client_secret").containsEntry("token_endpoint_auth_method", "none");

            Tokens tokens = AuthorizationCodeFlow.with(realm(), clientId).scope(discovery.challengedScope().split(" "))
                    .resource(discovery.resource()).run(new HeadlessUserAgent(), ALICE);
            track(tokens.accessToken());

            assertThat(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(clientId);
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {
                assertThat(client.callTool(identityCall()).isError()).isNotEqualTo(Boolean.TRUE);
            }
        } finally {
            deleteRegistration(registration);
        }
    }

    /** A client that registers without a scope gets the realm's defaults for new clients: every advertised scope. */
    @Test
    void everyAdvertisedScopeCanBeGrantedToAClientRegisteredWithoutAScopeAndToTheDemoClient() throws Exception {
        Discovery discovery = discover();
        Set<String> advertised = new TreeSet<>(discovery.scopesSupported());
        advertised.remove("openid"); // OpenID Connect's own, always grantable, never in an access token's scope
        assertThat(advertised).contains(BASE_SCOPE, stepUpScope());
        Map<String, Object> registration = register(discovery, loopbackClient(null));
        try {
            for (String clientId : List.of((String) registration.get("client_id"), CLIENT_ID)) {
                Tokens tokens = AuthorizationCodeFlow.with(realm(), clientId).scope(advertised.toArray(String[]::new))
                        .resource(discovery.resource()).run(new HeadlessUserAgent(), ALICE);
                track(tokens.accessToken());
                assertThat(tokens.scopes()).as("scopes granted to " + clientId).containsAll(advertised);
            }
        } finally {
            deleteRegistration(registration);
        }
    }

    /**
     * Keycloak's limit, shown so that it is not a surprise: a registration's {@code scope} becomes the
     * client's only optional scopes, so a client that registered with the challenged scope (mcp-remote and
     * the TypeScript SDK do) cannot step up beyond it; Keycloak answers invalid_scope.
     */
    @Test
    void aClientRegisteredWithTheChallengedScopeCannotStepUpBeyondIt() throws Exception {
        Discovery discovery = discover();
        Map<String, Object> registration = register(discovery, loopbackClient(discovery.challengedScope()));
        try {
            Throwable stepUp = catchThrowable(() -> AuthorizationCodeFlow.with(realm(), (String) registration.get("client_id"))
                    .scope(BASE_SCOPE, stepUpScope()).resource(discovery.resource()).run(new HeadlessUserAgent(), ALICE));

            assertThat(stepUp).hasMessageContaining("invalid_scope");
        } finally {
            deleteRegistration(registration);
        }
    }

    /** Only loopback redirect URIs (RFC 8252 section 7.3) are registered; each of these would deliver codes elsewhere. */
    @ParameterizedTest
    @ValueSource(strings = {"https://attacker.example/callback", "http://attacker.example/callback",
            "javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
            "http://127.0.0.1@attacker.example/callback", "http://localhost.attacker.example/callback",
            "http://127.0.0.1/callback#fragment", "http://127.0.0.1/*", "com.attacker.app:/callback"})
    void refusesToRegisterARedirectUriOffLoopback(String redirectUri) throws Exception {
        Discovery discovery = discover();
        Map<String, Object> request = new LinkedHashMap<>(loopbackClient(discovery.challengedScope()));
        request.put("redirect_uris", List.of("http://127.0.0.1:33418/callback", redirectUri));

        assertRegistrationRefused(discovery, request);
    }

    /** A registered client asks only for the MCP server's scopes: not another resource's, not an unknown one. */
    @ParameterizedTest
    @ValueSource(strings = {"other:api", "unknown:scope", "offline_access"})
    void refusesToRegisterAScopeOutsideTheRealmsPolicy(String scope) throws Exception {
        Discovery discovery = discover();

        assertRegistrationRefused(discovery, loopbackClient(discovery.challengedScope() + " " + scope));
    }

    /** What a client learns from the URL alone: the challenge, then RFC 9728 and RFC 8414 metadata. */
    private record Discovery(String challengedScope, URI resource, List<String> scopesSupported, URI registrationEndpoint) {
    }

    private Discovery discover() throws Exception {
        BearerChallenge challenge = challenge(send(mcpRequest().POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))));
        JsonNode resource = JsonMapper.shared().readTree(get(URI.create(challenge.get("resource_metadata")), Map.of()).body());
        URI issuer = URI.create(resource.get("authorization_servers").get(0).asString());
        JsonNode server = JsonMapper.shared().readTree(get(URI.create(issuer + "/.well-known/openid-configuration"), Map.of()).body());
        Set<String> scopes = new LinkedHashSet<>();
        resource.path("scopes_supported").forEach(scope -> scopes.add(scope.asString()));
        server.path("scopes_supported").forEach(scope -> scopes.add(scope.asString()));
        return new Discovery(challenge.get("scope"), URI.create(resource.get("resource").asString()), List.copyOf(scopes),
                URI.create(server.get("registration_endpoint").asString()));
    }

    /** A native MCP client's registration, as mcp-remote and the TypeScript SDK send it. */
    private static Map<String, Object> loopbackClient(String scope) {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("client_name", "contract: a client that knows only the URL");
        client.put("client_uri", "https://github.com/modelcontextprotocol/mcp-cli");
        client.put("redirect_uris", List.of("http://127.0.0.1/callback")); // any port (RFC 8252 section 7.3)
        client.put("grant_types", List.of("authorization_code", "refresh_token"));
        client.put("response_types", List.of("code"));
        client.put("token_endpoint_auth_method", "none");
        if (scope != null) {
            client.put("scope", scope);
        }
        return client;
    }

    private Map<String, Object> register(Discovery discovery, Map<String, Object> client) throws Exception {
        HttpResponse<String> response = postJson(discovery.registrationEndpoint(), client);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        Map<String, Object> registration = JsonMapper.shared().readValue(response.body(), new tools.jackson.core.type.TypeReference<>() { });
        track((String) registration.get("registration_access_token"));
        return registration;
    }

    /** Keycloak refuses with 403 insufficient_scope (RFC 7591 would say 400 invalid_redirect_uri) and creates nothing. */
    private void assertRegistrationRefused(Discovery discovery, Map<String, Object> client) throws Exception {
        HttpResponse<String> response = postJson(discovery.registrationEndpoint(), client);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        JsonNode error = JsonMapper.shared().readTree(response.body());
        assertThat(error.path("error").asString()).isEqualTo("insufficient_scope");
        assertThat(error.has("client_id")).isFalse();
    }

    /** RFC 7592: the client goes again, so repeated runs stay within the realm's cap on registered clients. */
    private void deleteRegistration(Map<String, Object> registration) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create((String) registration.get("registration_client_uri")))
                .header("Authorization", "Bearer " + registration.get("registration_access_token")).DELETE());
        assertThat(response.statusCode()).isEqualTo(204);
    }

    private HttpResponse<String> postJson(URI uri, Map<String, Object> body) throws Exception {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JsonMapper.shared().writeValueAsString(body))));
    }

    // ---- the probe: what `make probe URL=...` checks, run against this server -------------------------

    @Test
    void probeFindsEveryMustMetAndEveryRefusalComplete() throws Exception {
        // Forged tokens signed with the realm-trusted key, so each fails for its one reason; a real token too,
        // and a real token the same realm issued for another resource (RFC 8707), which must be refused.
        String token = login(ALICE, BASE_SCOPE).accessToken();
        String foreignToken = track(AuthorizationCodeFlow.with(realm(), CLIENT_ID).scope(ContractRealm.OTHER_API_SCOPE)
                .resource(ContractRealm.otherResourceUrl(mcpUrl())).run(new HeadlessUserAgent(), ALICE).accessToken());

        ProbeReport report = Probe.of(mcpEndpoint()).signer(claims -> track(forge.sign(claims))).token(token)
                .foreignToken(foreignToken).register(true).run();

        System.out.println(TextReport.render(report));
        assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
        assertThat(report.exitCode()).isZero();
        // No token, garbage, alg none, an untrusted key, expired, wrong audience, a real token for another
        // resource: 401, one Bearer challenge, the right error, resource_metadata and scope. SHOULDs included:
        // this cookbook meets them all.
        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.UNAUTHENTICATED
                        || r.check().step() == Step.FORGED_TOKENS || r.check().step() == Step.AUDIENCE)
                .hasSize(35).allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        assertThat(report.results("token.audience")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.INFO));
        assertThat(report.notes()).noneMatch(note -> note.contains("NOT tested"));
        assertThat(report.results("prm.discoverable")).singleElement()
                .satisfies(r -> assertThat(r.detail()).contains(resourceMetadataUrl()));
        assertThat(report.results("as.issuer")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        assertThat(report.results("as.pkce-s256")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        assertThat(report.results("token.accepted")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        // --register: a client that knows only the URL can get in, and the probe leaves no client behind.
        assertThat(report.results("prm.resource-identical")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        assertThat(report.results("registration.open")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        assertThat(report.results("registration.delete")).singleElement()
                .satisfies(r -> assertThat(r.detail()).endsWith(" deleted"));
        assertThat(report.results("token.claims")).singleElement()
                .satisfies(r -> assertThat(r.detail()).contains(audience()).doesNotContain(token));
    }

    @AfterAll
    void noTokenReachedTheLog() {
        String log = LogCapture.text();
        assertThat(log).as("captured server log").isNotBlank();
        for (String token : tokensSent) {
            assertThat(log).doesNotContain(token);
            String[] parts = token.split("\\.");
            if (parts.length == 3 && parts[2].length() > 16) {
                assertThat(log).doesNotContain(parts[2]); // not even the signature alone
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    protected final URI mcpUrl() {
        return environment().mcpUrl();
    }

    protected final URI mcpEndpoint() {
        return environment().mcpEndpoint();
    }

    protected final Realm realm() {
        return environment().realm();
    }

    private String audience() {
        return mcpUrl().toString();
    }

    /** RFC 9728 section 3.1, computed as the probe (and a client) computes it. */
    private String resourceMetadataUrl() {
        return ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()).toString();
    }

    private static void assertAllPass(List<CheckResult> results) {
        assertThat(results).isNotEmpty().allSatisfy(result ->
                assertThat(result.verdict()).as(result.toString()).isEqualTo(Verdict.PASS));
    }

    /** A token as a real client gets it: login page, PKCE, resource indicator. */
    private Tokens login(dev.mcpoauth.cookbook.testkit.browser.UserCredentials user, String... scopes) {
        Tokens tokens = AuthorizationCodeFlow.with(realm(), CLIENT_ID).scope(scopes).resource(mcpUrl())
                .run(new HeadlessUserAgent(), user);
        track(tokens.accessToken());
        return tokens;
    }

    private void assertInvalidToken(String token) throws Exception {
        assertInvalidToken(RejectedCredential.INVALID, token);
    }

    /** The probe's verdict on the answer (every check passes), then this cookbook's exact values. */
    private void assertInvalidToken(RejectedCredential kind, String token) throws Exception {
        HttpResponse<String> response = post(token);

        assertAllPass(UnauthorizedResponse.judge(kind, response.statusCode(),
                response.headers().allValues("WWW-Authenticate"), resourceMetadataUrl()));
        assertThat(response.statusCode()).isEqualTo(401);
        BearerChallenge challenge = challenge(response);
        assertThat(challenge.get("error")).isEqualTo("invalid_token");
        assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());
        assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE);
    }

    private HttpResponse<String> post(String token) throws Exception {
        return send(mcpRequest().header("Authorization", "Bearer " + track(token))
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
    }

    private HttpRequest.Builder mcpRequest() {
        return HttpRequest.newBuilder(mcpEndpoint())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
    }

    private HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        headers.forEach(request::header);
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("never a server error").isLessThan(500);
        assertNoJavaInternals(response.body());
        for (String token : tokensSent) {
            assertThat(response.body()).doesNotContain(token);
            assertThat(response.headers().map().toString()).doesNotContain(token);
        }
        return response;
    }

    private String track(String token) {
        if (token.length() < 4096) {
            tokensSent.add(token);
        }
        return token;
    }

    private static BearerChallenge challenge(HttpResponse<String> response) {
        List<String> headers = response.headers().allValues("WWW-Authenticate");
        assertThat(headers).hasSize(1);
        return BearerChallenge.parse(headers.get(0));
    }
}
