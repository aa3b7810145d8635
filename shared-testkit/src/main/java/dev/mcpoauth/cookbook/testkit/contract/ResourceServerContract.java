package dev.mcpoauth.cookbook.testkit.contract;

import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.INITIALIZE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.INITIALIZED;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.MCP_ACCEPT;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.TOOLS_LIST;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.assertJsonRpcError;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.bearerChallenge;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.bearerChallengeWith;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.challenge;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.jsonRpcError;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.oneOf;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.probe.CheckResult;
import dev.mcpoauth.cookbook.probe.Probe;
import dev.mcpoauth.cookbook.probe.ProbeReport;
import dev.mcpoauth.cookbook.probe.ProbeResponse;
import dev.mcpoauth.cookbook.probe.ProtectedResourceMetadataDiscovery;
import dev.mcpoauth.cookbook.probe.RejectedCredential;
import dev.mcpoauth.cookbook.probe.Revision;
import dev.mcpoauth.cookbook.probe.RevisionSupport;
import dev.mcpoauth.cookbook.probe.Step;
import dev.mcpoauth.cookbook.probe.TextReport;
import dev.mcpoauth.cookbook.probe.UnauthorizedResponse;
import dev.mcpoauth.cookbook.probe.Verdict;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.mcp.Mcp2026TestClient;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.tokens.TokenForge;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The contract every MCP resource server in the cookbook passes, whatever its framework. A recipe
 * subclasses it and says what it serves in {@link #serverUnderTest()}: it protects
 * {@link ContractEnvironment#mcpUrl()}, serves MCP at {@link ContractEnvironment#mcpEndpoint()} (the
 * same URL, or a path under it for a gateway) with its JWKS URI set to
 * {@link ContractEnvironment#jwksUri()}, and its tools ({@link RecipeTools}: the notes tools unless it
 * says otherwise). Every test runs unchanged for all; shared-testkit/README.md lists what they check.
 *
 * <p>The tests, grouped and run in this order: {@link Discovery}, {@link RefusedTokens},
 * {@link InsufficientScope}, {@link SignIn}, {@link Registration}, {@link SessionsAndKeys},
 * {@link Transport}, {@link Outages}, {@link ProbeRun}, {@link Mcp2026}. The order matters where tests share what the
 * demo users own: alice's step-up (her first note) before {@link SignIn}'s isolation test adds
 * another, bob's empty notes before the walk-through adds one. Each states what an attacker (or a client)
 * sends, and the exact answer. Forged tokens are signed with a key the realm publishes (see
 * {@link TokenForge}), so each fails for the single reason under test;
 * {@link RefusedTokens#acceptsTheForgedControlToken(Wire)} proves the forge itself is trusted.
 *
 * <p>Every recipe speaks MCP 2025-11-25. Where it also speaks 2026-07-28 on the same URL
 * ({@link ResourceServerUnderTest#speakingMcp2026()}), each test whose request does not depend on the
 * revision sends it in both ({@link Wire}), and {@link Mcp2026} adds what only 2026-07-28 has; where
 * it does not, those cases are skipped with a message that says why.
 *
 * <p>Where the contract checks what {@code make probe} checks (challenge parsing, metadata locations
 * and contents, the verdict on a refused request), it calls the probe's code
 * ({@code dev.mcpoauth.cookbook.probe}), then asserts this cookbook's exact values on top;
 * {@link ProbeRun} runs the whole probe against the server. Every answer is checked by
 * {@link ContractHttp}: never a 5xx, a Java exception or a token sent; after all tests, no token
 * sent is in the server's log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class) // as they read; the users' notes make the order matter
public abstract class ResourceServerContract {

    static {
        LogCapture.install();
    }

    /** What the recipe serves: its URL, realm, resource name and tools. */
    protected abstract ResourceServerUnderTest serverUnderTest();

    private final ContractHttp http = new ContractHttp();
    private ResourceServerUnderTest server;
    private TokenForge forge;
    private Map<String, String> realSessions;

    /**
     * Forged tokens speak for real users' sessions (alice's and bob's), so a server that hands them
     * on to Keycloak, as a gateway's token exchange does, gets them accepted there too.
     */
    @BeforeAll
    void trustForgingKey() {
        String alice = login(ALICE, BASE_SCOPE).accessToken();
        String bob = login(BOB, BASE_SCOPE).accessToken();
        realSessions = Map.of("forged-user", alice, "alice-subject", alice, "bob-subject", bob);
        forge = TokenForge.trustedBy(realm()).withSessionsOf(realSessions);
    }

    @AfterAll
    void noTokenReachedTheLog() {
        String log = LogCapture.text();
        assertThat(log).as("captured server log").isNotBlank();
        for (String token : http.tokensSent()) {
            assertThat(log).doesNotContain(token);
            String[] parts = token.split("\\.");
            if (parts.length == 3 && parts[2].length() > 16) {
                assertThat(log).doesNotContain(parts[2]); // not even the signature alone
            }
        }
    }

    /** RFC 9728 metadata: where a client that knows only the URL learns whom to ask for a token. */
    @Nested
    @Order(1)
    class Discovery {

        @Test
        void pathSuffixedMetadataDescribesTheMcpEndpointFieldByField() throws Exception {
            URI location = ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl());

            Response response = http.given().get(location);

            response.then().statusCode(200).contentType(startsWith("application/json"));
            assertAllPass(ProtectedResourceMetadataDiscovery.judge(probeResponse(location, response), mcpUrl()).results());
            Map<String, Object> document = JsonMapper.shared().readValue(response.asString(), new TypeReference<>() { });
            assertThat(document).containsEntry("resource", audience())              // RFC 9728 section 2
                    .containsEntry("authorization_servers", List.of(realm().issuer().toString()))
                    .containsEntry("bearer_methods_supported", List.of("header"))  // no query or body tokens
                    .containsEntry("resource_name", server().resourceName());
            // The base scope first; a server with more tools (a gateway) lists more after it.
            assertThat((List<Object>) document.get("scopes_supported")).startsWith(BASE_SCOPE).contains(tools().stepUpScope());
            // Optional members may only say what is true: no mTLS-bound tokens here.
            assertThat(document.get("tls_client_certificate_bound_access_tokens")).isIn(null, false);
        }

        @Test
        void rootMetadataNamesTheSameResourceForClientsThatFallBackToIt() throws Exception {
            URI location = ProtectedResourceMetadataDiscovery.rootLocation(mcpUrl());

            Response response = http.given().get(location);

            if (!server().servesRootMetadata()) {
                response.then().statusCode(404);
                return;
            }
            response.then().statusCode(200)
                    .body("resource", equalTo(audience()))
                    .body("authorization_servers", equalTo(List.of(realm().issuer().toString())));
            assertAllPass(ProtectedResourceMetadataDiscovery.judge(probeResponse(location, response), mcpUrl()).results());
        }

        @Test
        void metadataIsReadableFromBrowserClients() {
            http.given().header("Origin", "http://localhost:6274")
                    .when().get(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()))
                    .then().header("Access-Control-Allow-Origin", oneOf("*", "http://localhost:6274"));
        }

        @Test
        void metadataAnswersTheCorsPreflightOfBrowserClients() {
            // Browser-based MCP clients send MCP-Protocol-Version with the discovery request: not a "simple" header,
            // so the browser asks first (OPTIONS) and gives up on discovery if the answer lacks CORS headers.
            Response response = http.given().header("Origin", "http://localhost:6274")
                    .header("Access-Control-Request-Method", "GET")
                    .header("Access-Control-Request-Headers", "mcp-protocol-version")
                    .when().options(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()));

            response.then().statusCode(allOf(greaterThanOrEqualTo(200), lessThanOrEqualTo(204)))
                    .header("Access-Control-Allow-Origin", oneOf("*", "http://localhost:6274"));
            assertThat(String.valueOf(response.header("Access-Control-Allow-Headers")).toLowerCase())
                    .matches("\\*|.*mcp-protocol-version.*");
        }

        @Test
        void forwardedHeadersCannotChangeTheResourceInTheMetadata() {
            http.given().header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")
                    .header("Forwarded", "host=evil.example")
                    .when().get(ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl()))
                    .then().body("resource", equalTo(audience()));
        }

        @Test
        void forwardedHeadersCannotChangeTheMetadataUrlInTheChallenge() {
            mcpRequest().header("X-Forwarded-Host", "evil.example").body(INITIALIZE)
                    .when().post(mcpEndpoint())
                    .then().header("WWW-Authenticate", bearerChallengeWith(Map.of("resource_metadata", resourceMetadataUrl())));
        }
    }

    /** 401: no usable token. Each answer is judged by the probe, then held to this cookbook's exact values. */
    @Nested
    @Order(2)
    class RefusedTokens {

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void acceptsTheForgedControlToken(Wire wire) {
            assumeSpoken(wire);

            postFirstRequest(wire, forge.valid(audience(), "forged-user", BASE_SCOPE)).then().statusCode(200);
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void rejectsARequestWithoutTokenWithAChallengeThatLeadsToDiscovery(Wire wire) {
            assumeSpoken(wire);

            Response response = mcpRequest(wire, wire.firstRequest()).post(mcpEndpoint());

            assertAllPass(UnauthorizedResponse.judge(RejectedCredential.NO_TOKEN, response.statusCode(),
                    response.headers().getValues("WWW-Authenticate"), resourceMetadataUrl()));
            // RFC 6750 section 3.1: no error code when the request carried no credentials.
            response.then().statusCode(401).header("WWW-Authenticate", bearerChallenge(noTokenChallenge()));
        }

        static Stream<Arguments> requestsWithoutToken() {
            return Stream.of(
                    argumentSet("GET (the SSE stream)", "GET", "application/json", null),
                    argumentSet("DELETE (ending a session)", "DELETE", "application/json", null),
                    argumentSet("a JSON-RPC batch", "POST", "application/json", "[" + INITIALIZE + "," + TOOLS_LIST + "]"),
                    argumentSet("a text/plain body", "POST", "text/plain", "hi"));
        }

        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("requestsWithoutToken")
        void rejectsEveryMethodAndContentTypeWithoutToken(String method, String contentType, String body) {
            RequestSpecification request = http.given().header("Accept", MCP_ACCEPT).contentType(contentType);
            if (body != null) {
                request.body(body);
            }

            request.when().request(method, mcpEndpoint())
                    .then().statusCode(401)
                    .header("WWW-Authenticate", bearerChallengeWith(Map.of("resource_metadata", resourceMetadataUrl())));
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void ignoresATokenInTheQueryString(Wire wire) throws Exception {
            assumeSpoken(wire);
            String token = http.track(forge.valid(audience(), "forged-user", BASE_SCOPE));

            // JDK client: the query goes out exactly as written, without a client's re-encoding.
            HttpResponse<String> response = http.send(jdkMcpRequest(wire, wire.firstRequest())
                    .uri(URI.create(mcpEndpoint() + "?access_token=" + token)));

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response).parameters()).isEqualTo(noTokenChallenge());
        }

        @ParameterizedTest(name = "?{0}=")
        @ValueSource(strings = {"ACCESS_TOKEN", "access%5Ftoken", "%61ccess_token", "%41CCESS%5FTOKEN"})
        void ignoresATokenInTheQueryStringHoweverItsNameIsWritten(String name) throws Exception {
            // The container decodes the name; a check that compares it as sent would pass the request on, with its
            // URL and the token in it, to code that may log it. A valid header token does not make it acceptable.
            String token = http.track(forge.valid(audience(), "forged-user", BASE_SCOPE));

            // JDK client: the percent-encoded name goes out exactly as written.
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(mcpEndpoint() + "?" + name + "=" + token))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .header("Accept", MCP_ACCEPT)
                    .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response).parameters()).isEqualTo(noTokenChallenge());
        }

        /** A token forged to fail for one reason, and the probe's name for that reason. */
        static Stream<Arguments> forgedTokens() {
            return Stream.of(
                    forged("expired five minutes ago", RejectedCredential.EXPIRED,
                            (forge, server) -> forge.expired(server.audience(), "forged-user", BASE_SCOPE, Duration.ofMinutes(5))),
                    forged("not yet valid for five minutes, beyond the clock skew", RejectedCredential.INVALID,
                            (forge, server) -> forge.notYetValid(server.audience(), "forged-user", BASE_SCOPE, Duration.ofMinutes(5))),
                    forged("without expiry", RejectedCredential.INVALID,
                            (forge, server) -> forge.sign(forge.validClaims(server.audience(), "forged-user", BASE_SCOPE)
                                    .expirationTime(null).build())),
                    forged("from another issuer", RejectedCredential.INVALID,
                            (forge, server) -> forge.withIssuer("http://localhost:1/realms/evil", server.audience(), "forged-user", BASE_SCOPE)),
                    forged("for another audience", RejectedCredential.WRONG_AUDIENCE,
                            (forge, server) -> forge.valid(otherResource(server), "forged-user", BASE_SCOPE)),
                    // A token valid at several resources is a token another resource server could replay here.
                    forged("for several audiences, under the strict policy", RejectedCredential.INVALID,
                            (forge, server) -> forge.sign(forge.validClaims(server.audience(), "forged-user", BASE_SCOPE)
                                    .audience(List.of(server.audience(), otherResource(server))).build())),
                    forged("unsigned (alg none)", RejectedCredential.ALG_NONE,
                            (forge, server) -> forge.unsigned(server.audience(), "forged-user", BASE_SCOPE)),
                    forged("HS256 signed with the public key", RejectedCredential.INVALID,
                            (forge, server) -> forge.hs256WithPublicKey(server.audience(), "forged-user", BASE_SCOPE)),
                    forged("tampered: the step-up scope added after signing", RejectedCredential.INVALID,
                            (forge, server) -> forge.tampered(server.audience(), "forged-user", BASE_SCOPE,
                                    BASE_SCOPE + " " + server.tools().stepUpScope())));
        }

        static Stream<Arguments> forgedTokensOverEachWire() {
            return overEachWire(forgedTokens());
        }

        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("forgedTokensOverEachWire")
        void rejectsAForgedToken(Wire wire, RejectedCredential kind, Forgery forgery) {
            assumeSpoken(wire);

            assertInvalidToken(wire, kind, forgery.apply(forge, server()));
        }

        @Test
        void acceptsATokenExpiredWithinTheClockSkew() {
            // A client that has been talking to the server (a gateway caches what it exchanged for it).
            postInitialize(forge.valid(audience(), "forged-user", BASE_SCOPE)).then().statusCode(200);

            postInitialize(forge.expired(audience(), "forged-user", BASE_SCOPE, Duration.ofSeconds(20))).then().statusCode(200);
        }

        @Test
        void rejectsATokenExpiredBeyondTheClockSkew() {
            assertInvalidToken(RejectedCredential.EXPIRED, forge.expired(audience(), "forged-user", BASE_SCOPE, Duration.ofSeconds(90)));
        }

        /**
         * A server may remember the tokens it accepted (clients send the same one on every request), but never past
         * their {@code exp}: this one is accepted inside the clock skew, then refused once the skew has passed too.
         * Real time must pass on the server's own clock, so this test waits for it (about 17 s).
         */
        @Test
        void refusesATokenAcceptedBeforeOnceItExpiredBeyondTheClockSkew() throws Exception {
            postInitialize(forge.valid(audience(), "forged-user", BASE_SCOPE)).then().statusCode(200); // as above
            Instant expiry = Instant.now().minus(Duration.ofSeconds(45));
            String token = forge.sign(forge.validClaims(audience(), "forged-user", BASE_SCOPE)
                    .issueTime(Date.from(expiry.minus(Duration.ofMinutes(5))))
                    .notBeforeTime(Date.from(expiry.minus(Duration.ofMinutes(5))))
                    .expirationTime(Date.from(expiry)).build());
            postInitialize(token).then().statusCode(200);

            waitUntil(expiry.plus(CLOCK_SKEW).plusSeconds(2));

            assertInvalidToken(RejectedCredential.EXPIRED, token);
        }

        /** What a server remembers of an accepted token is keyed by all of it: a changed signature is a new token. */
        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void rejectsAnAcceptedTokenWithOneSignatureCharacterChanged(Wire wire) {
            assumeSpoken(wire);
            String token = forge.valid(audience(), "forged-user", BASE_SCOPE);
            postFirstRequest(wire, token).then().statusCode(200);

            assertInvalidToken(wire, RejectedCredential.INVALID, withSignatureCharacterChanged(token));
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void rejectsARealTokenIssuedForAnotherResource(Wire wire) throws Exception {
            assumeSpoken(wire);
            // Same realm, user and client: only the RFC 8707 resource differs. Token passthrough stops here.
            URI otherResource = ContractRealm.otherResourceUrl(mcpUrl());
            String tokenForOtherApi = AuthorizationCodeFlow.with(realm(), CLIENT_ID)
                    .scope(ContractRealm.OTHER_API_SCOPE).resource(otherResource)
                    .run(new HeadlessUserAgent(), ALICE).accessToken();
            assertThat(SignedJWT.parse(tokenForOtherApi).getJWTClaimsSet().getAudience()).containsExactly(otherResource.toString());

            assertInvalidToken(wire, RejectedCredential.WRONG_AUDIENCE, tokenForOtherApi);
        }

        static Stream<Arguments> malformedAuthorizationHeaders() {
            return Stream.of(
                    argumentSet("the scheme alone", "Bearer"),
                    argumentSet("the scheme and a space", "Bearer "),
                    argumentSet("two tokens", "Bearer a b"),
                    argumentSet("a character outside token68", "Bearer a$b"),
                    argumentSet("three segments that are no JWT", "Bearer abc.def.ghi"),
                    argumentSet("non-ASCII characters", "Bearer \u00e9t\u00e9"),
                    argumentSet("the scheme in lower case, then only spaces", "bearer" + " ".repeat(40)));
        }

        static Stream<Arguments> malformedAuthorizationHeadersOverEachWire() {
            return overEachWire(malformedAuthorizationHeaders());
        }

        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("malformedAuthorizationHeadersOverEachWire")
        void rejectsAMalformedAuthorizationHeader(Wire wire, String header) throws Exception {
            assumeSpoken(wire);

            // JDK client: the header goes out byte for byte, non-ASCII and trailing spaces included.
            HttpResponse<String> response = http.send(jdkMcpRequest(wire, wire.firstRequest()).header("Authorization", header));

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response).get("error")).isEqualTo("invalid_token");
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void answersOtherSchemesWithTheBearerChallenge(Wire wire) {
            assumeSpoken(wire);

            mcpRequest(wire, wire.firstRequest()).header("Authorization", "Basic YWxpY2U6YWxpY2U=")
                    .when().post(mcpEndpoint())
                    .then().statusCode(401).header("WWW-Authenticate", bearerChallenge(noTokenChallenge()));
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void rejectsAnOversizedTokenBeforeParsingIt(Wire wire) throws Exception {
            assumeSpoken(wire);

            // JDK client: a 12 KiB header, sent as it is.
            HttpResponse<String> response = http.send(jdkMcpRequest(wire, wire.firstRequest())
                    .header("Authorization", "Bearer " + "a".repeat(12 * 1024)));

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(challenge(response).get("error")).isEqualTo("invalid_token");
        }

        @Test
        void refusesHeadersBeyondTheServersLimitWithoutAServerError() throws Exception {
            int status;
            try {
                // JDK client: a 64 KiB header, sent as it is.
                status = http.send(jdkMcpRequest().header("Authorization", "Bearer " + "a".repeat(64 * 1024))
                        .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))).statusCode();
            } catch (IOException closedWhileTheClientWasStillSending) {
                // Some containers (Jetty) answer 431 and close at once; the client may see only the close.
                return;
            }

            assertThat(status).isIn(400, 401, 413, 431);
        }
    }

    /** 403: a valid token without the scope a request needs, and the step-up a client makes then. */
    @Nested
    @Order(3)
    class InsufficientScope {

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void rejectsATokenWithoutTheServersScopeWith403(Wire wire) {
            assumeSpoken(wire);

            postFirstRequest(wire, forge.valid(audience(), "forged-user", "profile"))
                    .then().statusCode(403)
                    .header("WWW-Authenticate", bearerChallengeWith(Map.of("error", "insufficient_scope",
                            "scope", BASE_SCOPE, "resource_metadata", resourceMetadataUrl())));
        }

        @Test
        void aToolNeedingAnExtraScopeAnswers403NamingTheScopesToAskFor() {
            String token = login(ALICE, BASE_SCOPE).accessToken();
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), () -> token)) {

                Throwable refused = catchThrowable(() -> client.callTool(tools().stepUpCall()));

                McpHttpClientTransportAuthorizationException failure = McpTestClient.authorizationFailure(refused).orElseThrow();
                assertThat(failure.getResponseInfo().statusCode()).isEqualTo(403);
                BearerChallenge challenge = BearerChallenge.parse(
                        failure.getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow());
                assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
                assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE + " " + tools().stepUpScope());
                assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());
            }
        }

        @Test
        void theRefusedCallRunsAfterSteppingUpToTheChallengedScopes() {
            AtomicReference<String> token = new AtomicReference<>(login(ALICE, BASE_SCOPE).accessToken());
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), token::get)) {
                CallToolRequest needsMore = tools().stepUpCall();
                Throwable refused = catchThrowable(() -> client.callTool(needsMore));
                String challengedScope = BearerChallenge.parse(McpTestClient.authorizationFailure(refused).orElseThrow()
                        .getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow()).get("scope");

                // Step-up: ask for exactly the scopes the challenge named, then retry the same call.
                token.set(login(ALICE, challengedScope.split(" ")).accessToken());
                CallToolResult done = client.callTool(needsMore);

                assertThat(done.isError()).isNotEqualTo(Boolean.TRUE);
                assertThat(done.structuredContent()).isEqualTo(tools().expectedStepUpAnswer());
            }
        }
    }

    /** A real client's way in: login page, PKCE, resource indicator, then the tools over MCP. */
    @Nested
    @Order(4)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class) // bob has no notes until the walk-through adds one
    class SignIn {

        @Test
        void aTokenFromTheLoginPageIsBoundToThisServerOnly() throws Exception {
            Tokens tokens = login(ALICE, BASE_SCOPE);

            // RFC 8707: the token is bound to this MCP server and nothing else.
            assertThat(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getAudience()).containsExactly(audience());
        }

        @Test
        void aTokenFromTheLoginPageListsTheRecipesTools() {
            Tokens tokens = login(ALICE, BASE_SCOPE);
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {

                List<Tool> tools = client.listTools().tools();

                assertThat(tools).extracting(Tool::name).containsExactlyInAnyOrderElementsOf(tools().names());
            }
        }

        @Test
        void theToolSeesWhoIsCalling() throws Exception {
            Tokens tokens = login(ALICE, BASE_SCOPE);
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {

                CallToolResult identity = client.callTool(tools().identityCall());

                assertThat(identity.isError()).isNotEqualTo(Boolean.TRUE);
                assertThat(identity.structuredContent()).isEqualTo(tools().expectedIdentity()
                        .of(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject(), "alice"));
            }
        }

        @Test
        @Order(1)
        void eachUserSeesOnlyTheirOwnData() {
            String aliceToken = login(ALICE, BASE_SCOPE, tools().stepUpScope()).accessToken();
            String bobToken = login(BOB, BASE_SCOPE).accessToken();
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> aliceToken);
                 McpSyncClient bob = McpTestClient.connect(mcpEndpoint(), () -> bobToken)) {
                tools().isolation().assertEachUserSeesOnlyTheirOwnData(alice, bob);
            }
        }

        /** From a bare URL through discovery, login and step-up to tool calls, as the demo prints it. */
        @Test
        @Order(2)
        void theClientWalkthroughGetsFromABareUrlToTheTools() throws Exception {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();

            new ClientWalkthrough(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(mcpEndpoint(), CLIENT_ID, BOB,
                    tools().identityCall(), tools().stepUpCall());

            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .contains("401  WWW-Authenticate: Bearer ")
                    .contains("ok: S256 is in code_challenge_methods_supported")
                    .contains("403  WWW-Authenticate: Bearer ")
                    .contains("re-authorize with scope=" + BASE_SCOPE + " " + tools().stepUpScope() + ", retry")
                    .contains(tools().walkthroughAnswers());
        }
    }

    /** Zero-config sign-in: a client that knows only the URL registers (RFC 7591); nothing else does. */
    @Nested
    @Order(5)
    class Registration {

        @Test
        void registersAClientThatKnowsOnlyTheUrlAsAPublicClient() throws Exception {
            DiscoveredServer discovered = discover();

            // What mcp-remote sends (its client_uri included), with the scope the challenge names.
            Map<String, Object> registration = register(discovered, loopbackClient(discovered.challengedScope()));
            try {
                assertThat(registration).doesNotContainKey("client_secret").containsEntry("token_endpoint_auth_method", "none");
            } finally {
                deleteRegistration(registration);
            }
        }

        @Test
        void aSelfRegisteredClientSignsInToTheTools() throws Exception {
            DiscoveredServer discovered = discover();
            Map<String, Object> registration = register(discovered, loopbackClient(discovered.challengedScope()));
            String clientId = (String) registration.get("client_id");
            try {
                Tokens tokens = AuthorizationCodeFlow.with(realm(), clientId).scope(discovered.challengedScope().split(" "))
                        .resource(discovered.resource()).run(new HeadlessUserAgent(), ALICE);
                http.track(tokens.accessToken());

                assertThat(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(clientId);
                try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {
                    assertThat(client.callTool(tools().identityCall()).isError()).isNotEqualTo(Boolean.TRUE);
                }
            } finally {
                deleteRegistration(registration);
            }
        }

        static Stream<Arguments> clientsGrantedEveryAdvertisedScope() {
            // A client that registers without a scope gets the realm's defaults for new clients.
            return Stream.of(argumentSet("a client registered without a scope", true),
                    argumentSet("the demo client", false));
        }

        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("clientsGrantedEveryAdvertisedScope")
        void everyAdvertisedScopeCanBeGranted(boolean registeredWithoutAScope) throws Exception {
            DiscoveredServer discovered = discover();
            Set<String> advertised = new TreeSet<>(discovered.scopesSupported());
            advertised.remove("openid"); // OpenID Connect's own, always grantable, never in an access token's scope
            assertThat(advertised).contains(BASE_SCOPE, tools().stepUpScope());
            Map<String, Object> registration = registeredWithoutAScope ? register(discovered, loopbackClient(null)) : null;
            String clientId = registration == null ? CLIENT_ID : (String) registration.get("client_id");
            try {
                Tokens tokens = AuthorizationCodeFlow.with(realm(), clientId).scope(advertised.toArray(String[]::new))
                        .resource(discovered.resource()).run(new HeadlessUserAgent(), ALICE);
                http.track(tokens.accessToken());

                assertThat(tokens.scopes()).as("scopes granted to " + clientId).containsAll(advertised);
            } finally {
                if (registration != null) {
                    deleteRegistration(registration);
                }
            }
        }

        /**
         * Keycloak's limit, shown so that it is not a surprise: a registration's {@code scope} becomes the
         * client's only optional scopes, so a client that registered with the challenged scope (mcp-remote and
         * the TypeScript SDK do) cannot step up beyond it; Keycloak answers invalid_scope.
         */
        @Test
        void aClientRegisteredWithTheChallengedScopeCannotStepUpBeyondIt() throws Exception {
            DiscoveredServer discovered = discover();
            Map<String, Object> registration = register(discovered, loopbackClient(discovered.challengedScope()));
            try {
                Throwable stepUp = catchThrowable(() -> AuthorizationCodeFlow.with(realm(), (String) registration.get("client_id"))
                        .scope(BASE_SCOPE, tools().stepUpScope()).resource(discovered.resource()).run(new HeadlessUserAgent(), ALICE));

                assertThat(stepUp).hasMessageContaining("invalid_scope");
            } finally {
                deleteRegistration(registration);
            }
        }

        /** Only loopback redirect URIs (RFC 8252 section 7.3) are registered; each of these would deliver codes elsewhere. */
        static Stream<Arguments> redirectUrisOffLoopback() {
            return Stream.of(
                    argumentSet("another host over https", "https://attacker.example/callback"),
                    argumentSet("another host over http", "http://attacker.example/callback"),
                    argumentSet("javascript: scheme", "javascript:alert(document.domain)"),
                    argumentSet("javascript: scheme in mixed case", "JaVaScRiPt:alert(1)"),
                    argumentSet("data: URI", "data:text/html,<script>alert(1)</script>"),
                    argumentSet("loopback as userinfo before another host", "http://127.0.0.1@attacker.example/callback"),
                    argumentSet("look-alike of localhost under another domain", "http://localhost.attacker.example/callback"),
                    argumentSet("loopback with a fragment", "http://127.0.0.1/callback#fragment"),
                    argumentSet("loopback with a wildcard path", "http://127.0.0.1/*"),
                    argumentSet("another app's custom scheme", "com.attacker.app:/callback"));
        }

        @ParameterizedTest(name = "{argumentSetName}: {0}")
        @MethodSource("redirectUrisOffLoopback")
        void refusesToRegisterARedirectUriOffLoopback(String redirectUri) throws Exception {
            DiscoveredServer discovered = discover();
            Map<String, Object> request = new LinkedHashMap<>(loopbackClient(discovered.challengedScope()));
            request.put("redirect_uris", List.of("http://127.0.0.1:33418/callback", redirectUri));

            assertRegistrationRefused(discovered, request);
        }

        /** A registered client asks only for the MCP server's scopes: not another resource's, not an unknown one. */
        static Stream<Arguments> scopesOutsideThePolicy() {
            return Stream.of(
                    argumentSet("another resource's scope", "other:api"),
                    argumentSet("a scope the realm does not know", "unknown:scope"),
                    argumentSet("refresh tokens that outlive the session", "offline_access"));
        }

        @ParameterizedTest(name = "{argumentSetName}: {0}")
        @MethodSource("scopesOutsideThePolicy")
        void refusesToRegisterAScopeOutsideTheRealmsPolicy(String scope) throws Exception {
            DiscoveredServer discovered = discover();

            assertRegistrationRefused(discovered, loopbackClient(discovered.challengedScope() + " " + scope));
        }
    }

    /** MCP 2026-07-28's preferred registration: the client_id is the URL of the client's metadata document. */
    @Nested
    @Order(5)
    class ClientIdMetadataDocuments extends ClientIdMetadataDocumentTests {
        ClientIdMetadataDocuments() {
            super(ResourceServerContract.this::server, http);
        }
    }

    /** An MCP session belongs to the user who opened it; signing keys rotate without a restart. */
    @Nested
    @Order(6)
    class SessionsAndKeys {

        @Test
        void refusesASessionCreatedByAnotherUser() {
            String aliceToken = http.track(forge.valid(audience(), "alice-subject", BASE_SCOPE));
            String bobToken = http.track(forge.valid(audience(), "bob-subject", BASE_SCOPE));
            String sessionId = postInitialize(aliceToken).header("Mcp-Session-Id");

            // For bob the session does not exist: 404, the answer that makes a real client start its own.
            mcpRequest().header("Authorization", "Bearer " + bobToken).header("Mcp-Session-Id", sessionId).body(TOOLS_LIST)
                    .when().post(mcpEndpoint())
                    .then().statusCode(404).body(not(containsString("tools")));
        }

        @Test
        void aRefusedHijackLeavesTheSessionToItsOwner() {
            String aliceToken = http.track(forge.valid(audience(), "alice-subject", BASE_SCOPE));
            String bobToken = http.track(forge.valid(audience(), "bob-subject", BASE_SCOPE));
            String sessionId = postInitialize(aliceToken).header("Mcp-Session-Id");
            mcpRequest().header("Authorization", "Bearer " + bobToken).header("Mcp-Session-Id", sessionId).body(TOOLS_LIST)
                    .post(mcpEndpoint()).then().statusCode(404);

            mcpRequest().header("Authorization", "Bearer " + aliceToken).header("Mcp-Session-Id", sessionId).body(TOOLS_LIST)
                    .when().post(mcpEndpoint())
                    .then().statusCode(200);
        }

        @Test
        void rejectsTokensSignedWithUnknownKeysEvenWhileJwksRefetchIsRateLimited() {
            // The first unknown kid may refetch the JWKS; the next ones fall in the rate-limit window. Same answer.
            for (int attempt = 0; attempt < 5; attempt++) {
                assertInvalidToken(RejectedCredential.INVALID, forge.unknownKid(audience(), "forged-user", BASE_SCOPE));
            }
        }

        @Test
        void boundsJwksRefetchesCausedByUnknownKeys() throws Exception {
            // Forged first (a new RSA key each), then sent at once from 30 threads: a flood falls in one
            // rate-limit window however slow each refused request is on a loaded machine.
            List<String> unknownKeys = Stream.generate(() -> forge.unknownKid(audience(), "forged-user", BASE_SCOPE))
                    .limit(30).toList();
            int fetchesBefore = environment().jwksProxy().requestCount();

            ExecutorService flood = Executors.newFixedThreadPool(unknownKeys.size());
            try {
                for (Future<Response> sent : flood.invokeAll(unknownKeys.stream()
                        .map(token -> (Callable<Response>) () -> postInitialize(token)).toList())) {
                    sent.get(30, TimeUnit.SECONDS).then().statusCode(401);
                }
            } finally {
                flood.shutdownNow();
            }

            int floodFetches = environment().jwksProxy().requestCount() - fetchesBefore;
            assertThat(floodFetches).as("JWKS fetches caused by 30 unknown kids").isLessThanOrEqualTo(2);
        }

        /**
         * A signing key the authorization server no longer publishes (retired, or compromised) stops its tokens once
         * the server fetches the JWKS again, which an unknown kid makes it do (rate limit permitting), whatever the
         * server remembers of tokens it accepted while the key was published.
         */
        @Test
        void refusesTokensOfAKeyRemovedFromTheJwksOnceTheJwksIsFetchedAgain() throws Exception {
            TokenForge removable = TokenForge.trustedBy(realm()).withSessionsOf(realSessions);
            String token = removable.valid(audience(), "forged-user", BASE_SCOPE);
            Instant learnt = Instant.now().plusSeconds(40); // the new kid is learnt at the next refetch, as in rotation
            while (postInitialize(token).statusCode() != 200 && Instant.now().isBefore(learnt)) {
                Thread.sleep(1000);
            }
            postInitialize(token).then().statusCode(200);

            realm().server().admin().removeKey(realm().name(), removable.kid());

            // Within the JWKS refetch rate limit (10 s here) and well within any remembered verdict's age (60 s).
            Instant deadline = Instant.now().plusSeconds(30);
            int status = 200;
            while (status != 401 && Instant.now().isBefore(deadline)) {
                postInitialize(forge.unknownKid(audience(), "forged-user", BASE_SCOPE)); // asks for a refetch
                status = postInitialize(token).statusCode();
                if (status != 401) {
                    Thread.sleep(1000);
                }
            }
            assertInvalidToken(RejectedCredential.INVALID, token);
        }

        @Test
        void acceptsTokensSignedWithARotatedKeyWithoutRestart() throws Exception {
            // Keycloak starts signing with a new key (higher priority than its generated one).
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            String newKid = realm().server().admin().addRsaKey(realm().name(),
                    (RSAPrivateKey) generator.generateKeyPair().getPrivate(), true, 1000);
            String token = login(ALICE, BASE_SCOPE).accessToken();
            assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(newKid);

            // Accepted without a restart, at the latest once the refetch rate-limit window has passed. The window
            // is the JWKS cache's inside each framework (Spring's, Micronaut's, Nimbus's): no clock of ours to move.
            Instant deadline = Instant.now().plusSeconds(40);
            int status = postInitialize(token).statusCode();
            while (status != 200 && Instant.now().isBefore(deadline)) {
                Thread.sleep(1000);
                status = postInitialize(token).statusCode();
            }
            assertThat(status).isEqualTo(200);
        }
    }

    /**
     * The body a scope decision reads is the body the transport executes (issue 18); the transport's
     * errors are JSON-RPC errors, its Origin check holds, and its odd methods answer nothing of use.
     */
    @Nested
    @Order(7)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Transport {

        private String aliceToken;
        private String sessionId;
        private boolean stepUpStatePrepared;

        /** Alice with the base scope only: what every body test sends, over 2025-11-25 in a session opened by hand as a client would. */
        @BeforeAll
        void openAlicesSession() {
            aliceToken = login(ALICE, BASE_SCOPE).accessToken();
            sessionId = postInitialize(aliceToken).then().statusCode(200).extract().header("Mcp-Session-Id");
            mcpRequest().header("Authorization", "Bearer " + aliceToken).header("Mcp-Session-Id", sessionId)
                    .header("MCP-Protocol-Version", "2025-11-25").body(INITIALIZED)
                    .when().post(mcpEndpoint())
                    .then().statusCode(202);
        }

        static Stream<Arguments> bodyAttacks() {
            return overEachWire(BodyAttack.all().stream().map(attack -> argumentSet(attack.name(), attack)));
        }

        /**
         * The step-up call for a token without the step-up scope, sent in every form a filter and the MCP
         * transport could read differently: each is refused with the exact answer, and the tool did not
         * run. The same call in plain UTF-8 gets the 403 step-up challenge
         * ({@link InsufficientScope#aToolNeedingAnExtraScopeAnswers403NamingTheScopesToAskFor()}). Over
         * 2026-07-28 the headers name the call as the intact body would: the attack is in the body alone.
         */
        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("bodyAttacks")
        void refusesWithoutRunningAToolCallTheTransportCouldReadDifferently(Wire wire, BodyAttack attack) throws Exception {
            assumeSpoken(wire);
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> aliceToken)) {
                if (!stepUpStatePrepared) {
                    tools().prepareStepUpState().accept(alice);
                    stepUpStatePrepared = true;
                }
                Object before = tools().stateTheStepUpCallChanges().apply(alice);

                String call = toolCallJson(tools().stepUpCall(), 41);
                HttpResponse<String> response = send(wire, call, attack.contentType(), attack.contentEncoding(),
                        attack.body().apply(wire.body(call)));

                if (attack.status() == 403) {
                    assertThat(response.statusCode()).isEqualTo(403);
                    BearerChallenge challenge = challenge(response);
                    assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
                    assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE + " " + tools().stepUpScope());
                } else {
                    assertJsonRpcError(response, attack.status(), attack.jsonRpcCode());
                }
                assertThat(tools().stateTheStepUpCallChanges().apply(alice)).as("what the tool would have changed").isEqualTo(before);
            }
        }

        /** The control for the attacks above: the same hand-made request, in plain UTF-8, of a tool the token may call, runs. */
        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void runsAHandMadeToolCallInUtf8WhenTheTokenMayCallTheTool(Wire wire) throws Exception {
            assumeSpoken(wire);
            String call = toolCallJson(tools().identityCall(), 42);

            HttpResponse<String> response = send(wire, call, "application/json", null, wire.body(call).getBytes(StandardCharsets.UTF_8));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"id\":42").contains("\"result\"").doesNotContain("\"error\"");
        }

        @Test
        void answersARequestWithoutSessionWithAJsonRpcErrorNotAJavaException() {
            mcpRequest().header("Authorization", "Bearer " + aliceToken).body(TOOLS_LIST)
                    .when().post(mcpEndpoint())
                    .then().spec(jsonRpcError(400, -32600));
        }

        @Test
        void answersAGetWithoutSessionWithAJsonRpcError() {
            http.given().header("Accept", "text/event-stream").header("Authorization", "Bearer " + aliceToken)
                    .when().get(mcpEndpoint())
                    .then().spec(jsonRpcError(400, -32600));
        }

        @Test
        void answersAnUnknownSessionWithAJsonRpcError() {
            mcpRequest().header("Authorization", "Bearer " + aliceToken).header("Mcp-Session-Id", "no-such-session")
                    .body(TOOLS_LIST)
                    .when().post(mcpEndpoint())
                    .then().spec(jsonRpcError(404, -32600));
        }

        @ParameterizedTest(name = "over {0}")
        @EnumSource(Wire.class)
        void refusesABrowserRequestFromAForeignOrigin(Wire wire) {
            assumeSpoken(wire);

            // MCP transport spec: validate Origin on Streamable HTTP (DNS rebinding defence).
            mcpRequest(wire, wire.firstRequest()).header("Authorization", "Bearer " + aliceToken)
                    .header("Origin", "http://evil.example")
                    .when().post(mcpEndpoint())
                    .then().spec(jsonRpcError(403, -32600));
        }

        @Test
        void acceptsABrowserRequestFromAnAllowedOrigin() {
            mcpRequest().header("Authorization", "Bearer " + aliceToken).header("Origin", "http://localhost:6274")
                    .body(INITIALIZE)
                    .when().post(mcpEndpoint())
                    .then().statusCode(200);
        }

        @Test
        void refusesTraceWithoutEchoingTheRequestBack() {
            // A servlet's default TRACE answer is the request itself, Authorization header included.
            http.given().header("Authorization", "Bearer " + aliceToken)
                    .when().request("TRACE", mcpEndpoint())
                    .then().spec(jsonRpcError(405, -32600)) // ContractHttp also checks that no token is in the body
                    .body(not(containsString("Bearer")));
        }

        @Test
        void refusesHeadOnTheMcpEndpoint() {
            // HEAD would run the GET handler (an SSE stream) without a body to show it.
            http.given().header("Authorization", "Bearer " + aliceToken).header("Accept", "text/event-stream")
                    .when().head(mcpEndpoint())
                    .then().statusCode(405);
        }

        /**
         * Alice's POST of these bytes with this Content-Type and Content-Encoding: over 2025-11-25 in her
         * session, over 2026-07-28 with the headers that name {@code call}, the request the bytes were made from.
         */
        private HttpResponse<String> send(Wire wire, String call, String contentType, String contentEncoding, byte[] body)
                throws Exception {
            // JDK client: the body goes out byte for byte, with no Content-Type or charset added.
            HttpRequest.Builder request = HttpRequest.newBuilder(mcpEndpoint())
                    .header("Accept", MCP_ACCEPT)
                    .header("Authorization", "Bearer " + aliceToken)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (wire == Wire.MCP_2025_11_25) {
                request.header("Mcp-Session-Id", sessionId).header("MCP-Protocol-Version", wire.version);
            }
            wire.headers(call).forEach(request::header);
            if (contentType != null) {
                request.header("Content-Type", contentType);
            }
            if (contentEncoding != null) {
                request.header("Content-Encoding", contentEncoding);
            }
            return http.send(request);
        }
    }

    /** The authorization server goes away; the resource server keeps judging tokens, and fails closed. */
    @Nested
    @Order(8)
    class Outages {

        @Test
        void keepsValidatingWithCachedKeysWhileTheAuthorizationServerIsDown() {
            String token = login(ALICE, BASE_SCOPE).accessToken();
            postInitialize(token).then().statusCode(200); // keys now cached
            realm().server().stop();
            try {
                postInitialize(token).then().statusCode(200);
                assertInvalidToken(RejectedCredential.INVALID, forge.unknownKid(audience(), "forged-user", BASE_SCOPE)); // 401, never 500
            } finally {
                realm().server().start();
            }
        }
    }

    /**
     * What {@code make probe URL=...} checks, run once against this server with forged tokens signed with
     * the realm-trusted key (so each fails for its one reason), a real token, and a real token the same
     * realm issued for another resource (RFC 8707), which must be refused.
     */
    @Nested
    @Order(9)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ProbeRun {

        private String token;
        private ProbeReport report;

        @BeforeAll
        void runTheProbe() throws Exception {
            token = login(ALICE, BASE_SCOPE).accessToken();
            String foreignToken = http.track(AuthorizationCodeFlow.with(realm(), CLIENT_ID).scope(ContractRealm.OTHER_API_SCOPE)
                    .resource(ContractRealm.otherResourceUrl(mcpUrl())).run(new HeadlessUserAgent(), ALICE).accessToken());

            report = Probe.of(mcpEndpoint()).signer(claims -> http.track(forge.sign(claims))).token(token)
                    .foreignToken(foreignToken).register(true).run();

            System.out.println(TextReport.render(report));
        }

        @Test
        void meetsEveryMust() {
            assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
            assertThat(report.exitCode()).isZero();
        }

        @Test
        void refusesEveryBadRequestCompletelyShouldsIncluded() {
            // No token, garbage, alg none, an untrusted key, expired, wrong audience, a real token for another
            // resource: 401, one Bearer challenge, the right error, resource_metadata and scope. SHOULDs included:
            // this cookbook meets them all.
            assertThat(report.results()).filteredOn(r -> r.check().step() == Step.UNAUTHENTICATED
                            || r.check().step() == Step.FORGED_TOKENS || r.check().step() == Step.AUDIENCE)
                    .hasSize(35).allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        }

        /** 2025-11-25 everywhere; 2026-07-28 where the recipe speaks it, and reported as not spoken where it does not. */
        @Test
        void reportsTheRevisionsTheServerSpeaks() {
            assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.SPEAKS);
            assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(server().speaksMcp2026()
                    ? RevisionSupport.Support.SPEAKS : RevisionSupport.Support.DOES_NOT_SPEAK);
        }

        /**
         * The 2026-07-28 wire: server/discover without a token, each refusal again (no token, garbage, alg none, an
         * untrusted key, expired, wrong audience, a real token for another resource: 35 checks, SHOULDs included),
         * and the wire's own rules: Mcp-Method, Mcp-Name or MCP-Protocol-Version disagreeing with the body (400,
         * -32020), an unsupported version (400, -32022 with data), an unknown method (404, -32601).
         */
        @Test
        void meetsEveryRuleOfThe2026Wire() {
            assumeSpoken(Wire.MCP_2026_07_28);
            List<CheckResult> stateless = report.results().stream().filter(r -> r.check().step() == Step.STATELESS_WIRE).toList();
            assertThat(stateless).hasSize(41);
            // One exception, never a pass: the probe's Mcp-Name request names a tool that does not exist (so nothing can
            // run), and a server that refuses an unknown tool before it compares the header (the gateway's per-tool
            // policy) leaves that comparison unseen: NOT CHECKED. Mcp2026's
            // aBodyThatDisagreesWithMcpNameIsRefusedAndTheToolDoesNotRun proves it with a real tool.
            assertThat(stateless).filteredOn(r -> r.verdict() != Verdict.PASS).allSatisfy(r -> {
                assertThat(r.id()).as(r.toString()).isEqualTo("mcp2026.header-mismatch.mcp-name");
                assertThat(r.verdict()).isEqualTo(Verdict.SKIP);
                assertThat(r.detail()).startsWith("NOT CHECKED").contains("does not exist");
            });
        }

        @Test
        void reportsTheAudienceCheckAsInformation() {
            assertThat(report.results("token.audience")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.INFO));
        }

        @Test
        void leavesNothingUntested() {
            assertThat(report.notes()).noneMatch(note -> note.contains("NOT tested"));
        }

        @Test
        void discoversThePathSuffixedMetadata() {
            assertThat(report.results("prm.discoverable")).singleElement()
                    .satisfies(r -> assertThat(r.detail()).contains(resourceMetadataUrl()));
        }

        @Test
        void findsTheMetadataNamingTheUrlItWasGiven() {
            assertThat(report.results("prm.resource-identical")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        }

        @Test
        void findsTheAuthorizationServersIssuer() {
            assertThat(report.results("as.issuer")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        }

        @Test
        void findsPkceS256AtTheAuthorizationServer() {
            assertThat(report.results("as.pkce-s256")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        }

        @Test
        void seesTheRealTokenAccepted() {
            assertThat(report.results("token.accepted")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        }

        /** --register: a client that knows only the URL can get in. */
        @Test
        void registersAClient() {
            assertThat(report.results("registration.open")).singleElement().satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.PASS));
        }

        /** --register leaves no client behind. */
        @Test
        void deletesTheClientItRegistered() {
            assertThat(report.results("registration.delete")).singleElement()
                    .satisfies(r -> assertThat(r.detail()).endsWith(" deleted"));
        }

        @Test
        void showsTheTokensAudienceButNotTheToken() {
            assertThat(report.results("token.claims")).singleElement()
                    .satisfies(r -> assertThat(r.detail()).contains(audience()).doesNotContain(token));
        }
    }

    /**
     * MCP 2026-07-28 on the same URL as 2025-11-25: the SDK's clients of both revisions, and what only
     * this revision lets an attacker try: a header naming another call than the body, a session id on a
     * stateless request. Wire-independent refusals run over both revisions in the groups above. Skipped,
     * saying so, where the recipe does not speak 2026-07-28 yet.
     */
    @Nested
    @Order(10)
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Mcp2026 {

        private static final Wire MODERN = Wire.MCP_2026_07_28;

        @BeforeEach
        void onlyWhereTheRecipeSpeaksIt() {
            assumeSpoken(MODERN);
        }

        @Test
        void theSdkClientDiscoversTheServerAndListsTheRecipesTools() {
            String token = login(ALICE, BASE_SCOPE).accessToken();
            var client = Mcp2026TestClient.connect(mcpEndpoint(), () -> token);

            var discovered = client.discover();
            var listed = client.listTools().list().tools();

            assertThat(discovered.supportedVersions()).contains(MODERN.version);
            assertThat(listed).extracting(tool -> tool.name()).containsExactlyInAnyOrderElementsOf(tools().names());
        }

        @Test
        void theSdkClientsOfBothRevisionsGetTheSameAnswerFromTheSameUrl() throws Exception {
            Tokens tokens = login(ALICE, BASE_SCOPE);
            CallToolRequest call = tools().identityCall();
            Map<String, Object> alice = tools().expectedIdentity()
                    .of(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject(), "alice");

            var modern = Mcp2026TestClient.connect(mcpEndpoint(), tokens::accessToken)
                    .tool(call.name()).arguments(call.arguments()).call();
            CallToolResult legacy;
            try (McpSyncClient client = McpTestClient.connect(mcpEndpoint(), tokens::accessToken)) {
                legacy = client.callTool(call);
            }

            assertThat(modern.isError()).isNotEqualTo(Boolean.TRUE);
            assertThat(modern.structuredContent()).isEqualTo(alice);
            assertThat(legacy.structuredContent()).isEqualTo(alice);
        }

        @Test
        void aRequestWithoutTokenGetsTheSameChallengeAsOver2025() {
            String legacyChallenge = mcpRequest(Wire.MCP_2025_11_25, INITIALIZE).post(mcpEndpoint()).header("WWW-Authenticate");

            Response response = mcpRequest(MODERN, TOOLS_LIST).post(mcpEndpoint());

            response.then().statusCode(401).header("WWW-Authenticate", equalTo(legacyChallenge));
        }

        @Test
        void theSdkClientSeesARefusedTokenAsAnHttpStatusWithTheChallenge() {
            var client = Mcp2026TestClient.connect(mcpEndpoint(), () -> "not-a-token");

            Throwable refused = catchThrowable(client::discover);

            McpHttpStatusException failure = Mcp2026TestClient.httpFailure(refused).orElseThrow();
            assertThat(failure.statusCode()).isEqualTo(401);
            BearerChallenge challenge = BearerChallenge.parse(failure.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertThat(challenge.get("error")).isEqualTo("invalid_token");
            assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());
        }

        @Test
        void theSdkClientGets403NamingTheScopesToAskForAndTheToolDoesNotRun() {
            String token = login(ALICE, BASE_SCOPE).accessToken();
            CallToolRequest call = tools().stepUpCall();
            var client = Mcp2026TestClient.connect(mcpEndpoint(), () -> token);
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> token)) {
                Object before = tools().stateTheStepUpCallChanges().apply(alice);

                Throwable refused = catchThrowable(() -> client.tool(call.name()).arguments(call.arguments()).call());

                McpHttpStatusException failure = Mcp2026TestClient.httpFailure(refused).orElseThrow();
                assertThat(failure.statusCode()).isEqualTo(403);
                BearerChallenge challenge = BearerChallenge.parse(failure.headers().firstValue("WWW-Authenticate").orElseThrow());
                assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
                assertThat(challenge.get("scope")).isEqualTo(BASE_SCOPE + " " + tools().stepUpScope());
                assertThat(challenge.get("resource_metadata")).isEqualTo(resourceMetadataUrl());
                assertThat(tools().stateTheStepUpCallChanges().apply(alice)).as("what the tool would have changed").isEqualTo(before);
            }
        }

        @Test
        void theSdkClientStepsUpToTheChallengedScopesAndTheRefusedCallRuns() {
            AtomicReference<String> token = new AtomicReference<>(login(ALICE, BASE_SCOPE).accessToken());
            List<String> challengedScopes = new ArrayList<>();
            // Step-up in the SDK's hook: ask for exactly the scopes the challenge named, then the SDK retries the call.
            var client = Mcp2026TestClient.connect(mcpEndpoint(), token::get, refusal -> {
                String scope = BearerChallenge.parse(refusal.headers().firstValue("WWW-Authenticate").orElseThrow()).get("scope");
                challengedScopes.add(scope);
                token.set(login(ALICE, scope.split(" ")).accessToken());
                return true;
            });
            CallToolRequest call = tools().stepUpCall();
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), token::get)) {
                Object before = tools().stateTheStepUpCallChanges().apply(alice);

                var done = client.tool(call.name()).arguments(call.arguments()).call();

                assertThat(challengedScopes).containsExactly(BASE_SCOPE + " " + tools().stepUpScope());
                assertThat(done.isError()).isNotEqualTo(Boolean.TRUE);
                assertThat(tools().stateTheStepUpCallChanges().apply(alice)).as("what the tool changed").isNotEqualTo(before);
            }
        }

        @Test
        void theScopeCheckJudgesTheCallInTheBodyNotTheNameInTheHeader() {
            String token = login(ALICE, BASE_SCOPE).accessToken();
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> token)) {
                Object before = tools().stateTheStepUpCallChanges().apply(alice);

                // Mcp-Name names a tool the token may call; the body is the step-up call.
                Response response = callNamedInHeader(token, tools().stepUpCall(), tools().identityCall().name());

                response.then().statusCode(403).header("WWW-Authenticate", bearerChallengeWith(Map.of(
                        "error", "insufficient_scope", "scope", BASE_SCOPE + " " + tools().stepUpScope())));
                assertThat(tools().stateTheStepUpCallChanges().apply(alice)).as("what the tool would have changed").isEqualTo(before);
            }
        }

        @Test
        void aBodyThatDisagreesWithMcpNameIsRefusedAndTheToolDoesNotRun() {
            // A token that may make the step-up call: the only thing wrong is the disagreement.
            String token = login(ALICE, BASE_SCOPE, tools().stepUpScope()).accessToken();
            try (McpSyncClient alice = McpTestClient.connect(mcpEndpoint(), () -> token)) {
                Object before = tools().stateTheStepUpCallChanges().apply(alice);

                Response response = callNamedInHeader(token, tools().stepUpCall(), tools().identityCall().name());

                response.then().spec(jsonRpcError(400, -32020)); // Streamable HTTP, "Standard Request Headers"
                assertThat(tools().stateTheStepUpCallChanges().apply(alice)).as("what the tool would have changed").isEqualTo(before);
            }
        }

        @Test
        void anotherUsersSessionIdGetsNothingOverThisRevisionEither() {
            // Session binding covers every request that names a session, whichever revision it is written in.
            String aliceToken = http.track(forge.valid(audience(), "alice-subject", BASE_SCOPE));
            String bobToken = http.track(forge.valid(audience(), "bob-subject", BASE_SCOPE));
            String bobsSession = postInitialize(bobToken).then().statusCode(200).extract().header("Mcp-Session-Id");

            mcpRequest(MODERN, TOOLS_LIST).header("Authorization", "Bearer " + aliceToken).header("Mcp-Session-Id", bobsSession)
                    .when().post(mcpEndpoint())
                    .then().spec(jsonRpcError(404, -32600)).header("Mcp-Session-Id", nullValue());
        }

        @Test
        void aRequestIsStatelessEvenWithItsOwnSessionId() throws Exception {
            Tokens tokens = login(ALICE, BASE_SCOPE);
            String ownSession = postInitialize(tokens.accessToken()).then().statusCode(200).extract().header("Mcp-Session-Id");

            mcpRequest(MODERN, toolCallJson(tools().identityCall(), 4)).header("Authorization", "Bearer " + tokens.accessToken())
                    .header("Mcp-Session-Id", ownSession)
                    .when().post(mcpEndpoint())
                    .then().statusCode(200).header("Mcp-Session-Id", nullValue())
                    .body("result.structuredContent", equalTo(tools().expectedIdentity()
                            .of(SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject(), "alice")));
        }

        /** What the headers name, the body sent, and the exact refusal. */
        Stream<Arguments> refusedRequests() {
            String listTools = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}";
            String unknownMethod = listTools.replace("tools/list", "tools/nope");
            String unknownTool = toolCallJson(new CallToolRequest("no_such_tool", Map.of()), 1);
            String forgedState = toolCallJson(tools().identityCall(), 1)
                    .replaceFirst("\"params\":\\{", "\"params\":{\"requestState\":\"forged.state\",");
            return Stream.of(
                    argumentSet("an unknown method: 404, -32601", unknownMethod, MODERN.body(unknownMethod), 404, -32601),
                    argumentSet("no _meta: 400, -32602", listTools, listTools, 400, -32602),
                    argumentSet("Mcp-Method disagrees with the body: 400, -32020", listTools, MODERN.body(Wire.SERVER_DISCOVER), 400, -32020),
                    argumentSet("an unknown tool: 400, -32602", unknownTool, MODERN.body(unknownTool), 400, -32602),
                    argumentSet("a request state this server never issued: 400, -32602", forgedState, MODERN.body(forgedState), 400, -32602));
        }

        @ParameterizedTest(name = "{argumentSetName}")
        @MethodSource("refusedRequests")
        void refusalsAreJsonRpcErrorsWithoutJavaInternals(String named, String body, int status, int code) {
            String token = login(ALICE, BASE_SCOPE, tools().stepUpScope()).accessToken();

            mcpRequest().headers(MODERN.headers(named)).header("Authorization", "Bearer " + token).body(body)
                    .when().post(mcpEndpoint())
                    .then().spec(jsonRpcError(status, code)); // ContractHttp checks every body for Java internals
        }

        /** A tool call over this revision whose Mcp-Name header says {@code mcpName}, whatever the body calls. */
        private Response callNamedInHeader(String token, CallToolRequest call, String mcpName) {
            String request = toolCallJson(call, 7);
            Map<String, String> headers = MODERN.headers(request);
            headers.put("Mcp-Name", mcpName);
            return mcpRequest().headers(headers).header("Authorization", "Bearer " + http.track(token))
                    .body(MODERN.body(request)).post(mcpEndpoint());
        }
    }

    // ---- what the tests above share --------------------------------------------------------------------

    /** How one forged token is made, for the server under test. */
    private interface Forgery extends BiFunction<TokenForge, ResourceServerUnderTest, String> {
    }

    private static Arguments forged(String name, RejectedCredential kind, Forgery forgery) {
        return argumentSet(name, kind, forgery);
    }

    private static String otherResource(ResourceServerUnderTest server) {
        return ContractRealm.otherResourceUrl(server.mcpUrl()).toString();
    }

    private ResourceServerUnderTest server() {
        if (server == null) {
            server = serverUnderTest();
        }
        return server;
    }

    private RecipeTools tools() {
        return server().tools();
    }

    protected final ContractEnvironment environment() {
        return server().environment();
    }

    protected final URI mcpUrl() {
        return server().mcpUrl();
    }

    protected final URI mcpEndpoint() {
        return server().mcpEndpoint();
    }

    protected final Realm realm() {
        return server().realm();
    }

    private String audience() {
        return server().audience();
    }

    private String resourceMetadataUrl() {
        return server().resourceMetadataUrl();
    }

    /** The challenge to a request without credentials (RFC 6750 section 3.1: no error code). */
    private Map<String, String> noTokenChallenge() {
        return Map.of("resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE);
    }

    private static void assertAllPass(List<CheckResult> results) {
        assertThat(results).isNotEmpty().allSatisfy(result ->
                assertThat(result.verdict()).as(result.toString()).isEqualTo(Verdict.PASS));
    }

    /** A token as a real client gets it: login page, PKCE, resource indicator. */
    private Tokens login(UserCredentials user, String... scopes) {
        Tokens tokens = AuthorizationCodeFlow.with(realm(), CLIENT_ID).scope(scopes).resource(mcpUrl())
                .run(new HeadlessUserAgent(), user);
        http.track(tokens.accessToken());
        return tokens;
    }

    /** The probe's verdict on the answer (every check passes), then this cookbook's exact values. */
    private void assertInvalidToken(RejectedCredential kind, String token) {
        assertInvalidToken(Wire.MCP_2025_11_25, kind, token);
    }

    /** The same, for the first request of a client of this revision. */
    private void assertInvalidToken(Wire wire, RejectedCredential kind, String token) {
        Response response = postFirstRequest(wire, token);

        assertAllPass(UnauthorizedResponse.judge(kind, response.statusCode(),
                response.headers().getValues("WWW-Authenticate"), resourceMetadataUrl()));
        response.then().statusCode(401).header("WWW-Authenticate", bearerChallengeWith(Map.of(
                "error", "invalid_token", "resource_metadata", resourceMetadataUrl(), "scope", BASE_SCOPE)));
    }

    /** The clock skew every cookbook server allows on {@code exp} and {@code nbf}. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** A character in the middle of the signature: the last one may carry only padding bits. */
    private static String withSignatureCharacterChanged(String token) {
        int at = token.lastIndexOf('.') + 10;
        char changed = token.charAt(at) == 'A' ? 'B' : 'A';
        return token.substring(0, at) + changed + token.substring(at + 1);
    }

    /** For tests about the server's own clock, which no test can move. */
    private static void waitUntil(Instant moment) throws InterruptedException {
        Duration left = Duration.between(Instant.now(), moment);
        if (!left.isNegative()) {
            Thread.sleep(left.toMillis());
        }
    }

    /** An MCP {@code initialize} with this bearer token. */
    private Response postInitialize(String token) {
        return postFirstRequest(Wire.MCP_2025_11_25, token);
    }

    /** What a client of this revision sends first ({@code initialize}, {@code server/discover}), with this bearer token. */
    private Response postFirstRequest(Wire wire, String token) {
        return mcpRequest(wire, wire.firstRequest()).header("Authorization", "Bearer " + http.track(token)).post(mcpEndpoint());
    }

    /** This JSON-RPC request, POSTed as a client of this revision writes it: its body and its headers. */
    private RequestSpecification mcpRequest(Wire wire, String request) {
        return mcpRequest().headers(wire.headers(request)).body(wire.body(request));
    }

    /** The same with the JDK client, for requests that need byte-level control of the headers. */
    private HttpRequest.Builder jdkMcpRequest(Wire wire, String request) {
        HttpRequest.Builder builder = jdkMcpRequest().POST(HttpRequest.BodyPublishers.ofString(wire.body(request)));
        wire.headers(request).forEach(builder::header);
        return builder;
    }

    /** Every recipe speaks 2025-11-25; a test over 2026-07-28 is skipped, and says so, where the recipe does not speak it yet. */
    private void assumeSpoken(Wire wire) {
        assumeTrue(wire == Wire.MCP_2025_11_25 || server().speaksMcp2026(), () -> server().resourceName()
                + " does not speak MCP 2026-07-28 (yet): ResourceServerUnderTest.speakingMcp2026() turns this test on");
    }

    /** Each case once per revision, named after both: "expired five minutes ago, over 2026-07-28". */
    private static Stream<Arguments> overEachWire(Stream<Arguments> cases) {
        List<Arguments> all = cases.toList();
        return Stream.of(Wire.values()).flatMap(wire -> all.stream().map(each -> {
            Object[] arguments = new Object[each.get().length + 1];
            arguments[0] = wire;
            System.arraycopy(each.get(), 0, arguments, 1, each.get().length);
            String name = each instanceof Arguments.ArgumentSet set ? set.getName() : String.valueOf(each.get()[0]);
            return argumentSet(name + ", over " + wire, arguments);
        }));
    }

    /** A JSON POST to the MCP endpoint, as MCP clients send it (rest-assured). */
    private RequestSpecification mcpRequest() {
        return http.given().contentType("application/json").header("Accept", MCP_ACCEPT);
    }

    /** The same, with the JDK client, for requests that need byte-level control. */
    private HttpRequest.Builder jdkMcpRequest() {
        return HttpRequest.newBuilder(mcpEndpoint())
                .header("Content-Type", "application/json")
                .header("Accept", MCP_ACCEPT);
    }

    private static ProbeResponse probeResponse(URI uri, Response response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers().forEach(header -> headers.computeIfAbsent(header.getName(), name -> new ArrayList<>())
                .add(header.getValue()));
        return new ProbeResponse(uri, response.statusCode(), headers, response.asString());
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

    // ---- zero-config registration: what a client learns from the URL alone, and registers with ----------

    /** What a client learns from the URL alone: the challenge, then RFC 9728 and RFC 8414 metadata. */
    private record DiscoveredServer(String challengedScope, URI resource, List<String> scopesSupported,
                                    URI registrationEndpoint) {
    }

    private DiscoveredServer discover() {
        BearerChallenge challenge = challenge(mcpRequest().body(INITIALIZE).post(mcpEndpoint()));
        JsonNode resource = JsonMapper.shared().readTree(http.given().get(URI.create(challenge.get("resource_metadata"))).asString());
        URI issuer = URI.create(resource.get("authorization_servers").get(0).asString());
        JsonNode server = JsonMapper.shared().readTree(
                http.given().get(URI.create(issuer + "/.well-known/openid-configuration")).asString());
        Set<String> scopes = new LinkedHashSet<>();
        resource.path("scopes_supported").forEach(scope -> scopes.add(scope.asString()));
        server.path("scopes_supported").forEach(scope -> scopes.add(scope.asString()));
        return new DiscoveredServer(challenge.get("scope"), URI.create(resource.get("resource").asString()), List.copyOf(scopes),
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

    private Map<String, Object> register(DiscoveredServer discovered, Map<String, Object> client) {
        Response response = postJson(discovered.registrationEndpoint(), client);
        response.then().statusCode(201);
        Map<String, Object> registration = JsonMapper.shared().readValue(response.asString(), new TypeReference<>() { });
        http.track((String) registration.get("registration_access_token"));
        return registration;
    }

    /** Keycloak refuses with 403 insufficient_scope (RFC 7591 would say 400 invalid_redirect_uri) and creates nothing. */
    private void assertRegistrationRefused(DiscoveredServer discovered, Map<String, Object> client) {
        postJson(discovered.registrationEndpoint(), client)
                .then().statusCode(403)
                .body("error", equalTo("insufficient_scope"))
                .body("$", not(hasKey("client_id")));
    }

    /** RFC 7592: the client goes again, so repeated runs stay within the realm's cap on registered clients. */
    private void deleteRegistration(Map<String, Object> registration) {
        http.given().header("Authorization", "Bearer " + registration.get("registration_access_token"))
                .when().delete(URI.create((String) registration.get("registration_client_uri")))
                .then().statusCode(204);
    }

    private Response postJson(URI uri, Map<String, Object> body) {
        return http.given().contentType("application/json").body(JsonMapper.shared().writeValueAsString(body)).post(uri);
    }
}
