package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.BearerChallengeMatcher.bearerChallenge;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.INITIALIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import io.restassured.builder.ResponseSpecBuilder;
import io.restassured.http.Method;
import io.restassured.specification.ResponseSpecification;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP endpoint, {@code /mcp}, as a resource server for the proxy's own tokens: the RFC 6750
 * challenges, which tokens it takes, whose session a request may use, which browser origins reach
 * it, and the JSON-RPC body rules (one reading, UTF-8 only, refused before the MCP transport).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpEndpointTest {

    static {
        LogCapture.install();
    }

    private static final String LIST_REPOSITORIES = """
            {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_repositories","arguments":{}}}""";
    private static final Charset EBCDIC = Charset.forName("IBM037");

    private ProxyStack stack;
    /** Alice's tokens for one client: the base scope only, and every tool's scope (after a step-up). */
    private String baseScopeOnly;
    private String everyTool;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
        String clientId = stack.registerClient("Alice's MCP client");
        baseScopeOnly = stack.login(new HeadlessUserAgent(), clientId, ALICE, ProxyStack.BASE_SCOPE).accessToken();
        everyTool = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE).accessToken();
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    // ---- the challenge and the tokens -------------------------------------------------------------

    @Test
    void aRequestWithoutATokenGetsAChallengeForTheBaseScope() {
        stack.given().contentType("application/json").accept("application/json, text/event-stream").body(INITIALIZE)
        .when()
            .post("/mcp")
        .then()
            .statusCode(401)
            .header("WWW-Authenticate", bearerChallenge(
                    "resource_metadata", stack.resourceMetadataUrl(), "scope", ProxyStack.BASE_SCOPE));
    }

    interface Forgery {
        String token(RSAKey proxyKey, RSAKey otherKey, JWTClaimsSet realClaims) throws Exception;
    }

    static Stream<Arguments> forgedTokens() {
        return Stream.of(
                argumentSet("another audience", (Forgery) (proxyKey, otherKey, claims) ->
                        sign(proxyKey, new JWTClaimsSet.Builder(claims).audience("https://other.example/mcp").build())),
                argumentSet("another issuer", (Forgery) (proxyKey, otherKey, claims) ->
                        sign(proxyKey, new JWTClaimsSet.Builder(claims).issuer("https://evil.example").build())),
                argumentSet("expired", (Forgery) (proxyKey, otherKey, claims) -> sign(proxyKey,
                        new JWTClaimsSet.Builder(claims).expirationTime(Date.from(Instant.now().minusSeconds(120))).build())),
                argumentSet("signed with another key under the proxy's key id", (Forgery) (proxyKey, otherKey, claims) ->
                        sign(otherKey, claims)),
                argumentSet("validly signed, but no grant issued it", (Forgery) (proxyKey, otherKey, claims) ->
                        sign(proxyKey, new JWTClaimsSet.Builder(claims).jwtID("minted-by-someone-with-the-key").build())));
    }

    /** 401 with the RFC 6750 {@code invalid_token} challenge, which tells the client to get a new token. */
    @ParameterizedTest
    @MethodSource("forgedTokens")
    void aForgedOrForeignTokenGetsTheInvalidTokenChallenge(Forgery forgery) throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(baseScopeOnly).getJWTClaimsSet();
        RSAKey proxyKey = (RSAKey) stack.bean(JWKSource.class).get(new JWKSelector(new JWKMatcher.Builder().build()), null).get(0);
        RSAKey otherKey = new RSAKeyGenerator(2048).keyID(proxyKey.getKeyID()).generate();

        stack.mcp(forgery.token(proxyKey, otherKey, claims)).body(INITIALIZE)
        .when()
            .post("/mcp")
        .then()
            .statusCode(401)
            .header("WWW-Authenticate", bearerChallenge(
                    "error", "invalid_token", "resource_metadata", stack.resourceMetadataUrl()));
    }

    @Test
    void aTokenInTheUrlIsRefusedWithTheChallenge() {
        String token = freshToken("Token in the URL");

        stack.given().contentType("application/json").accept("application/json, text/event-stream").body(INITIALIZE)
        .when()
            .post("/mcp?access_token=" + token)
        .then()
            .statusCode(401)
            .header("WWW-Authenticate", bearerChallenge("resource_metadata", stack.resourceMetadataUrl()));
    }

    /** Spring Security logs URLs at DEBUG; the refusal comes before it. */
    @Test
    void aTokenInTheUrlNeverReachesTheLog() {
        String token = freshToken("Token in the URL, logged");

        stack.given().contentType("application/json").accept("application/json, text/event-stream").body(INITIALIZE)
                .when().post("/mcp?access_token=" + token).then().statusCode(401);

        assertThat(LogCapture.text()).doesNotContain(token);
    }

    // ---- sessions ---------------------------------------------------------------------------------

    @Test
    void anMcpSessionServesTheUserWhoOpenedIt() {
        String session = openSession(baseScopeOnly);

        stack.mcp(baseScopeOnly).headers(inSession(session)).body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")
        .when()
            .post("/mcp")
        .then()
            .statusCode(200);
    }

    /** As for an unknown session: nothing learned. */
    @Test
    void anMcpSessionIsNotFoundForAnotherUsersToken() {
        String session = openSession(baseScopeOnly);
        String bob = stack.login(new HeadlessUserAgent(), stack.registerClient("Bob's client"), BOB).accessToken();

        stack.mcp(bob).headers(inSession(session)).body("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")
        .when()
            .post("/mcp")
        .then()
            .statusCode(404);
    }

    // ---- browser origins --------------------------------------------------------------------------

    /** A page on another site, using a valid token (DNS rebinding, or a token the page got hold of). */
    @Test
    void aPageOnAnUnlistedOriginIsRefusedEvenWithAValidToken() {
        stack.mcp(baseScopeOnly).header("Origin", "https://evil.example").body(INITIALIZE)
        .when()
            .post("/mcp")
        .then()
            .statusCode(403)
            .spec(jsonRpcError(-32600))
            .header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void anUnlistedOriginsPreflightIsRefused() {
        stack.preflight("https://evil.example")
        .when()
            .options("/mcp")
        .then()
            .statusCode(403);
    }

    @Test
    void mcpInspectorsOriginIsAnsweredWithItsCorsHeader() {
        stack.mcp(baseScopeOnly).header("Origin", "http://localhost:6274").body(INITIALIZE)
        .when()
            .post("/mcp")
        .then()
            .statusCode(200)
            .header("Access-Control-Allow-Origin", "http://localhost:6274");
    }

    @Test
    void mcpInspectorsPreflightIsAnswered() {
        stack.preflight("http://localhost:6274")
        .when()
            .options("/mcp")
        .then()
            .statusCode(200);
    }

    // ---- the JSON-RPC body: one reading, UTF-8 only, refused before the transport -----------------

    /**
     * Issue 18: the scope filter read raw bytes with Jackson (which guesses UTF-8, 16 or 32) while the
     * MCP SDK decodes the charset the request declares, so an EBCDIC tools/call got past it. Only
     * {@code application/json} in UTF-8 reaches the transport now (RFC 8259 section 8.1).
     */
    @Test
    void anEbcdicToolCallIsRefusedAsAnUnsupportedMediaType() {
        String session = openSession(baseScopeOnly);
        long listed = repositoryListings();

        HttpResponse<String> response = postBytes(baseScopeOnly, "application/json; charset=IBM037",
                LIST_REPOSITORIES.getBytes(EBCDIC), session);

        assertThat(response.statusCode()).isEqualTo(415);
        assertJsonRpcError(response, -32700);
        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    @Test
    void anEbcdicToolCallIsRefusedEvenWithTheToolsScope() {
        String session = openSession(baseScopeOnly);

        HttpResponse<String> response = postBytes(everyTool, "application/json; charset=IBM037",
                LIST_REPOSITORIES.getBytes(EBCDIC), session);

        assertThat(response.statusCode()).isEqualTo(415); // refused for its charset, whatever the token
    }

    @Test
    void aToolCallWithoutTheToolsScopeIsRefusedWithInsufficientScope() {
        String session = openSession(baseScopeOnly);
        long listed = repositoryListings();

        stack.mcp(baseScopeOnly).headers(inSession(session)).body(LIST_REPOSITORIES)
        .when()
            .post("/mcp")
        .then()
            .statusCode(403)
            .header("WWW-Authenticate", bearerChallenge("error", "insufficient_scope",
                    "scope", "mcp:tools repos:read", "resource_metadata", stack.resourceMetadataUrl()));
        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
    }

    /** The control for the refusals above: in the same kind of session, the UTF-8 call with the scope runs. */
    @Test
    void aToolCallWithTheToolsScopeRunsTheTool() {
        String session = openSession(baseScopeOnly);
        long listed = repositoryListings();

        // The body is the tool's result. Its 200 alone proves nothing: the SDK (2.2.0) sends the event stream's
        // headers before the tool runs.
        stack.mcp(everyTool).headers(inSession(session)).body(LIST_REPOSITORIES)
        .when()
            .post("/mcp")
        .then()
            .statusCode(200)
            .body(containsString("\"structuredContent\":{\"repositories\":[\"alice/dotfiles\",\"alice/garden-planner\"]}"));
        assertThat(repositoryListings()).isEqualTo(listed + 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TRACE", "HEAD"})
    void aMethodTheEndpointDoesNotServeIs405WithoutEchoingTheToken(String method) {
        stack.given().header("Authorization", "Bearer " + baseScopeOnly).accept("text/event-stream")
        .when()
            .request(Method.valueOf(method), "/mcp")
        .then()
            .statusCode(405)
            .body(not(containsString(baseScopeOnly)))
            .body(not(containsString("Bearer")));
    }

    /** MCP has had no batches since 2025-06-18. */
    @Test
    void aBatchIsRefusedAsAnInvalidRequest() {
        stack.mcp(baseScopeOnly).body("[" + INITIALIZE + "," + LIST_REPOSITORIES + "]")
        .when()
            .post("/mcp")
        .then()
            .statusCode(400)
            .spec(jsonRpcError(-32600));
    }

    @Test
    void aBodyWithADuplicateKeyIsRefusedAsAParseError() {
        stack.mcp(baseScopeOnly).body("""
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami","name":"list_repositories"}}""")
        .when()
            .post("/mcp")
        .then()
            .statusCode(400)
            .spec(jsonRpcError(-32700));
    }

    /**
     * What a 2026-07-28 client sends first. The MCP SDK answers it with a serialized exception and
     * its stack trace (through the whole Spring Security filter chain); the client gets a JSON-RPC error.
     */
    @Test
    void aSessionlessRequestOtherThanInitializeGetsAJsonRpcErrorWithoutJavaInternals() {
        stack.mcp(baseScopeOnly).body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}")
        .when()
            .post("/mcp")
        .then()
            .statusCode(400)
            .spec(jsonRpcError(-32600))
            .body("id", equalTo(1));
    }

    /**
     * Spring Security's firewall answers a URL it rejects with {@code sendError(400)}; Spring Boot would
     * dispatch that to its error page, which this server's other chains answer. On /mcp: a JSON-RPC error.
     */
    @Test
    void aUrlSpringSecuritysFirewallRejectsGetsAJsonRpcError() {
        stack.mcp(baseScopeOnly).body(INITIALIZE)
        .when()
            .post("/mcp;jsessionid=x")
        .then()
            .statusCode(400)
            .spec(jsonRpcError(-32600));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A JSON-RPC error object and nothing else: no Spring Boot error fields, nothing of an exception. */
    private static ResponseSpecification jsonRpcError(int code) {
        return new ResponseSpecBuilder()
                .expectHeader("Content-Type", startsWith("application/json"))
                .expectBody("$", allOf(aMapWithSize(3), hasKey("jsonrpc"), hasKey("id"), hasKey("error")))
                .expectBody("error.code", equalTo(code))
                .expectBody(allOf(not(containsString("timestamp")), not(containsString("stackTrace")),
                        not(containsString("cause")), not(containsString("localizedMessage")), not(containsString("Exception"))))
                .build();
    }

    /** {@link #jsonRpcError(int)} for a response the JDK client got. */
    private static void assertJsonRpcError(HttpResponse<String> response, int code) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JsonMapper.shared().readTree(response.body());
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("jsonrpc", "id", "error");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(code);
        assertThat(response.body()).doesNotContain("timestamp", "stackTrace", "cause", "localizedMessage", "Exception");
    }

    /** The JDK client: these bodies must reach the proxy as exactly these bytes under exactly this Content-Type. */
    private HttpResponse<String> postBytes(String accessToken, String contentType, byte[] body, String session) {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.mcpUrl())
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", contentType).header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        inSession(session).forEach(request::header);
        return stack.send(request.build());
    }

    private String openSession(String accessToken) {
        return stack.mcp(accessToken).body(INITIALIZE).when().post("/mcp")
                .then().statusCode(200).extract().header("Mcp-Session-Id");
    }

    private static Map<String, String> inSession(String session) {
        return Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25");
    }

    private String freshToken(String clientName) {
        return stack.login(new HeadlessUserAgent(), stack.registerClient(clientName), ALICE).accessToken();
    }

    private long repositoryListings() {
        return stack.github.apiCalls().stream().filter(call -> call.path().equals("/user/repos")).count();
    }

    private static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
