package dev.mcpoauth.cookbook.testkit.contract;

import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.INITIALIZE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.INITIALIZED;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.MCP_ACCEPT;
import static dev.mcpoauth.cookbook.testkit.contract.ContractHttp.TOOLS_LIST;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.probe.ProtectedResourceMetadataDiscovery;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.contract.ScaledOutRecipe.Instance;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.mcp.Mcp2026TestClient;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.json.JsonMapper;

/**
 * Several instances of a recipe behind a real load balancer (HAProxy, {@link LoadBalancer}), each in
 * a JVM of its own ({@link RecipeProcess}) and killed with SIGKILL: what an operator runs, and what a
 * crashed machine looks like. A recipe subclasses it and says how to start one instance in
 * {@link #recipe()} ({@link ScaledOutRecipe}).
 *
 * <p>{@value #INSTANCES} instances are started in parallel, once per class, on ports chosen up front;
 * two load balancers front them: {@link LoadBalancer#roundRobin round robin} (its URL is the public
 * URL every instance serves and every token names in {@code aud}) and
 * {@link LoadBalancer#stickyByMcpSession sticky by Mcp-Session-Id}, what MCP 2025-11-25 needs. What
 * the tests prove:
 * <ul>
 *   <li>MCP 2026-07-28 is stateless: consecutive calls of one client land on every instance and all
 *       succeed, and a refusal (401, 403) is the same whichever instance judged it;</li>
 *   <li>MCP 2025-11-25 sessions live in one instance: through the sticky balancer a session works;
 *       without stickiness its follow-ups get 404; when its instance dies the next call gets 404 from
 *       another instance and a new {@code initialize} works (the spec's recovery);</li>
 *   <li>an instance killed under a series of calls costs only the calls it was serving (502 from the
 *       balancer, never replayed), and once the health check took it out every call succeeds;</li>
 *   <li>a session id one user got is refused to another user on every instance (session binding).</li>
 * </ul>
 * The tests that kill an instance run last ({@link #KILLS}); a killed instance is started again before
 * any later test, so the order does not matter for correctness, only for time. A recipe adds its own
 * tests with {@link Order} below {@link #KILLS}, using {@link #mcpUrl()}, {@link #login}, the balancers
 * and {@link #servedBy}. No token is in any instance's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ScaleOutContract {

    /** The tests that kill an instance run from this {@link Order} on; a recipe's own tests take lower ones. */
    protected static final int KILLS = 100;
    /** Instances per test class: enough to show round robin and survive a kill with two. */
    public static final int INSTANCES = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(20);
    private static final String SERVED_BY = LoadBalancer.SERVED_BY;
    private static final String MCP_2025 = "2025-11-25";

    /** How to start one instance, the realm, the health path and the tools. */
    protected abstract ScaledOutRecipe recipe();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Set<String> tokensSent = Collections.synchronizedSet(new HashSet<>());
    private final List<RecipeProcess> instances = new ArrayList<>();
    private final List<URI> backends = new ArrayList<>();
    private ScaledOutRecipe recipe;
    private LoadBalancer roundRobin;
    private LoadBalancer sticky;
    private URI mcpUrl;
    private Realm realm;

    @BeforeAll
    void startInstancesBehindTwoLoadBalancers() throws Exception {
        LoadBalancer.assumeAvailable();
        recipe = recipe();
        Set<Integer> ports = new java.util.LinkedHashSet<>();
        while (ports.size() < INSTANCES) {
            ports.add(FreePort.find());
        }
        backends.addAll(LoadBalancer.loopback(List.copyOf(ports)));
        // The balancers first: their URL is the instances' public URL (and the tokens' audience).
        roundRobin = LoadBalancer.roundRobin(recipe.healthPath(), backends);
        sticky = LoadBalancer.stickyByMcpSession(recipe.healthPath(), backends);
        mcpUrl = roundRobin.url().resolve("/mcp");
        realm = recipe.realm().importFor(mcpUrl);
        ExecutorService starting = Executors.newFixedThreadPool(INSTANCES);
        try {
            List<Future<RecipeProcess>> started = new ArrayList<>();
            for (int i = 0; i < INSTANCES; i++) {
                Instance instance = new Instance(i, backends.get(i).getPort(), mcpUrl, realm);
                started.add(starting.submit(() -> {
                    RecipeProcess process = recipe.launcher().start(instance);
                    process.awaitHttp200(backends.get(instance.index()).resolve(recipe.healthPath()), START_TIMEOUT);
                    return process;
                }));
            }
            for (Future<RecipeProcess> each : started) {
                instances.add(each.get(START_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS));
            }
        } finally {
            starting.shutdownNow();
        }
        awaitAllUp();
    }

    /** A test that killed an instance started it again; if it failed half-way, this does. */
    @BeforeEach
    void everyInstanceUp() {
        for (int i = 0; i < instances.size(); i++) {
            if (!instances.get(i).isAlive()) {
                restart(i);
            }
        }
        awaitAllUp();
    }

    @AfterAll
    void noTokenInAnyInstancesOutputThenStop() {
        try {
            for (RecipeProcess instance : instances) {
                String output = instance.output();
                synchronized (tokensSent) {
                    for (String token : tokensSent) {
                        assertThat(output).as(instance.name() + "'s output").doesNotContain(token);
                    }
                }
            }
        } finally {
            instances.forEach(RecipeProcess::close);
            if (roundRobin != null) {
                roundRobin.close();
            }
            if (sticky != null) {
                sticky.close();
            }
        }
    }

    // ---- MCP 2026-07-28: stateless, any instance answers ----------------------------------------------

    @Test
    @Order(1)
    void mcp2026CallsOfOneClientAreAnsweredByEveryInstance() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        Map<String, Object> alice = recipe.tools().expectedIdentity().of(subject(token), "alice");
        CallToolRequest call = recipe.tools().identityCall();
        var client = Mcp2026TestClient.connect(mcpUrl, () -> token);
        int[] before = roundRobin.requestsPerBackend();
        int calls = 3 * INSTANCES;

        List<Object> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            var result = client.tool(call.name()).arguments(call.arguments()).call();
            assertThat(result.isError()).as("call " + i).isNotEqualTo(Boolean.TRUE);
            answers.add(result.structuredContent());
        }

        assertThat(answers).hasSize(calls).containsOnly(alice);
        int[] answered = answeredSince(roundRobin, before, calls);
        assertThat(IntStream.of(answered).boxed().toList()).as("calls answered per instance").allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(3));
    }

    @Test
    @Order(2)
    void insufficientScopeIsAnsweredIdenticallyByEveryInstance() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        String stepUpCall = toolCallJson(recipe.tools().stepUpCall());

        List<HttpResponse<String>> answers = onEveryInstance(() -> post2026(roundRobin.url(), token, stepUpCall));

        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).isEqualTo(403);
            BearerChallenge challenge = BearerChallenge.parse(answer.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertThat(challenge.parameters()).containsAllEntriesOf(Map.of("error", "insufficient_scope",
                    "scope", BASE_SCOPE + " " + recipe.tools().stepUpScope(), "resource_metadata", resourceMetadataUrl()));
        }
        assertIdentical(answers);
    }

    @Test
    @Order(3)
    void refusedTokenIsAnsweredIdenticallyByEveryInstance() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        // The signature no longer matches: every instance checks it against the realm's keys.
        String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        tokensSent.add(tampered);
        String identityCall = toolCallJson(recipe.tools().identityCall());

        List<HttpResponse<String>> answers = onEveryInstance(() -> post2026(roundRobin.url(), tampered, identityCall));

        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).isEqualTo(401);
            BearerChallenge challenge = BearerChallenge.parse(answer.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertThat(challenge.parameters()).containsAllEntriesOf(Map.of("error", "invalid_token",
                    "scope", BASE_SCOPE, "resource_metadata", resourceMetadataUrl()));
        }
        assertIdentical(answers);
    }

    // ---- MCP 2025-11-25: a session lives in one instance -----------------------------------------------

    @Test
    @Order(4)
    void mcp2025SessionIsServedByTheInstanceHoldingItThroughTheStickyBalancer() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        Map<String, Object> alice = recipe.tools().expectedIdentity().of(subject(token), "alice");
        int[] before = sticky.requestsPerBackend();
        int calls = 10;

        List<Object> answers = new ArrayList<>();
        try (McpSyncClient client = McpTestClient.connect(sticky.url().resolve("/mcp"), () -> token)) {
            for (int i = 0; i < calls; i++) {
                CallToolResult result = client.callTool(recipe.tools().identityCall());
                assertThat(result.isError()).as("call " + i).isNotEqualTo(Boolean.TRUE);
                answers.add(result.structuredContent());
            }
        }

        assertThat(answers).hasSize(calls).containsOnly(alice);
        int[] answered = answeredSince(sticky, before, calls + 2); // initialize, notifications/initialized, the calls
        assertThat(IntStream.of(answered).filter(count -> count > 0).count()).as("instances that answered").isEqualTo(1);
    }

    @Test
    @Order(5)
    void mcp2025SessionFollowUpsGet404WithoutStickiness() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        HttpResponse<String> initialized = post2025(roundRobin.url(), token, null, INITIALIZE);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();

        // Round robin: the next request goes to the next instance, which never saw this session.
        HttpResponse<String> followUp = post2025(roundRobin.url(), token, session, TOOLS_LIST);

        assertThat(initialized.statusCode()).isEqualTo(200);
        assertThat(servedBy(followUp)).isNotEqualTo(servedBy(initialized));
        assertThat(followUp.statusCode()).isEqualTo(404);
    }

    @Test
    @Order(6)
    void anotherUsersSessionIdIsRefusedOnEveryInstance() throws Exception {
        String aliceToken = login(ALICE, BASE_SCOPE);
        String bobToken = login(BOB, BASE_SCOPE);
        String bobsSession = openSession(sticky.url(), bobToken);

        // Through the sticky balancer alice reaches the instance that holds bob's session ...
        HttpResponse<String> onHolder = post2025(sticky.url(), aliceToken, bobsSession, TOOLS_LIST);
        // ... and round robin shows her every other instance too.
        List<HttpResponse<String>> onEvery = onEveryInstance(() -> post2025(roundRobin.url(), aliceToken, bobsSession, TOOLS_LIST));

        assertThat(onHolder.statusCode()).isEqualTo(404);
        assertThat(JsonMapper.shared().readTree(onHolder.body()).path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(onHolder.headers().firstValue("Mcp-Session-Id")).isEmpty();
        assertThat(onEvery).allSatisfy(answer -> {
            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(answer.headers().firstValue("Mcp-Session-Id")).isEmpty();
            assertThat(answer.body()).doesNotContain("tools");
        });
        // Bob's session still works for bob: the refusal did not disturb it.
        assertThat(post2025(sticky.url(), bobToken, bobsSession, TOOLS_LIST).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(KILLS)
    void mcp2025SessionOfAKilledInstanceGets404ThenANewSessionWorks() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        HttpResponse<String> initialized = post2025(sticky.url(), token, null, INITIALIZE);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        int holder = servedBy(initialized);
        assertThat(post2025(sticky.url(), token, session, INITIALIZED).statusCode()).isEqualTo(202);
        assertThat(servedBy(post2025(sticky.url(), token, session, TOOLS_LIST))).isEqualTo(holder);

        instances.get(holder).kill();
        HttpResponse<String> afterKill = post2025(sticky.url(), token, session, TOOLS_LIST);

        assertThat(afterKill.statusCode()).isEqualTo(404);
        assertThat(servedBy(afterKill)).isNotEqualTo(holder);
        // The spec's recovery: a new initialize, on an instance that is alive.
        try (McpSyncClient client = McpTestClient.connect(sticky.url().resolve("/mcp"), () -> token)) {
            assertThat(client.callTool(recipe.tools().identityCall()).isError()).isNotEqualTo(Boolean.TRUE);
        }
        // Started again on the same port, it rejoins: round robin sends it calls once its health check passes.
        restart(holder);
        awaitAllUp();
        int[] before = roundRobin.requestsPerBackend();
        var modern = Mcp2026TestClient.connect(mcpUrl, () -> token);
        for (int i = 0; i < INSTANCES; i++) {
            modern.tool(recipe.tools().identityCall().name()).arguments(recipe.tools().identityCall().arguments()).call();
        }
        assertThat(answeredSince(roundRobin, before, INSTANCES)[holder]).as("calls the restarted instance answered").isPositive();
    }

    @Test
    @Order(KILLS + 1)
    void aKilledInstanceCostsOnlyTheCallsItWasServing() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        Map<String, Object> alice = recipe.tools().expectedIdentity().of(subject(token), "alice");
        CallToolRequest call = recipe.tools().identityCall();
        int victim = INSTANCES - 1;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong takenOutAt = new AtomicLong(Long.MAX_VALUE);
        AtomicInteger done = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger badGateway = new AtomicInteger();
        AtomicInteger transportErrors = new AtomicInteger();
        Set<String> transportErrorKinds = Collections.synchronizedSet(new java.util.TreeSet<>());
        AtomicInteger succeededAfterTakenOut = new AtomicInteger();
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        int clients = 3;
        int maxCalls = 600; // bounded, whatever happens
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(pool.submit(() -> {
                var client = Mcp2026TestClient.connect(mcpUrl, () -> token);
                while (!stop.get() && done.get() < maxCalls) {
                    long started = System.nanoTime();
                    try {
                        var result = client.tool(call.name()).arguments(call.arguments()).call();
                        if (result.isError() == Boolean.TRUE || !alice.equals(result.structuredContent())) {
                            unexpected.add("answer " + result.structuredContent());
                        } else {
                            succeeded.incrementAndGet();
                            if (started > takenOutAt.get()) {
                                succeededAfterTakenOut.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException failed) {
                        if (started > takenOutAt.get()) {
                            unexpected.add("after the health check took it out: " + failed);
                        } else if (isBadGateway(failed)) {
                            badGateway.incrementAndGet();
                        } else if (hasCause(failed, IOException.class)) {
                            transportErrors.incrementAndGet();
                            transportErrorKinds.add(causes(failed));
                        } else {
                            unexpected.add(failed.toString());
                        }
                    } finally {
                        done.incrementAndGet();
                    }
                }
            }));
        }
        try {
            awaitCount(done, 30);

            instances.get(victim).kill();
            roundRobin.awaitState(victim, false, HEALTH_TIMEOUT);
            takenOutAt.set(System.nanoTime());
            awaitCount(succeededAfterTakenOut, 30);
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> each : running) {
            each.get();
        }

        // What the recipe's README quotes: how many calls the kill cost.
        System.out.printf("scale-out: %d calls, %d succeeded (%d after the health check took instance %d out), %d x 502,"
                + " %d transport errors %s%n", done.get(), succeeded.get(), succeededAfterTakenOut.get(), victim, badGateway.get(),
                transportErrors.get(), transportErrorKinds);
        assertThat(unexpected).isEmpty();
        assertThat(succeeded.get() + badGateway.get() + transportErrors.get()).isEqualTo(done.get());
        assertThat(badGateway.get() + transportErrors.get()).as("calls lost with the instance").isLessThanOrEqualTo(clients);
        assertThat(succeededAfterTakenOut.get()).isGreaterThanOrEqualTo(30);
    }

    // ---- for a recipe's own scale-out tests ----------------------------------------------------------------

    /** The public URL every instance serves and every token names: the round-robin balancer's {@code /mcp}. */
    protected final URI mcpUrl() {
        return mcpUrl;
    }

    /** Round robin, no stickiness: consecutive requests land on consecutive instances. */
    protected final LoadBalancer roundRobin() {
        return roundRobin;
    }

    /** Sticky by {@code Mcp-Session-Id}, in front of the same instances. */
    protected final LoadBalancer sticky() {
        return sticky;
    }

    /** Which instance answered ({@value LoadBalancer#SERVED_BY}, set by the balancer). */
    protected static int servedBy(HttpResponse<?> response) {
        return Integer.parseInt(response.headers().firstValue(SERVED_BY).orElseThrow(
                () -> new AssertionError("no " + SERVED_BY + ": not answered by an instance")));
    }

    /** A request sent until every instance has answered it once, through the round-robin balancer: one answer each. */
    protected static List<HttpResponse<String>> onEveryInstance(Exchange exchange) throws Exception {
        Map<Integer, HttpResponse<String>> byInstance = new LinkedHashMap<>();
        for (int i = 0; i < 2 * INSTANCES && byInstance.size() < INSTANCES; i++) {
            HttpResponse<String> answer = exchange.send();
            byInstance.putIfAbsent(servedBy(answer), answer);
        }
        assertThat(byInstance.keySet()).as("instances that answered").hasSize(INSTANCES);
        return List.copyOf(byInstance.values());
    }

    /** One HTTP exchange with an instance behind a balancer. */
    @FunctionalInterface
    protected interface Exchange {
        HttpResponse<String> send() throws Exception;
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** A token as a real client gets it (login page, PKCE, resource = the load balancer's URL); checked against the logs. */
    protected final String login(UserCredentials user, String... scopes) {
        String token = AuthorizationCodeFlow.with(realm, CLIENT_ID).scope(scopes).resource(mcpUrl)
                .run(new HeadlessUserAgent(), user).accessToken();
        tokensSent.add(token);
        return token;
    }

    private static String subject(String token) throws Exception {
        return SignedJWT.parse(token).getJWTClaimsSet().getSubject();
    }

    private String resourceMetadataUrl() {
        return ProtectedResourceMetadataDiscovery.pathSuffixedLocation(mcpUrl).toString();
    }

    /** initialize and notifications/initialized; the session id. */
    private String openSession(URI balancer, String token) throws Exception {
        HttpResponse<String> initialized = post2025(balancer, token, null, INITIALIZE);
        assertThat(initialized.statusCode()).isEqualTo(200);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertThat(post2025(balancer, token, session, INITIALIZED).statusCode()).isEqualTo(202);
        return session;
    }

    private HttpResponse<String> post2025(URI balancer, String token, String session, String request) throws Exception {
        HttpRequest.Builder builder = mcpPost(balancer, token, request);
        if (session != null) {
            builder.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", MCP_2025);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post2026(URI balancer, String token, String request) throws Exception {
        HttpRequest.Builder builder = mcpPost(balancer, token, Wire.MCP_2026_07_28.body(request));
        Wire.MCP_2026_07_28.headers(request).forEach(builder::header);
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder mcpPost(URI balancer, String token, String body) {
        return HttpRequest.newBuilder(balancer.resolve("/mcp")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", MCP_ACCEPT)
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** Status, challenge and body the same, whichever instance answered. */
    private static void assertIdentical(List<HttpResponse<String>> answers) {
        HttpResponse<String> first = answers.get(0);
        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).isEqualTo(first.statusCode());
            assertThat(answer.headers().allValues("WWW-Authenticate")).isEqualTo(first.headers().allValues("WWW-Authenticate"));
            assertThat(answer.body()).isEqualTo(first.body());
        }
    }

    /** Requests each instance answered since {@code before}, once HAProxy has logged at least {@code atLeast} of them. */
    private static int[] answeredSince(LoadBalancer balancer, int[] before, int atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            int[] now = balancer.requestsPerBackend();
            int[] delta = new int[now.length];
            for (int i = 0; i < now.length; i++) {
                delta[i] = now[i] - before[i];
            }
            if (IntStream.of(delta).sum() >= atLeast || System.nanoTime() > deadline) {
                return delta;
            }
            pause();
        }
    }

    private void restart(int index) {
        instances.get(index).restart();
        instances.get(index).awaitHttp200(backends.get(index).resolve(recipe.healthPath()), START_TIMEOUT);
    }

    private void awaitAllUp() {
        for (int i = 0; i < instances.size(); i++) {
            roundRobin.awaitState(i, true, HEALTH_TIMEOUT);
            sticky.awaitState(i, true, HEALTH_TIMEOUT);
        }
    }

    private static void awaitCount(AtomicInteger counter, int target) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (counter.get() < target) {
            if (System.nanoTime() > deadline) {
                fail("only " + counter.get() + " of " + target + " within 60 s");
            }
            pause();
        }
    }

    /**
     * The balancer's 502 for a POST whose instance died. The SDK's 2026-07-28 client reports one with a
     * JSON-RPC body as an HTTP status, and HAProxy's HTML error page as an {@link IOException} naming the
     * content type and the status.
     */
    private static boolean isBadGateway(Throwable thrown) {
        if (Mcp2026TestClient.httpFailure(thrown).isPresent()) {
            return Mcp2026TestClient.httpFailure(thrown).get().statusCode() == 502;
        }
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException && String.valueOf(cause.getMessage()).contains("502")) {
                return true;
            }
        }
        return false;
    }

    /** The exception classes in the chain, and the innermost message (the SDK's and the JDK's, never a token). */
    private static String causes(Throwable thrown) {
        List<String> chain = new ArrayList<>();
        Throwable innermost = thrown;
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            chain.add(cause.getClass().getSimpleName());
            innermost = cause;
        }
        return String.join(" < ", chain) + ": " + innermost.getMessage();
    }

    private static boolean hasCause(Throwable thrown, Class<? extends Throwable> type) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String toolCallJson(CallToolRequest call) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", call.name());
        params.put("arguments", call.arguments() == null ? Map.of() : call.arguments());
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("jsonrpc", "2.0");
        message.put("id", 7);
        message.put("method", "tools/call");
        message.put("params", params);
        return JsonMapper.shared().writeValueAsString(message);
    }
}
