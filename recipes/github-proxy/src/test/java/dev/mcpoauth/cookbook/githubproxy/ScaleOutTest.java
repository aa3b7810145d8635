package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.githubproxy.authorizationserver.GrantStore;
import dev.mcpoauth.cookbook.githubproxy.consent.ConsentPage;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three instances of the proxy, each a JVM of its own started as an operator starts it (environment
 * variables), on one PostgreSQL database, behind a real HAProxy in round robin with no stickiness: the
 * public URL (issuer) of every instance is the load balancer's. One GitHub emulator for all. Instances
 * are killed with SIGKILL, never stopped gracefully.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutTest {

    private static final int INSTANCES = 3;
    private static final int REGISTRATIONS_PER_HOUR = 3;
    /** Half the default (120): a quicker test, still above what the other tests send from 127.0.0.1 in a minute. */
    private static final int TOKEN_REQUESTS_PER_MINUTE = 60;
    private static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    private static final String METADATA_PATH = "/.well-known/oauth-authorization-server";
    private static final Duration STARTUP = Duration.ofSeconds(120);
    private static final String GRANT_ID = GrantStore.GRANT_ID_CLAIM;

    private GitHubEmulator github;
    private PostgresServer.Database database;
    private DataSource testConnections;
    private final List<RecipeProcess> instances = new ArrayList<>();
    private List<URI> backends;
    private LoadBalancer balancer;
    /** Each test calls from addresses of its own (X-Forwarded-For, trusted from loopback), so rate limits do not mix. */
    private final AtomicInteger addresses = new AtomicInteger(10);
    private final HttpClient http = HttpClient.newHttpClient();
    /** One key for all instances: the signing key in the database is encrypted with it. */
    private final String encryptionKey = randomKey();

    @BeforeAll
    void start(@TempDir Path workingDirectory) throws IOException {
        LoadBalancer.assumeAvailable();
        github = GitHubEmulator.start();
        github.registerOAuthApp(ProxyStack.GITHUB_CLIENT_ID, ProxyStack.GITHUB_CLIENT_SECRET,
                URI.create("http://127.0.0.1/login/oauth2/code/github")); // any port on loopback, like GitHub
        github.addUser(ALICE.username(), ALICE.password(), "Alice Example", "dotfiles", "garden-planner");
        github.addUser(BOB.username(), BOB.password(), "Bob Example", "kitchen-timer");
        database = PostgresServer.shared().createDatabase("scaleout");
        testConnections = PostgresServer.shared().dataSource(database);
        for (int attempt = 1; ; attempt++) {
            try {
                startInstances(workingDirectory);
                return;
            } catch (PortTaken e) { // another process took a port between FreePort.find() and the bind: new ports
                stopInstances();
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private void startInstances(Path workingDirectory) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < INSTANCES) {
            int port = FreePort.find();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        backends = LoadBalancer.loopback(ports);
        balancer = LoadBalancer.roundRobin(METADATA_PATH, backends);
        for (int i = 0; i < INSTANCES; i++) {
            instances.add(RecipeProcess.start(instanceName(i), GitHubProxyApplication.class.getName(), workingDirectory,
                    environment(i, ports.get(i)), Map.of(), List.of(
                            "--proxy.rate-limits.registrations-per-hour=" + REGISTRATIONS_PER_HOUR,
                            "--proxy.rate-limits.token-requests-per-minute=" + TOKEN_REQUESTS_PER_MINUTE,
                            "--proxy.refresh-reuse-grace=0s")));
            if (i == 0) {
                awaitUp(0); // the first creates the schema and the signing key; the others find them
            }
        }
        IntStream.range(1, INSTANCES).forEach(this::awaitUp);
    }

    /** What an operator sets: the public URL is the load balancer's, the database and GitHub app are shared. */
    private Map<String, String> environment(int index, int port) {
        Map<String, String> environment = new HashMap<>();
        environment.put("PORT", Integer.toString(port));
        environment.put("PROXY_PUBLIC_URL", balancer.url().toString());
        environment.put("PROXY_TOKEN_ENCRYPTION_KEY", encryptionKey);
        // ApplicationName: the test sees in pg_stat_activity which instance waits on a lock.
        environment.put("PROXY_JDBC_URL", database.jdbcUrl() + "?ApplicationName=" + instanceName(index));
        environment.put("PROXY_DB_USER", database.user());
        environment.put("PROXY_DB_PASSWORD", database.password());
        environment.put("PROXY_DB_PLATFORM", "postgresql");
        environment.put("GITHUB_CLIENT_ID", ProxyStack.GITHUB_CLIENT_ID);
        environment.put("GITHUB_CLIENT_SECRET", ProxyStack.GITHUB_CLIENT_SECRET);
        environment.put("GITHUB_API_URL", github.apiBaseUrl().toString());
        environment.put("GITHUB_WEB_URL", github.webBaseUrl().toString());
        return environment;
    }

    private static String instanceName(int index) {
        return "github-proxy-" + index;
    }

    /** Up means this instance answers on its port: not another program that took the port first. */
    private void awaitUp(int index) {
        URI metadata = backends.get(index).resolve(METADATA_PATH);
        RecipeProcess instance = instances.get(index);
        instance.awaitHttp200(metadata, STARTUP);
        String issuer = RestAssured.given().get(metadata).path("issuer");
        if (!instance.isAlive() || !balancer.url().toString().equals(issuer)) {
            throw new PortTaken(instance.name() + ": port " + backends.get(index).getPort() + " is another program's");
        }
        balancer.awaitState(index, true, Duration.ofSeconds(10));
    }

    private static final class PortTaken extends IllegalStateException {
        PortTaken(String message) {
            super(message);
        }
    }

    @AfterAll
    void stop() {
        stopInstances();
        if (github != null) {
            github.close();
        }
    }

    private void stopInstances() {
        instances.forEach(RecipeProcess::close);
        instances.clear();
        if (balancer != null) {
            balancer.close();
            balancer = null;
        }
    }

    // ---- the tests --------------------------------------------------------------------------------

    @Test
    void aWholeFlowCompletesWithItsRequestsSpreadOverEveryInstance() {
        int[] before = balancer.requestsPerBackend();
        String clientId = registerClient(nextAddress(), "Scale-out client");

        Tokens tokens = flow(clientId).run(new HeadlessUserAgent(), ALICE);
        Response firstCall = whoami(tokens.accessToken());
        Response refreshed = refresh(clientId, tokens.refreshToken());
        Response secondCall = whoami(refreshed.path("access_token"));

        firstCall.then().statusCode(200).body("result.structuredContent.login", equalTo("alice"));
        refreshed.then().statusCode(200).body("refresh_token", not(emptyOrNullString()));
        secondCall.then().statusCode(200).body("result.structuredContent.login", equalTo("alice"));
        assertThat(servedBy(refreshed)).isNotEqualTo(servedBy(firstCall)).isNotEqualTo(servedBy(secondCall));
        int[] after = balancer.requestsPerBackend();
        assertThat(IntStream.range(0, INSTANCES).map(i -> after[i] - before[i]).boxed().toList())
                .as("requests of this flow per instance").allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(2));
    }

    @Test
    void theRegistrationLimitIsCountedOnceAcrossInstances() {
        String address = nextAddress();
        List<Response> allowed = new ArrayList<>();
        for (int registration = 0; registration < REGISTRATIONS_PER_HOUR; registration++) {
            allowed.add(register(address, "Client " + registration));
        }

        Response refused = register(address, "One too many");

        allowed.forEach(response -> response.then().statusCode(201));
        assertThat(allowed.stream().map(ScaleOutTest::servedBy).distinct()).as("instances that registered").hasSize(INSTANCES);
        refused.then()
                .statusCode(429)
                .header("Retry-After", not(emptyOrNullString()))
                .body("error", equalTo("too_many_requests"));
    }

    @Test
    void refreshTokenReuseIsDetectedOnAnotherInstance() {
        String clientId = registerClient(nextAddress(), "Reuse across instances");
        Tokens tokens = flow(clientId).run(new HeadlessUserAgent(), BOB);
        Response rotation = refresh(clientId, tokens.refreshToken());
        rotation.then().statusCode(200);

        Response replay = refresh(clientId, tokens.refreshToken()); // the grace is 0 s here: a replay is theft

        replay.then().statusCode(400).body("error", equalTo("invalid_grant"));
        assertThat(servedBy(replay)).isNotEqualTo(servedBy(rotation));
        Response rotatedRefresh = refresh(clientId, rotation.path("refresh_token"));
        rotatedRefresh.then().statusCode(400).body("error", equalTo("invalid_grant"));
        assertThat(servedBy(rotatedRefresh)).isNotEqualTo(servedBy(replay));
        whoami(rotation.path("access_token")).then().statusCode(401); // the grant is gone on every instance
    }

    /**
     * No instance keeps "this grant is live" in memory: each one has just served the token when the grant is
     * revoked (RFC 7009) through one of them, and every one refuses the next call.
     */
    @Test
    void aGrantRevokedOnOneInstanceIsRefusedOnTheNextCallToEveryInstance() {
        UserCredentials carol = new UserCredentials("carol", "carol-github-password");
        github.addUser(carol.username(), carol.password(), "Carol Example", "loom");
        String clientId = registerClient(nextAddress(), "Revoked across instances");
        Tokens tokens = flow(clientId).run(new HeadlessUserAgent(), carol);
        IntStream.range(0, INSTANCES).forEach(i -> whoamiAt(i, tokens.accessToken()).then().statusCode(200));

        Response revoked = given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("token", tokens.refreshToken(), "token_type_hint", "refresh_token", "client_id", clientId)))
                .when().post("/oauth2/revoke");

        revoked.then().statusCode(200);
        IntStream.range(0, INSTANCES).forEach(i -> whoamiAt(i, tokens.accessToken()).then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\"")));
    }

    /**
     * The limit refills one request a second (60 a minute), so requests allowed = 60 plus what refilled while they
     * ran; counted per instance, three instances would have allowed 180 before the first 429.
     */
    @Test
    void theTokenEndpointLimitIsCountedOnceAcrossInstances() {
        String address = nextAddress();
        String guessedCode = Browser.form(Map.of("grant_type", "authorization_code", "code", "guessed",
                "redirect_uri", Browser.REDIRECT_URI, "code_verifier", "v".repeat(43),
                "client_id", registerClient(address, "Guessing client")));
        List<Response> allowed = new ArrayList<>();
        Response refused = null;
        long started = System.nanoTime();

        while (refused == null && allowed.size() < 3 * TOKEN_REQUESTS_PER_MINUTE) {
            Response guess = given(address).contentType("application/x-www-form-urlencoded").body(guessedCode).post("/oauth2/token");
            if (guess.statusCode() == 429) {
                refused = guess;
            } else {
                allowed.add(guess);
            }
        }

        long refilled = (System.nanoTime() - started) / 1_000_000_000L * TOKEN_REQUESTS_PER_MINUTE / 60 + 1;
        assertThat(refused).as("a 429 before three instances' worth of requests").isNotNull();
        refused.then().header("Retry-After", not(emptyOrNullString()));
        assertThat(allowed).hasSizeBetween(TOKEN_REQUESTS_PER_MINUTE, (int) (TOKEN_REQUESTS_PER_MINUTE + refilled));
        allowed.forEach(guess -> guess.then().statusCode(400).body("error", equalTo("invalid_grant"))); // Spring saw each
        assertThat(allowed.stream().map(ScaleOutTest::servedBy).distinct()).as("instances that answered").hasSize(INSTANCES);
    }

    // ---- MCP 2025-11-25 sessions: in one instance's memory ------------------------------------------

    @Test
    void aLegacySessionIsNotFoundOnAnotherInstanceWithoutStickiness() {
        String token = flow(registerClient(nextAddress(), "Legacy client, round robin")).run(new HeadlessUserAgent(), ALICE).accessToken();
        Response initialize = legacy(balancer, token, ProxyStack.INITIALIZE, null);
        String session = initialize.then().statusCode(200).extract().header("Mcp-Session-Id");

        Response next = legacy(balancer, token, TOOLS_LIST, session); // round robin: the next instance

        assertThat(servedBy(next)).isNotEqualTo(servedBy(initialize));
        next.then().statusCode(404);
    }

    @Test
    void aLegacySessionStaysOnItsInstanceBehindAStickyBalancer() {
        String token = flow(registerClient(nextAddress(), "Legacy client, sticky")).run(new HeadlessUserAgent(), ALICE).accessToken();
        try (LoadBalancer sticky = stickyBalancer()) {
            Response initialize = legacy(sticky, token, ProxyStack.INITIALIZE, null);
            String session = initialize.then().statusCode(200).extract().header("Mcp-Session-Id");

            List<Response> calls = new ArrayList<>();
            for (int call = 0; call < 2 * INSTANCES; call++) {
                calls.add(legacy(sticky, token, TOOLS_LIST, session));
            }

            calls.forEach(call -> call.then().statusCode(200));
            assertThat(calls.stream().map(ScaleOutTest::servedBy)).containsOnly(servedBy(initialize));
        }
    }

    @Test
    void aLegacyClientInitializesAgainWhenItsInstanceIsKilled() {
        String token = flow(registerClient(nextAddress(), "Legacy client, instance lost")).run(new HeadlessUserAgent(), BOB).accessToken();
        try (LoadBalancer sticky = stickyBalancer()) {
            Response initialize = legacy(sticky, token, ProxyStack.INITIALIZE, null);
            String session = initialize.then().statusCode(200).extract().header("Mcp-Session-Id");
            int home = servedBy(initialize);

            killed(home, () -> {
                sticky.awaitState(home, false, Duration.ofSeconds(10));

                Response lost = legacy(sticky, token, TOOLS_LIST, session);
                Response again = legacy(sticky, token, ProxyStack.INITIALIZE, null);

                lost.then().statusCode(404); // the spec's answer for an unknown session: initialize again
                String newSession = again.then().statusCode(200).extract().header("Mcp-Session-Id");
                assertThat(servedBy(again)).isNotEqualTo(home);
                legacy(sticky, token, TOOLS_LIST, newSession).then().statusCode(200);
            });
        }
    }

    /** The instance that saved the authorization request (the session's first entry) dies before GitHub's sign-in. */
    @Test
    void aSignInFinishesOnAnotherInstanceWhenTheOneThatStartedItIsKilled() {
        String clientId = registerClient(nextAddress(), "Sign-in survives a kill");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        Browser.Pkce pkce = Browser.Pkce.create();
        HttpResponse<String> start = browser.get(authorizationUrl(clientId, pkce, "state-1"));
        assertThat(start.statusCode()).isEqualTo(302);
        int started = servedBy(start);

        killed(started, () -> {
            URI callback = browser.authorize(start.uri().resolve(start.headers().firstValue("Location").orElseThrow()),
                    Browser.REDIRECT_URI, ALICE);

            Map<String, String> answer = Browser.redirectParameters(callback.toString());
            assertThat(answer).containsEntry("state", "state-1").containsEntry("iss", balancer.url().toString());
            exchange(clientId, answer.get("code"), pkce).then().statusCode(200).body("access_token", not(emptyOrNullString()));
        });
    }

    /** The instance that showed the consent page (signed-in user and CSRF token in the session) dies before the answer. */
    @Test
    void aConsentIsAcceptedOnAnotherInstanceWhenTheOneThatShowedItIsKilled() {
        String clientId = registerClient(nextAddress(), "Consent survives a kill");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        Browser.Pkce pkce = Browser.Pkce.create();
        URI consentPage = browser.authorize(authorizationUrl(clientId, pkce, "state-2"),
                balancer.url() + ConsentPage.PATH, BOB); // signs in at GitHub, stops at the redirect to the consent page
        HttpResponse<String> page = browser.get(consentPage);
        assertThat(page.statusCode()).isEqualTo(200);
        int shown = servedBy(page);

        killed(shown, () -> {
            HttpResponse<String> approved = Browser.send(browser, HttpRequest.newBuilder(balancer.url().resolve("/oauth2/authorize"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(consentForm(page))).build());

            assertThat(approved.statusCode()).isEqualTo(302);
            assertThat(servedBy(approved)).isNotEqualTo(shown);
            Map<String, String> answer = Browser.redirectParameters(approved);
            assertThat(answer).containsEntry("state", "state-2");
            exchange(clientId, answer.get("code"), pkce).then().statusCode(200).body("access_token", not(emptyOrNullString()));
        });
    }

    /**
     * A refresh whose instance dies before it committed: the test holds the grant's row lock, the refresh
     * waits on it, its instance is killed. The client's attempt fails (the load balancer's 502, or its
     * connection closed without an answer; a POST is never replayed), sends the same refresh again, and it succeeds on another instance: nothing of the first
     * attempt survived, so the retry is not mistaken for reuse.
     */
    @Test
    void aRefreshKilledBeforeCommitSucceedsWhenTheClientRetries() throws Exception {
        String clientId = registerClient(nextAddress(), "Refresh survives a kill");
        Tokens tokens = flow(clientId).run(new HeadlessUserAgent(), ALICE);
        String grantId = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getStringClaim(GRANT_ID);
        CompletableFuture<HttpResponse<String>> firstAttempt;
        int waiting;
        try (Connection lock = testConnections.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement select = lock.prepareStatement("SELECT id FROM oauth2_authorization WHERE id = ? FOR UPDATE")) {
                select.setString(1, grantId);
                select.executeQuery().close();
            }
            firstAttempt = http.sendAsync(refreshRequest(clientId, tokens.refreshToken()), HttpResponse.BodyHandlers.ofString());
            waiting = instanceWaitingOnALock();
            instances.get(waiting).kill();
            lock.rollback();
        }
        try {
            Integer failed = firstAttemptStatus(firstAttempt);

            Response retried = refresh(clientId, tokens.refreshToken());

            assertThat(failed).isIn(null, 502);
            retried.then().statusCode(200).body("refresh_token", not(emptyOrNullString()));
            assertThat(servedBy(retried)).isNotEqualTo(waiting);
            whoami(retried.path("access_token")).then().statusCode(200);
            refresh(clientId, retried.path("refresh_token")).then().statusCode(200); // one rotation happened, not two
        } finally {
            restart(waiting);
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------------

    private interface Step {
        void run() throws Exception;
    }

    /** Kills instance {@code index}, waits until the load balancer sees it down, runs the rest, restarts it. */
    private void killed(int index, Step rest) {
        instances.get(index).kill();
        balancer.awaitState(index, false, Duration.ofSeconds(10));
        try {
            rest.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            restart(index);
        }
    }

    private void restart(int index) {
        instances.get(index).restart();
        awaitUp(index);
    }

    /** Polls pg_stat_activity until one instance's connection waits on a row lock; returns that instance. */
    private int instanceWaitingOnALock() throws SQLException, InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        try (Connection connection = testConnections.getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT application_name FROM pg_stat_activity"
                     + " WHERE datname = ? AND wait_event_type = 'Lock' AND application_name LIKE 'github-proxy-%'")) {
            query.setString(1, database.name());
            while (Instant.now().isBefore(deadline)) {
                try (ResultSet rows = query.executeQuery()) {
                    if (rows.next()) {
                        return Integer.parseInt(rows.getString(1).substring("github-proxy-".length()));
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no instance waited on the grant's row lock");
    }

    /** A second HAProxy over the same instances, pinning each MCP 2025-11-25 session to the instance that created it. */
    private LoadBalancer stickyBalancer() {
        LoadBalancer sticky = LoadBalancer.stickyByMcpSession(METADATA_PATH, backends);
        IntStream.range(0, INSTANCES).forEach(i -> sticky.awaitState(i, true, Duration.ofSeconds(10)));
        return sticky;
    }

    /** An MCP 2025-11-25 POST through {@code via}, in {@code session} when not null. */
    private static Response legacy(LoadBalancer via, String accessToken, String body, String session) {
        RequestSpecification request = RestAssured.given().baseUri(via.url().toString()).redirects().follow(false)
                .contentType("application/json").accept("application/json, text/event-stream")
                .header("Authorization", "Bearer " + accessToken).body(body);
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return request.post("/mcp");
    }

    private String nextAddress() {
        return "203.0.113." + addresses.incrementAndGet();
    }

    private static int servedBy(Response response) {
        return Integer.parseInt(response.header(LoadBalancer.SERVED_BY));
    }

    private static int servedBy(HttpResponse<?> response) {
        return Integer.parseInt(response.headers().firstValue(LoadBalancer.SERVED_BY).orElseThrow());
    }

    /** A request through the load balancer, from {@code address} as far as the proxy knows. */
    private RequestSpecification given(String address) {
        return RestAssured.given().baseUri(balancer.url().toString()).redirects().follow(false).urlEncodingEnabled(false)
                .config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)))
                .header("X-Forwarded-For", address);
    }

    private RequestSpecification given() {
        return given("127.0.0.1");
    }

    private Response register(String address, String name) {
        return given(address).contentType("application/json").accept("application/json").body("""
                {"client_name":"%s","redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"],
                 "response_types":["code"],"token_endpoint_auth_method":"none","scope":"mcp:tools repos:read"}""".formatted(name))
                .when().post("/oauth2/register");
    }

    private String registerClient(String address, String name) {
        return register(address, name).then().log().ifValidationFails().statusCode(201).extract().path("client_id");
    }

    private URI mcpUrl() {
        return balancer.url().resolve("/mcp");
    }

    private AuthorizationCodeFlow flow(String clientId) {
        return AuthorizationCodeFlow.with(balancer.url(), balancer.url().resolve("/oauth2/authorize"),
                balancer.url().resolve("/oauth2/token"), clientId).scope(ProxyStack.BASE_SCOPE).resource(mcpUrl());
    }

    private URI authorizationUrl(String clientId, Browser.Pkce pkce, String state) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("response_type", "code");
        parameters.put("client_id", clientId);
        parameters.put("redirect_uri", Browser.REDIRECT_URI);
        parameters.put("scope", ProxyStack.BASE_SCOPE);
        parameters.put("state", state);
        parameters.put("code_challenge", pkce.challenge());
        parameters.put("code_challenge_method", "S256");
        parameters.put("resource", mcpUrl().toString());
        return balancer.url().resolve("/oauth2/authorize?" + Browser.form(parameters));
    }

    /** The consent form as a browser submits it: its hidden fields and "accept". */
    private static String consentForm(HttpResponse<String> page) {
        StringBuilder form = new StringBuilder("accept=yes");
        Jsoup.parse(page.body()).select("form input[type=hidden]").forEach(input -> form.append('&')
                .append(Browser.form(Map.of(input.attr("name"), input.attr("value")))));
        return form.toString();
    }

    private Response exchange(String clientId, String code, Browser.Pkce pkce) {
        return given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", Browser.REDIRECT_URI,
                        "client_id", clientId, "code_verifier", pkce.verifier(), "resource", mcpUrl().toString())))
                .when().post("/oauth2/token");
    }

    private Response refresh(String clientId, String refreshToken) {
        return given().contentType("application/x-www-form-urlencoded").body(refreshForm(clientId, refreshToken))
                .when().post("/oauth2/token");
    }

    private HttpRequest refreshRequest(String clientId, String refreshToken) {
        return HttpRequest.newBuilder(balancer.url().resolve("/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(refreshForm(clientId, refreshToken))).build();
    }

    private String refreshForm(String clientId, String refreshToken) {
        return Browser.form(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken,
                "client_id", clientId, "resource", mcpUrl().toString()));
    }

    /** A stateless MCP 2026-07-28 tool call (no session, so any instance can answer it). */
    private Response whoami(String accessToken) {
        return whoamiCall(given(), accessToken);
    }

    /** The same call straight to one instance, past the load balancer. */
    private Response whoamiAt(int instance, String accessToken) {
        return whoamiCall(RestAssured.given().baseUri(backends.get(instance).toString()).redirects().follow(false), accessToken);
    }

    private static Response whoamiCall(RequestSpecification request, String accessToken) {
        return request.contentType("application/json").accept("application/json, text/event-stream")
                .header("Authorization", "Bearer " + accessToken)
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/call").header("Mcp-Name", "whoami")
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{},
                         "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""")
                .when().post("/mcp");
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * The status of an attempt whose instance was killed: the load balancer's 502, or {@code null} when HAProxy closed
     * the client's connection without an answer (what it does for a request it judges unprocessed). Either way the
     * client sees the failure; HAProxy never replays a POST here.
     */
    private static Integer firstAttemptStatus(CompletableFuture<HttpResponse<String>> attempt) throws Exception {
        try {
            return attempt.get(30, TimeUnit.SECONDS).statusCode();
        } catch (ExecutionException closedWithoutAnAnswer) {
            assertThat(closedWithoutAnAnswer).hasCauseInstanceOf(IOException.class);
            return null;
        }
    }
}
