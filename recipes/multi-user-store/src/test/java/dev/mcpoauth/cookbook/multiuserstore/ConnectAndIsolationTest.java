package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.store.UpstreamTokens;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Connecting accounts and keeping users apart: the connect link, the callback's checks, two users
 * each seeing only their own calendar, rows that hold no plaintext, disconnect with revocation, and
 * the MCP endpoint's resource-server checks. Real Keycloak realms, real PostgreSQL, real MCP client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectAndIsolationTest {

    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";

    private final TestStack stack = TestStack.shared();
    private final List<String> secretsSeen = new ArrayList<>();
    private ServerInstance server;
    private Rows rows;
    private McpUser alice;
    private McpUser bob;

    @BeforeAll
    void start() {
        PostgresServer.Database database = stack.postgres.createDatabase("connect");
        server = new ServerInstance(stack, stack.serverProperties(database, Map.of()));
        rows = new Rows(stack.postgres.dataSource(database));
        alice = server.login(TestStack.ALICE);
        bob = server.login(TestStack.BOB);
        secretsSeen.add(alice.accessToken());
        secretsSeen.add(bob.accessToken());
    }

    @AfterAll
    void stop() {
        alice.close();
        bob.close();
        server.close();
    }

    @Test
    @Order(1)
    void answersWithAConnectLinkWhenTheUserHasNoUpstreamToken() {
        CallToolResult answer = alice.call("list_events");

        assertThat(answer.isError()).isTrue();
        assertThat(ServerInstance.text(answer)).matches(
                "Your calendar is not connected\\. Open this link \\(valid 10 minutes, for you only\\), then call list_events again: "
                        + java.util.regex.Pattern.quote(stack.resource.resolve("/connect/calendar").toString())
                        + "\\?request=[A-Za-z0-9_-]{43}");
        assertThat(status(answer)).isEqualTo("not_connected");
        assertThat(rows.all()).isEmpty();
    }

    @Test
    @Order(2)
    void refusesACallbackDeliveredToAnotherBrowser() {
        URI link = connectLink(alice);
        HeadlessUserAgent victimBrowser = new HeadlessUserAgent();
        URI callback = victimBrowser.authorize(server.local(link), stack.resource.resolve("/connect/callback").toString(),
                TestStack.ALICE_CALENDAR);

        server.given() // another browser: without the binding cookie
        .when()
            .get(server.local(callback))
        .then()
            .statusCode(400)
            .header("Cache-Control", "no-store")
            .body(containsString("This connect link has expired, was already used, or was opened in another browser."));

        assertThat(rows.all()).isEmpty();
    }

    /** Each: what the response's {@code iss} parameter is turned into (the issuer as Keycloak sent it, URL-encoded). */
    static Stream<Arguments> responsesNotFromTheUpstream() {
        String evil = "iss=http%3A%2F%2Fevil.example%2Frealms%2Fcalendar";
        return Stream.of(
                argumentSet("another issuer", (UnaryOperator<String>) iss -> evil),
                argumentSet("no iss, from an upstream that sends it", (UnaryOperator<String>) iss -> "x=1"),
                argumentSet("the issuer, then another", (UnaryOperator<String>) iss -> iss + "&" + evil),
                argumentSet("another issuer, then the issuer", (UnaryOperator<String>) iss -> evil + "&" + iss),
                argumentSet("the issuer with a trailing slash", (UnaryOperator<String>) iss -> iss + "%2F"),
                argumentSet("an empty iss", (UnaryOperator<String>) iss -> "iss="));
    }

    /** RFC 9207: the mix-up defence. The same browser, but the response does not name the upstream, once, exactly. */
    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("responsesNotFromTheUpstream")
    @Order(3)
    void refusesAnAuthorizationResponseThatDoesNotNameTheUpstreamAsItsIssuer(UnaryOperator<String> rewrite) {
        URI link = connectLink(alice);
        HeadlessUserAgent browser = new HeadlessUserAgent();
        URI callback = browser.authorize(server.local(link), stack.resource.resolve("/connect/callback").toString(),
                TestStack.ALICE_CALENDAR);
        String iss = "iss=" + URLEncoder.encode(stack.calendar.issuer().toString(), StandardCharsets.UTF_8);
        assertThat(callback.getRawQuery()).contains(iss);
        URI rewritten = URI.create(callback.toString().replace(iss, rewrite.apply(iss)));

        server.given(browser)
        .when()
            .get(server.local(rewritten))
        .then()
            .statusCode(400)
            .body(containsString("The response did not come from the calendar service."));

        assertThat(rows.of(alice.subject())).isNull();
    }

    static Stream<Arguments> linksThisServerNeverIssued() {
        return Stream.of(
                argumentSet("a link for an upstream this server does not have", "/connect/github?request=abc",
                        404, "This connect link is not valid."),
                argumentSet("a link without its request id", "/connect/calendar", 404, "This connect link is not valid."),
                argumentSet("a forged request id", "/connect/calendar?request=forged",
                        400, "This connect link has expired or was already used."));
    }

    @ParameterizedTest
    @MethodSource("linksThisServerNeverIssued")
    @Order(3)
    void refusesALinkItNeverIssued(String pathAndQuery, int status, String message) {
        server.given()
        .when()
            .get(server.local(stack.resource.resolve(pathAndQuery)))
        .then()
            .statusCode(status)
            .body(containsString(message));
    }

    @Test
    @Order(3)
    void theConfirmationPageNamesTheMcpAccount() {
        URI link = server.local(connectLink(alice));

        server.given()
        .when()
            .get(link)
        .then()
            .statusCode(200)
            .header("X-Frame-Options", "DENY")
            .body(containsString("Your calendar account will be linked to the MCP account <b>alice</b>."));
    }

    static Stream<Arguments> crossSiteConfirmations() {
        return Stream.of(
                argumentSet("a form posted from another origin", "Origin", "http://evil.example"),
                argumentSet("a request the browser marks cross-site", "Sec-Fetch-Site", "cross-site"));
    }

    /** CSRF: a cross-site confirmation would link the victim's MCP account to the attacker's calendar. */
    @ParameterizedTest
    @MethodSource("crossSiteConfirmations")
    @Order(3)
    void refusesACrossSiteConfirmation(String header, String value) {
        URI link = server.local(connectLink(alice));

        server.given()
            .header(header, value)
            .formParam("request", link.getRawQuery().substring("request=".length()))
            .formParam("accept", "yes")
        .when()
            .post(link.resolve("/connect/calendar"))
        .then()
            .statusCode(403)
            .header("Set-Cookie", nullValue());

        server.given().when().get(link).then().statusCode(200); // a refused confirmation does not burn the link
    }

    @Test
    @Order(3)
    void aNewerLinkVoidsAnOlderUnconfirmedOne() {
        URI older = server.local(connectLink(alice));

        connectLink(alice);

        server.given()
        .when()
            .get(older)
        .then()
            .statusCode(400)
            .body(containsString("This connect link has expired or was already used."));
    }

    /** Single use: neither the callback nor the link itself does anything a second time. */
    @Test
    @Order(3)
    void aConnectLinkCompletesOnlyOnce() {
        URI link = connectLink(bob);
        HeadlessUserAgent browser = new HeadlessUserAgent();
        URI callback = browser.authorize(server.local(link), stack.resource.resolve("/connect/callback").toString(),
                TestStack.BOB_CALENDAR);

        server.given(browser).when().get(server.local(callback))
        .then()
            .statusCode(200)
            .body(containsString("Calendar connected"));

        server.given(browser).when().get(server.local(callback))
        .then()
            .statusCode(400);
        server.given(browser).when().get(server.local(link))
        .then()
            .statusCode(400)
            .body(containsString("This connect link has expired or was already used."));
    }

    @Test
    @Order(4)
    void twoUsersEachSeeOnlyTheirOwnEvents() {
        assertThat(server.connect(alice, TestStack.ALICE_CALENDAR)).isEqualTo(200);

        CallToolResult alicesEvents = alice.call("list_events");
        CallToolResult bobsEvents = bob.call("list_events");

        assertThat(alicesEvents.isError()).isNotEqualTo(Boolean.TRUE);
        assertThat(ServerInstance.text(alicesEvents)).isEqualTo("2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review");
        assertThat(ServerInstance.text(bobsEvents)).isEqualTo("2026-12-03T10:00  Bob: board meeting");
        assertThat(alice.call("connect_status").structuredContent()).isEqualTo(Map.of("status", "connected", "mcp_account", "alice"));
    }

    @Test
    @Order(5)
    void storedRowsHoldNoPlaintextToken() {
        TokenRepository store = server.bean(TokenRepository.class);
        UpstreamTokens alicesTokens = store.find(alice.subject(), "calendar").orElseThrow().tokens();
        UpstreamTokens bobsTokens = store.find(bob.subject(), "calendar").orElseThrow().tokens();
        List<String> secrets = List.of(alicesTokens.accessToken(), alicesTokens.refreshToken(),
                bobsTokens.accessToken(), bobsTokens.refreshToken());
        secretsSeen.addAll(secrets);

        List<Map<String, String>> stored = rows.all();

        assertThat(stored).hasSize(2);
        assertThat(stored).extracting(row -> row.get("user_id")).containsExactlyInAnyOrder(alice.subject(), bob.subject());
        String everything = stored.toString();
        for (String secret : secrets) {
            assertThat(everything).doesNotContain(secret);
            for (String jwtPart : secret.split("\\.")) {
                assertThat(everything).doesNotContain(jwtPart); // not even a JWT's header or claims in clear
            }
        }
        assertThat(stored).allSatisfy(row -> {
            assertThat(row.get("kek_id")).isEqualTo("k1");
            assertThat(row.get("status")).isEqualTo("CONNECTED");
        });
        assertThat(stored.get(0).get("wrapped_data_key")).isNotEqualTo(stored.get(1).get("wrapped_data_key"));
    }

    @Test
    @Order(6)
    void clientsThatSupportUrlElicitationGetAUrlElicitationRequiredError() throws Exception {
        String token = AuthorizationCodeFlow.with(stack.users, "mcp-demo-client").scope("mcp:tools").resource(stack.resource)
                .run(new HeadlessUserAgent(), new dev.mcpoauth.cookbook.testkit.browser.UserCredentials("bob", "bob-demo-password"))
                .accessToken();
        server.bean(TokenRepository.class).delete(bob.subject(), "calendar");
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(server.mcpUrl().resolve("/").toString())
                .endpoint("/mcp")
                .addHttpRequestCustomizer((request, method, uri, body, context) -> request.header("Authorization", "Bearer " + token))
                .build();
        try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
                .capabilities(ClientCapabilities.builder().elicitation(false, true).build())
                .urlElicitation(request -> ElicitResult.builder().message(ElicitResult.Action.ACCEPT).build())
                .build()) {
            client.initialize();

            Throwable thrown = catchThrowable(() -> client.callTool(new CallToolRequest("list_events", Map.of())));

            assertThat(thrown).isInstanceOf(McpError.class);
            McpError error = (McpError) thrown;
            assertThat(error.getJsonRpcError().code()).isEqualTo(-32042);
            assertThat(String.valueOf(error.getJsonRpcError().data()))
                    .contains("mode=url")
                    .contains(stack.resource.resolve("/connect/calendar").toString() + "?request=");
        }
    }

    @Test
    @Order(7)
    void disconnectNeedsItsOwnScope() {
        Throwable refused = catchThrowable(() -> alice.call("disconnect"));

        var failure = McpTestClient.authorizationFailure(refused).orElseThrow();
        assertThat(failure.getResponseInfo().statusCode()).isEqualTo(403);
        assertThat(failure.getResponseInfo().headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("scope=\"mcp:tools calendar:disconnect\"");
        assertThat(rows.of(alice.subject())).isNotNull();
    }

    /** The tool's promise: the row is deleted here and the grant revoked at the calendar service. */
    @Test
    @Order(8)
    void disconnectForgetsTheCalendarAccountEverywhere() {
        UpstreamTokens before = server.bean(TokenRepository.class).find(alice.subject(), "calendar").orElseThrow().tokens();
        secretsSeen.add(before.refreshToken());
        try (McpUser aliceSteppedUp = server.login(TestStack.ALICE, "mcp:tools", CalendarTools.CALENDAR_DISCONNECT)) {
            secretsSeen.add(aliceSteppedUp.accessToken());

            CallToolResult answer = aliceSteppedUp.call("disconnect");

            assertThat(ServerInstance.text(answer))
                    .isEqualTo("Disconnected. Your calendar tokens were deleted here and revoked at the calendar service.");
            assertThat(rows.of(alice.subject())).isNull();
            DirectUpstream.Answer refresh = DirectUpstream.refresh(stack, before.refreshToken());
            assertThat(refresh.status()).isEqualTo(400);
            assertThat(refresh.error()).isEqualTo("invalid_grant");
            assertThat(ServerInstance.text(aliceSteppedUp.call("disconnect"))).isEqualTo("You had no calendar connection. Nothing to do.");
            assertThat(status(alice.call("list_events"))).isEqualTo("not_connected");
        }
    }

    @Test
    @Order(9)
    void mcpWithoutATokenGetsTheBearerChallenge() {
        server.mcp()
            .body(TOOLS_LIST)
        .when()
            .post(server.mcpUrl())
        .then()
            .statusCode(401)
            .header("WWW-Authenticate", "Bearer resource_metadata=\""
                    + stack.resource.resolve("/.well-known/oauth-protected-resource/mcp") + "\", scope=\"mcp:tools\"");
    }

    @Test
    @Order(10)
    void anUpstreamTokenIsNotAnMcpToken() {
        server.connect(bob, TestStack.BOB_CALENDAR);
        String upstreamToken = server.bean(TokenRepository.class).find(bob.subject(), "calendar").orElseThrow().tokens().accessToken();
        secretsSeen.add(upstreamToken);

        server.mcp()
            .header("Authorization", "Bearer " + upstreamToken)
            .body(TOOLS_LIST)
        .when()
            .post(server.mcpUrl())
        .then()
            .statusCode(401)
            .header("WWW-Authenticate",
                    startsWith("Bearer error=\"invalid_token\", error_description=\"The access token is invalid or expired\""))
            .body(not(containsString(upstreamToken)));
    }

    @Test
    @Order(11)
    void noTokenMaterialReachedTheLog() {
        String log = LogCapture.text();
        assertThat(log).contains("connected upstream calendar"); // the log is captured at all
        for (String secret : secretsSeen) {
            assertThat(log).doesNotContain(secret);
            assertThat(log).doesNotContain(secret.split("\\.")[secret.split("\\.").length > 1 ? 1 : 0]);
        }
    }

    static Object status(CallToolResult answer) {
        return ((Map<?, ?>) answer.structuredContent()).get("status");
    }

    private URI connectLink(McpUser user) {
        CallToolResult answer = user.call("list_events");
        return URI.create(String.valueOf(((Map<?, ?>) answer.structuredContent()).get("connect_url")));
    }
}
