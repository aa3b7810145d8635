package dev.mcpoauth.cookbook.benchmarks;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;

import dev.mcpoauth.cookbook.keycloakdcr.McpConnection;
import dev.mcpoauth.cookbook.keycloakdcr.McpOAuthClient;
import dev.mcpoauth.cookbook.keycloakdcr.McpOAuthListener;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.resourceserverjavalin.JavalinResourceServer;
import dev.mcpoauth.cookbook.resourceserverjavalin.ServerConfig;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.CountingProxy;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.tokengateway.TokenGateway;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.CalendarTools;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code make bench}: every figure next to a baseline from the same run, one markdown table,
 * {@code target/results.md}. Loopback only; each load phase is bounded in time
 * ({@code -Dbench.warmup=15 -Dbench.seconds=8} by default; {@code -Dbench.only=...} for a subset).
 */
public final class Bench {

    /**
     * Calls before each comparison's first measured slice. A new JVM keeps compiling the hot path for 10 to 20 s at
     * these rates: after 3 s every server ran at a third of its warm throughput, and the tails were the JIT's.
     */
    static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmup", 15));
    static final Duration MEASURED = Duration.ofSeconds(Long.getLong("bench.seconds", 8));
    /** Baseline and candidate alternate in this many slices each, so load changes hit both alike. */
    static final int ROUNDS = 4;

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable failure) {
            failure.printStackTrace();
            System.exit(1); // not just return: server threads would keep the JVM, and its child JVMs, alive
        }
        System.exit(0); // Keycloak's and the servers' threads would keep this JVM waiting; exit runs the shutdown hooks
    }

    private static void run() throws Exception {
        // The JDK's HttpServer (the GitHub emulator, the trivial baseline) sends headers and body in two writes;
        // without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add 40 ms to every loopback call.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // A pooled keep-alive connection the server has just closed fails a POST before any byte is answered;
        // the JDK client retries GETs in that case, and with this POSTs too (tools/call whoami changes nothing).
        System.setProperty("jdk.httpclient.enableAllMethodRetry", "true");
        Results results = new Results();
        if (selected("refreshStorm")) { // first: its JVM brings its own Keycloak, gone before ours starts
            RefreshStormFigure.measure(results);
        }
        if (selected("footprint")) {
            Footprint.measure(results);
        }
        if (selected("tokenValidation")) {
            tokenValidation(results);
        }
        List<AuthOverhead.Overhead> java = new ArrayList<>();
        if (selected("authOverhead.javalin")) {
            java.add(AuthOverhead.javalin(results));
        }
        if (selected("authOverhead.spring")) {
            java.add(AuthOverhead.inChildJvm(AuthOverhead.SPRING, results));
        }
        if (selected("authOverhead.micronaut")) {
            java.add(AuthOverhead.inChildJvm(AuthOverhead.MICRONAUT, results));
        }
        if (selected(PeerOverhead.FIGURE)) {
            AuthOverhead.Overhead peer = PeerOverhead.measure(results);
            if (java.size() == 3) { // the verdict needs all three Java flavours of this run
                PeerOverhead.verdict(results, java, peer);
            }
        }
        if (selected("gatewayLatency")) {
            gatewayLatency(results);
        }
        if (selected("githubProxy")) {
            GitHubProxyPath.measure(results);
        }
        if (selected("fullFlow")) {
            fullFlow(results);
        }
        // Not in the default run (7 to 9 minutes of JVM startups): only when named, `make bench-scaleout`.
        ScaleOut.measureSelected(results, figure -> !System.getProperty("bench.only", "").isBlank() && selected(figure));
        String table = results.markdown();
        System.out.println("\n" + table);
        results.write(Path.of("target", "results.md"));
        if (System.getProperty("bench.only", "").isBlank()) {
            ScaleOut.publishAbove(Path.of("results.md"), table); // the copy the docs site shows once committed
            System.out.println("Written to benchmarks/target/results.md and benchmarks/results.md, its scale-out section kept"
                    + " (commit the latter to publish)");
        } else if (System.getProperty("bench.only").equals(ScaleOut.FIGURE)) {
            ScaleOut.publish(Path.of("results.md"), table); // the scale-out figure alone: its own section of the published copy
            System.out.println("Written to benchmarks/target/results.md and the scale-out section of benchmarks/results.md");
        }
    }

    /**
     * {@code -Dbench.only=fullFlow,gatewayLatency} runs a subset (and still writes target/results.md);
     * a group name selects its members ({@code authOverhead} runs {@code authOverhead.spring} and the others).
     */
    private static boolean selected(String figure) {
        String only = System.getProperty("bench.only", "");
        List<String> names = List.of(only.split(","));
        return only.isBlank() || names.contains(figure) || names.contains(figure.split("\\.")[0]);
    }

    /** JMH, in this JVM (forks 0, which keeps the run short and bounded); short, bounded iterations. */
    private static void tokenValidation(Results results) throws Exception {
        Options options = new OptionsBuilder().include(TokenValidationBenchmark.class.getSimpleName())
                .forks(0).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1)).build();
        Map<String, Double> micros = new HashMap<>();
        for (RunResult result : new Runner(options).run()) {
            String name = result.getParams().getBenchmark();
            micros.put(name.substring(name.lastIndexOf('.') + 1), result.getPrimaryResult().getScore());
        }
        double parse = micros.get("parseOnlyBaseline");
        for (String figure : List.of("verifyRs256", "verifyEs256", "scopeCheck", "metadataLookup")) {
            results.inform("JWT micro-cost: " + figure + " (JMH, per call)", Results.us(micros.get(figure)),
                    "parse only: " + Results.us(parse), Results.ratio(micros.get(figure) / parse) + " × parse");
        }
    }

    /** Direct to a backend (with its exchanged token) vs through the gateway (with the client's token). */
    private static void gatewayLatency(Results results) throws Exception {
        URI gatewayUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        URI throughGateway = URI.create(gatewayUrl + "/notes"); // a protected resource of its own
        URI notesUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        URI calendarUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        String secret = "bench-" + System.nanoTime();
        Map<String, String> placeholders = new HashMap<>(ContractRealm.placeholders(throughGateway));
        placeholders.putAll(Map.of("NOTES_RESOURCE_URL", throughGateway.toString(),
                "CALENDAR_RESOURCE_URL", gatewayUrl + "/calendar"));
        // Exchanged tokens outlive the run, so the figure is the hot path; renewal costs one exchange per lifetime.
        placeholders.putAll(Map.of("NOTES_BACKEND_URL", notesUrl.toString(), "CALENDAR_BACKEND_URL", calendarUrl.toString(),
                "GATEWAY_CLIENT_SECRET", secret, "EXCHANGED_TOKEN_LIFESPAN", "600"));
        Realm realm = Keycloak.shared().importRealm(Path.of("../recipes/token-gateway/keycloak/realm.json"), placeholders);
        CountingProxy jwks = CountingProxy.to(realm.jwksUri());
        BackendServer notes = BackendServer.start("notes", notesUrl, realm.issuer(), realm.jwksUri(),
                throughGateway.toString(), NotesTools.tools(new CopyOnWriteArrayList<>()));
        BackendServer calendar = BackendServer.start("calendar", calendarUrl, realm.issuer(), realm.jwksUri(),
                gatewayUrl + "/calendar", CalendarTools.tools(Duration.ofMillis(100), new CopyOnWriteArrayList<>()));
        GatewayConfig config = new GatewayConfig(gatewayUrl, realm.issuer(), jwks.url(), realm.tokenEndpoint(), secret,
                Map.of("notes", Backend.at("notes", notesUrl), "calendar", Backend.at("calendar", calendarUrl)),
                Path.of("../recipes/token-gateway/gateway-policy.json"), Duration.ofSeconds(60), "mcp:tools",
                List.of(), 1_000_000, Duration.ofMinutes(1), Duration.ofSeconds(5), Duration.ofSeconds(10), "127.0.0.1");
        TokenGateway gateway = TokenGateway.start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));
        try {
            String clientToken = AuthorizationCodeFlow.with(realm, CLIENT_ID).scope("mcp:tools").resource(throughGateway)
                    .run(new HeadlessUserAgent(), ALICE).accessToken();
            String backendToken = new TokenExchanger(realm.tokenEndpoint(), config::clientId, secret, Duration.ofSeconds(5),
                    Duration.ofSeconds(10), Clock.systemUTC())
                    .exchange(clientToken, Backend.at("notes", notesUrl), Set.of("mcp:tools")).value();
            McpHttpSession.open(java.net.http.HttpClient.newHttpClient(), throughGateway, clientToken).callTool("list_notes");
            long exchangesBefore = gateway.exchangesPerformed();
            int jwksBefore = jwks.requestCount();

            LatencyStats[] measured = LoopbackLoad.compare(LoopbackLoad.mcp(notesUrl, backendToken, "list_notes"),
                    LoopbackLoad.mcp(throughGateway, clientToken, "list_notes"), 1, WARMUP, MEASURED, ROUNDS);
            LatencyStats direct = measured[0];
            LatencyStats gatewayed = measured[1];
            long keycloakCalls = gateway.exchangesPerformed() - exchangesBefore + jwks.requestCount() - jwksBefore;

            double addedP50 = gatewayed.p50Millis() - direct.p50Millis();
            double addedP99 = gatewayed.p99Millis() - direct.p99Millis();
            results.add("Gateway added latency, p50 (1 client, tools/call)", Results.ms(gatewayed.p50Millis()),
                    Results.ms(direct.p50Millis()) + " direct", Results.signedMs(addedP50), "<= 1 ms", addedP50 <= 1.0);
            results.add("Gateway added latency, p99", Results.ms(gatewayed.p99Millis()),
                    Results.ms(direct.p99Millis()) + " direct", Results.signedMs(addedP99), "<= 3 ms", addedP99 <= 3.0);
            results.inform("Gateway latency percentiles p10 / p25 / p50 / p75 / p90 / p99 / p99.9 (1 client, tools/call)",
                    gatewayed.percentilesMillis(), direct.percentilesMillis() + " direct", "-");
            results.add("Gateway calls to Keycloak during the measured window (exchange + JWKS)",
                    Long.toString(keycloakCalls), "0", Long.toString(keycloakCalls), "0", keycloakCalls == 0);
        } finally {
            gateway.stop();
            notes.stop();
            calendar.stop();
            jwks.close();
        }
    }

    /**
     * A new client with nothing but the URL, warm Keycloak: 401, both discovery documents, dynamic
     * registration, authorization code + PKCE, token, first tools/call. Two rows: a returning user (one
     * browser signed in once, so Keycloak's SSO session skips the login form) and a first sign-in (a new
     * browser each run: the login form, Keycloak's password hash in its POST, timed apart).
     */
    private static void fullFlow(Results results) throws Exception {
        URI mcpUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        // The realm's agents and its enterprise IdP are not part of this figure: unused URLs and random secrets.
        Realm realm = Keycloak.shared().importRealm(Path.of("../recipes/keycloak-dcr/keycloak/realm.json"),
                Map.of("MCP_SERVER_URL", mcpUrl.toString(), "AGENT_JWKS_URL", "http://127.0.0.1:9/unused-agent-jwks.json",
                        "AGENT_SECRET", java.util.UUID.randomUUID().toString(),
                        "ENTERPRISE_ISSUER", "http://127.0.0.1:9/unused-enterprise",
                        "ENTERPRISE_JWKS_URL", "http://127.0.0.1:9/unused-enterprise/jwks.json",
                        "ENTERPRISE_BROKER_SECRET", java.util.UUID.randomUUID().toString(),
                        "ENTERPRISE_CLIENT_SECRET", java.util.UUID.randomUUID().toString()));
        JavalinResourceServer server = JavalinResourceServer.start(new ServerConfig(mcpUrl, realm.issuer(), realm.jwksUri(),
                Duration.ofSeconds(60), "mcp:tools", List.of("http://localhost:6274"), "127.0.0.1"));
        try {
            HeadlessUserAgent returning = new HeadlessUserAgent();
            runFullFlow(mcpUrl, returning); // cold: class loading, Keycloak's first DCR; signs in; not measured
            runFullFlow(mcpUrl, new HeadlessUserAgent());
            runFullFlow(mcpUrl, returning);
            long[] returningMillis = new long[7];
            long[] firstMillis = new long[returningMillis.length];
            long[] loginPostMillis = new long[returningMillis.length];
            for (int run = 0; run < returningMillis.length; run++) { // alternating, so load changes hit both alike
                returningMillis[run] = runFullFlow(mcpUrl, returning);
                if (returning.lastLoginPost().isPresent()) {
                    throw new IllegalStateException("Keycloak showed the returning user its login form: no SSO session");
                }
                HeadlessUserAgent firstTime = new HeadlessUserAgent();
                firstMillis[run] = runFullFlow(mcpUrl, firstTime);
                loginPostMillis[run] = firstTime.lastLoginPost().orElseThrow(
                        () -> new IllegalStateException("a new browser was not shown Keycloak's login form")).toMillis();
            }
            long returningMedian = median(returningMillis);
            results.add("Full flow, returning user (Keycloak SSO session, no password typed): new client, discovery, DCR,"
                    + " authorization, token, first tools/call (median of " + returningMillis.length + ")",
                    returningMedian + " ms", "min " + returningMillis[0] + " ms, max "
                            + returningMillis[returningMillis.length - 1] + " ms",
                    returningMedian + " ms", "<= 300 ms", returningMedian <= 300);
            results.inform("Full flow, first sign-in (password typed): the same with Keycloak's login form (median of "
                    + firstMillis.length + ")", median(firstMillis) + " ms", "min " + firstMillis[0] + " ms, max "
                            + firstMillis[firstMillis.length - 1] + " ms",
                    "of which the login POST (Keycloak's password hash) " + median(loginPostMillis) + " ms");
        } finally {
            server.stop();
        }
    }

    /** Sorts {@code millis} in place and returns its middle value. */
    private static long median(long[] millis) {
        java.util.Arrays.sort(millis);
        return millis[millis.length / 2];
    }

    private static long runFullFlow(URI mcpUrl, HeadlessUserAgent browser) {
        long started = System.nanoTime();
        McpOAuthClient oauth = McpOAuthClient.builder(mcpUrl.toString()).tokenStore(new InMemoryTokenStore())
                .listener(new McpOAuthListener() {
                    @Override
                    public void onStep(String description) {
                        if (Boolean.getBoolean("bench.trace")) { // where the time goes: -Dbench.trace=true
                            System.out.printf("%6d ms  %s%n", (System.nanoTime() - started) / 1_000_000, description);
                        }
                    }
                })
                .userAgent(authorizationUrlFor -> {
                    URI redirectUri = AuthorizationUserAgent.loopbackRedirect(FreePort.find());
                    return browser.authorize(authorizationUrlFor.apply(redirectUri), redirectUri.toString(), ALICE);
                }).build();
        try (McpConnection client = oauth.connect()) {
            client.callTool("whoami", Map.of());
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (Boolean.getBoolean("bench.trace")) {
            System.out.printf("%6d ms  done (login POST: %s)%n", millis, browser.lastLoginPost().map(d -> d.toMillis() + " ms")
                    .orElse("none, SSO session"));
        }
        return millis;
    }

    private Bench() {
    }
}
