package dev.mcpoauth.cookbook.benchmarks;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.CalendarTools;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Scale-out: one recipe on 1, 2 and 3 instances, each a JVM of its own ({@link ChildJvm}, started as an
 * operator starts it), behind the test kit's HAProxy ({@link LoadBalancer#roundRobin}, no stickiness) on
 * loopback, driven by the same closed-loop load generator as the other figures with MCP 2026-07-28
 * {@code tools/call} requests (stateless: any instance answers any call) and a valid token.
 *
 * <p>The load balancer is started once per recipe with all three instance ports; an instance that is
 * not running yet is down in its health check and gets no traffic, so the same public URL, the same
 * realm and the same token serve every point. The first point (one instance) is measured against the
 * same instance called straight, in alternating slices, which shows what the load balancer itself
 * costs; each further instance is started, seen up by the health check, warmed up and measured.
 * For a recipe on PostgreSQL the database's committed transactions per second
 * ({@code pg_stat_database.xact_commit}) are read around each point: that is where a shared database
 * shows as the limit.
 */
final class ScaleOut {

    /** {@code -Dbench.only=scaleOut}: this figure alone ({@code scaleOut.javalin} and so on: one recipe). */
    static final String FIGURE = "scaleOut";
    static final String SECTION = "## Scale-out, run alone";
    static final int MAX_INSTANCES = 3;
    static final int CLIENTS = Integer.getInteger("bench.scaleOut.clients", 6);
    static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.scaleOut.warmup", 2));
    static final Duration MEASURED = Duration.ofSeconds(Long.getLong("bench.scaleOut.seconds", 6));
    /** Each new instance is called straight this long first: a cold JVM's JIT would otherwise be measured. */
    static final Duration INSTANCE_WARMUP = Duration.ofSeconds(Long.getLong("bench.scaleOut.instanceWarmup", 4));
    private static final String METADATA = "/.well-known/oauth-protected-resource/mcp";

    /** Starts instance {@code index} listening on {@code port}, serving {@code publicMcp} (at the load balancer). */
    interface Launcher {
        ChildJvm start(int index, int port, URI publicMcp) throws Exception;
    }

    /** A valid token for the public URL; called once the first instance is up (the github-proxy issues its own). */
    interface TokenSource {
        String obtain(URI publicMcp) throws Exception;
    }

    /** Where a recipe's shared database is, to read its committed transactions; null for none. */
    record Database(String jdbcUrl, String user, String password, String name) {

        long commits() throws Exception {
            try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                 PreparedStatement s = c.prepareStatement("SELECT xact_commit FROM pg_stat_database WHERE datname = ?")) {
                s.setString(1, name);
                try (ResultSet row = s.executeQuery()) {
                    row.next();
                    return row.getLong(1);
                }
            }
        }
    }

    /** One recipe as the figure runs it. {@code mcpPath}: the path of the MCP endpoint under the public origin. */
    record Plan(String recipe, String healthPath, String mcpPath, String tool, Launcher launcher, TokenSource token,
                Database database, Duration startup, List<AutoCloseable> resources) {
    }

    /** Builds a plan; what it starts (an emulator, backends) goes into the plan's resources, closed after the recipe. */
    interface PlanFactory {
        Plan create() throws Exception;
    }

    /**
     * One point: the load at one instance count, and the database's commits per second meanwhile over the calls per
     * second that caused them (the one-instance point alternates with calls straight to the instance: both count).
     */
    private record Point(LatencyStats stats, double commitsPerSecond, double callsPerSecond) {

        Point(LatencyStats stats, double commitsPerSecond) {
            this(stats, commitsPerSecond, stats.throughput());
        }
    }

    private ScaleOut() {
    }

    /** The recipes in the order the figure runs them; {@code -Dbench.only=scaleOut.<name>} runs one. */
    static final List<String> NAMES = List.of("javalin", "spring", "micronaut", "multiUserStore", "tokenGateway", "githubProxy");

    /** Every recipe {@code selected} names ({@code scaleOut} alone: all of them), if HAProxy is installed. */
    static void measureSelected(Results results, java.util.function.Predicate<String> selected) {
        List<String> names = NAMES.stream().filter(name -> selected.test("scaleOut." + name)).toList();
        if (names.isEmpty() || !available(results)) {
            return;
        }
        long started = System.nanoTime();
        String loadBefore = loadAverage();
        for (String name : names) {
            switch (name) {
                case "javalin" -> measure(results, "resource-server-javalin", () -> resourceServer("resource-server-javalin",
                        "dev.mcpoauth.cookbook.resourceserverjavalin.JavalinResourceServer"));
                case "spring" -> measure(results, "resource-server-spring", () -> resourceServer("resource-server-spring",
                        "dev.mcpoauth.cookbook.resourceserverspring.ResourceServerApplication"));
                case "micronaut" -> measure(results, "resource-server-micronaut", () -> resourceServer(
                        "resource-server-micronaut", "dev.mcpoauth.cookbook.resourceservermicronaut.Application"));
                case "multiUserStore" -> measure(results, "multi-user-store", ScaleOut::multiUserStore);
                case "tokenGateway" -> measure(results, "token-gateway", ScaleOut::tokenGateway);
                case "githubProxy" -> measure(results, "github-proxy", ScaleOut::githubProxy);
                default -> System.out.println("Scale-out, " + name + ": not in this build yet");
            }
        }
        System.out.printf(Locale.ROOT, "Scale-out figure: %.0f s%n", (System.nanoTime() - started) / 1e9);
        // Everything else running on the machine shares its cores with the instances: say how busy it was.
        results.inform("Scale-out: the machine's load average (1 min, /proc/loadavg) when the figure started / ended",
                loadBefore + " / " + loadAverage(), Runtime.getRuntime().availableProcessors() + " cores", "-");
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException notLinux) {
            return "unknown";
        }
    }

    /**
     * The figure run alone replaces its own section at the end of the published {@code results.md} and leaves the
     * table of the last full run above it as it was (a full run writes one table with every figure, these rows too).
     */
    static void publish(Path file, String table) throws java.io.IOException {
        String published = java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
        int section = published.indexOf(SECTION);
        String kept = (section < 0 ? published : published.substring(0, section)).stripTrailing();
        java.nio.file.Files.writeString(file, (kept.isEmpty() ? "" : kept + "\n\n") + SECTION
                + " (`make bench-scaleout`)\n\n" + table);
    }

    /** The default run's table written above the published scale-out section, which stays as it was. */
    static void publishAbove(Path file, String table) throws java.io.IOException {
        String published = java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
        int section = published.indexOf(SECTION);
        java.nio.file.Files.writeString(file, section < 0 ? table : table + "\n" + published.substring(section));
    }

    /** {@code LoadBalancer.binary()} empty: the figure says so, naming the package, and is skipped. */
    static boolean available(Results results) {
        if (LoadBalancer.binary().isPresent()) {
            return true;
        }
        String message = "HAProxy is not installed (apt-get install " + LoadBalancer.PACKAGE + "): scale-out figure skipped";
        System.out.println(message);
        results.inform("Scale-out: " + message, "-", "-", "-");
        return false;
    }

    /** The three resource servers: the recipe's own realm file, imported for the load balancer's URL. */
    static Plan resourceServer(String recipe, String mainClass) {
        Realm[] realm = new Realm[1];
        Path module = Path.of("..", "recipes", recipe);
        Launcher launcher = (index, port, publicMcp) -> {
            if (realm[0] == null) {
                realm[0] = Keycloak.shared().importRealm(module.resolve("keycloak/realm.json"), ContractRealm.placeholders(publicMcp));
            }
            return ChildJvm.start("scale-out-" + recipe + "-" + index, module, mainClass, module, Map.of(
                    "PORT", Integer.toString(port), "MCP_RESOURCE", publicMcp.toString(),
                    "MCP_AUTHORIZATION_SERVER", realm[0].issuer().toString()), List.of(), List.of());
        };
        TokenSource token = publicMcp -> AuthorizationCodeFlow.with(realm[0], CLIENT_ID).scope("mcp:tools").resource(publicMcp)
                .run(new HeadlessUserAgent(), ALICE).accessToken();
        // Javalin starts in about 2 s here (the gateway too). Where it takes its port from MCP_RESOURCE (the public
        // URL: the load balancer's port) it cannot bind, and the figure says so instead of waiting two minutes.
        Duration startup = recipe.endsWith("javalin") ? Duration.ofSeconds(20) : Duration.ofMinutes(2);
        return new Plan(recipe, METADATA, "/mcp", "whoami", launcher, token, null, startup, List.of());
    }

    /** Runs one recipe's points and adds its rows; a recipe that cannot be measured gets a row saying why. */
    static void measure(Results results, String recipe, PlanFactory factory) {
        Plan plan = null;
        try {
            plan = factory.create();
            run(results, plan);
        } catch (Exception | AssertionError failure) {
            failure.printStackTrace();
            String reason = String.valueOf(failure.getMessage()).replaceAll("\\s+", " ").replace("|", "/");
            System.out.println("Scale-out, " + recipe + ": not measured: " + reason);
            results.inform("Scale-out, " + recipe + ": not measured", "-", "-", reason);
        } finally {
            if (plan != null) {
                for (AutoCloseable resource : plan.resources()) {
                    try {
                        resource.close();
                    } catch (Exception e) {
                        System.out.println("Scale-out, " + recipe + ": closing " + resource + " failed: " + e);
                    }
                }
            }
        }
    }

    /**
     * github-proxy's own {@code /mcp} ({@code whoami}, which calls the GitHub emulator's {@code GET /user} with
     * the user's GitHub token from the database). Its instances share one PostgreSQL database: the signing
     * key, the registered clients, the grants and the users' encrypted GitHub tokens. The sign-in runs once,
     * through the load balancer while only the first instance is up (on this checkout the sign-in flow lives
     * in each instance's HTTP session); the token it yields is valid on every instance.
     */
    static Plan githubProxy() throws Exception {
        GitHubEmulator github = GitHubProxyPath.emulator();
        PostgresServer postgres = PostgresServer.shared();
        PostgresServer.Database database = postgres.createDatabase("bench_scale_proxy");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String encryptionKey = Base64.getEncoder().encodeToString(key); // demo-only: the same on every instance
        Path module = Path.of("..", "recipes", "github-proxy");
        Launcher launcher = (index, port, publicMcp) -> ChildJvm.start("scale-out-github-proxy-" + index, module,
                GitHubProxyPath.PROXY_MAIN, module, Map.of(), List.of(), GitHubProxyPath.arguments(port, github, encryptionKey,
                        Map.of("spring.datasource.url", database.jdbcUrl(), "spring.datasource.username", database.user(),
                                "spring.datasource.password", database.password(), "spring.sql.init.platform", "postgresql",
                                "proxy.public-url", publicMcp.resolve("/").toString().replaceAll("/$", ""),
                                "logging.level.root", "WARN")));
        TokenSource token = publicMcp -> GitHubProxyPath.login(HttpClient.newHttpClient(), publicMcp.resolve("/"), publicMcp);
        return new Plan("github-proxy", "/.well-known/oauth-authorization-server", "/mcp", "whoami", launcher, token,
                new Database(database.jdbcUrl(), database.user(), database.password(), database.name()),
                Duration.ofMinutes(2), List.of(github));
    }

    /**
     * multi-user-store: {@code tools/call list_events} for a user whose calendar is connected: each call reads and
     * decrypts the user's upstream tokens from the shared PostgreSQL store (a refresh, when the upstream access
     * token is due, is one row-locked transaction shared by every instance) and calls the calendar API with them.
     * The calendar is connected once, through the load balancer while only the first instance is up, the way a
     * person does it (the link a first call answers with, realm B's login, the callback). The calendar API is a
     * stand-in in this JVM that answers every bearer request with Alice's events: the upstream is not what is
     * measured here (the recipe's own tests run the real one).
     */
    static Plan multiUserStore() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        PostgresServer.Database database = postgres.createDatabase("bench_scale_store");
        StandInCalendar calendarApi = StandInCalendar.start();
        String connectorSecret = "bench-connector-" + System.nanoTime(); // demo-only
        String keks = "k1:" + randomKey(); // demo-only, the same on every instance
        String requestStateKey = randomKey();
        Path module = Path.of("..", "recipes", "multi-user-store");
        Realm[] realms = new Realm[2]; // users (realm A), calendar (realm B)
        Launcher launcher = (index, port, publicMcp) -> {
            if (realms[0] == null) {
                realms[0] = Keycloak.shared().importRealm(module.resolve("keycloak/users-realm.json"),
                        ContractRealm.placeholders(publicMcp));
                realms[1] = Keycloak.shared().importRealm(module.resolve("keycloak/calendar-realm.json"), Map.of(
                        "CALENDAR_API_URL", calendarApi.url().toString(), "CONNECTOR_SECRET", connectorSecret,
                        "CONNECT_CALLBACK_URL", publicMcp.resolve("/connect/callback").toString()));
            }
            Map<String, String> environment = new HashMap<>();
            environment.putAll(Map.of("PORT", Integer.toString(port), "MCP_RESOURCE", publicMcp.toString(),
                    "MCP_AUTHORIZATION_SERVER", realms[0].issuer().toString(), "UPSTREAM_ISSUER", realms[1].issuer().toString(),
                    "UPSTREAM_CLIENT_SECRET", connectorSecret, "UPSTREAM_API_URL", calendarApi.url().toString(),
                    "TOKEN_STORE_KEKS", keks, "TOKEN_STORE_KEK_ID", "k1", "MCP_REQUEST_STATE_KEY", requestStateKey));
            environment.putAll(Map.of("TOKEN_STORE_JDBC_URL", database.jdbcUrl(), "TOKEN_STORE_DB_USER", database.user(),
                    "TOKEN_STORE_DB_PASSWORD", database.password()));
            return ChildJvm.start("scale-out-multi-user-store-" + index, module, "dev.mcpoauth.cookbook.multiuserstore.Application",
                    module, environment, List.of(), List.of());
        };
        TokenSource token = publicMcp -> {
            String accessToken = AuthorizationCodeFlow.with(realms[0], CLIENT_ID).scope("mcp:tools").resource(publicMcp)
                    .run(new HeadlessUserAgent(), ALICE).accessToken();
            URI link = StatelessMcpCall.connectLink(HttpClient.newHttpClient(), publicMcp, accessToken, "list_events");
            HeadlessUserAgent browser = new HeadlessUserAgent();
            URI callback = browser.authorize(link, publicMcp.resolve("/connect/callback").toString(),
                    new UserCredentials("alice", "alice-calendar-password")); // the recipe's realm B demo user
            int status = browser.get(callback).statusCode();
            if (status != 200) {
                throw new IllegalStateException("connecting Alice's calendar ended with " + status);
            }
            return accessToken;
        };
        return new Plan("multi-user-store", METADATA, "/mcp", "list_events", launcher, token,
                new Database(database.jdbcUrl(), database.user(), database.password(), database.name()),
                Duration.ofMinutes(2), List.of(calendarApi));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * token-gateway: {@code tools/call list_notes} at {@code /mcp/notes} with the client's token; each gateway
     * instance checks it, exchanges it at Keycloak once for the notes backend (its own cache, safe to lose)
     * and relays the call to the one notes backend (in this JVM, as in the gateway-latency figure).
     */
    static Plan tokenGateway() {
        String secret = "bench-" + System.nanoTime(); // demo-only
        // Several gateway instances count one rate limit per client in PostgreSQL (the recipe's scale-out setup).
        PostgresServer.Database database = PostgresServer.shared().createDatabase("bench_scale_gateway");
        int notesPort = FreePort.find();
        int calendarPort = FreePort.find();
        URI notesUrl = URI.create("http://localhost:" + notesPort + "/mcp");
        URI calendarUrl = URI.create("http://localhost:" + calendarPort + "/mcp");
        Realm[] realm = new Realm[1];
        List<AutoCloseable> resources = new ArrayList<>();
        Path module = Path.of("..", "recipes", "token-gateway");
        Launcher launcher = (index, port, notesResource) -> {
            URI gatewayUrl = notesResource.resolve("/mcp");
            if (realm[0] == null) {
                Map<String, String> placeholders = new HashMap<>(ContractRealm.placeholders(notesResource));
                placeholders.putAll(Map.of("NOTES_RESOURCE_URL", notesResource.toString(),
                        "CALENDAR_RESOURCE_URL", gatewayUrl + "/calendar", "NOTES_BACKEND_URL", notesUrl.toString(),
                        "CALENDAR_BACKEND_URL", calendarUrl.toString(), "GATEWAY_CLIENT_SECRET", secret,
                        "EXCHANGED_TOKEN_LIFESPAN", "600"));
                realm[0] = Keycloak.shared().importRealm(module.resolve("keycloak/realm.json"), placeholders);
                BackendServer notes = BackendServer.start("notes", notesUrl, realm[0].issuer(), realm[0].jwksUri(),
                        notesResource.toString(), NotesTools.tools(new CopyOnWriteArrayList<>()));
                resources.add(notes::stop);
                BackendServer calendar = BackendServer.start("calendar", calendarUrl, realm[0].issuer(), realm[0].jwksUri(),
                        gatewayUrl + "/calendar", CalendarTools.tools(Duration.ofMillis(100), new CopyOnWriteArrayList<>()));
                resources.add(calendar::stop);
            }
            // GATEWAY_PORT: where this instance listens; MCP_BASE_URL: the public URL (the load balancer's), in every
            // token's aud; GATEWAY_JDBC_URL: the shared rate limit, consulted on every call.
            return ChildJvm.start("scale-out-token-gateway-" + index, module, "dev.mcpoauth.cookbook.tokengateway.TokenGateway",
                    module, Map.of("GATEWAY_PORT", Integer.toString(port), "MCP_BASE_URL", gatewayUrl.toString(),
                            "MCP_AUTHORIZATION_SERVER", realm[0].issuer().toString(), "GATEWAY_CLIENT_SECRET", secret,
                            "BACKENDS", "notes=" + notesUrl + ",calendar=" + calendarUrl,
                            "GATEWAY_JDBC_URL", database.jdbcUrl(), "GATEWAY_JDBC_USER", database.user(),
                            "GATEWAY_JDBC_PASSWORD", database.password(),
                            "RATE_LIMIT_PER_MINUTE", "100000000"), // the figure measures throughput, not the limit
                    List.of(), List.of());
        };
        TokenSource token = notesResource -> AuthorizationCodeFlow.with(realm[0], CLIENT_ID).scope("mcp:tools")
                .resource(notesResource).run(new HeadlessUserAgent(), ALICE).accessToken();
        return new Plan("token-gateway", METADATA + "/notes", "/mcp/notes", "list_notes", launcher, token,
                new Database(database.jdbcUrl(), database.user(), database.password(), database.name()),
                Duration.ofSeconds(20), resources);
    }

    private static void run(Results results, Plan plan) throws Exception {
        List<Integer> ports = distinctPorts();
        List<ChildJvm> instances = new ArrayList<>();
        try (LoadBalancer balancer = LoadBalancer.roundRobin(plan.healthPath(), LoadBalancer.loopback(ports))) {
            URI publicMcp = URI.create(balancer.url() + plan.mcpPath());
            URI direct = URI.create("http://127.0.0.1:" + ports.get(0) + plan.mcpPath());
            String token = null;
            List<Point> points = new ArrayList<>();
            Point straight = null;
            for (int index = 0; index < MAX_INSTANCES; index++) {
                ChildJvm instance = plan.launcher().start(index, ports.get(index), publicMcp);
                instances.add(instance);
                try {
                    instance.awaitHttp200(URI.create("http://127.0.0.1:" + ports.get(index) + plan.healthPath()), plan.startup());
                } catch (IllegalStateException notUp) {
                    if (java.nio.file.Files.readString(instance.log()).contains("Address already in use")) {
                        throw new IllegalStateException(plan.recipe() + " on this checkout listens on the port of its public URL"
                                + " (the load balancer's), not on PORT, so it cannot run behind a load balancer on one"
                                + " host; see benchmarks/target/child-logs/" + instance.log().getFileName(), notUp);
                    }
                    throw notUp;
                }
                balancer.awaitState(index, true, Duration.ofSeconds(20));
                for (int down = index + 1; down < MAX_INSTANCES; down++) {
                    balancer.awaitState(down, false, Duration.ofSeconds(20)); // not started: no traffic for it
                }
                if (token == null) {
                    token = plan.token().obtain(publicMcp);
                    StatelessMcpCall.callTool(HttpClient.newHttpClient(), publicMcp, token, plan.tool()); // fails loudly first
                }
                URI straightTo = URI.create("http://127.0.0.1:" + ports.get(index) + plan.mcpPath());
                LoopbackLoad.run(LoopbackLoad.stateless(straightTo, token, plan.tool()), CLIENTS, INSTANCE_WARMUP, Duration.ZERO);
                if (index == 0) {
                    long before = commits(plan);
                    long started = System.nanoTime();
                    LatencyStats[] measured = LoopbackLoad.compare(LoopbackLoad.stateless(direct, token, plan.tool()),
                            LoopbackLoad.stateless(publicMcp, token, plan.tool()), CLIENTS, WARMUP, MEASURED, 2);
                    double rate = commitRate(plan, before, started);
                    double callsPerSecond = (measured[0].throughput() + measured[1].throughput()) / 2; // equal slices
                    straight = new Point(measured[0], rate, callsPerSecond);
                    points.add(new Point(measured[1], rate, callsPerSecond));
                } else {
                    LoopbackLoad.run(LoopbackLoad.stateless(publicMcp, token, plan.tool()), CLIENTS, WARMUP, Duration.ZERO);
                    long before = commits(plan);
                    long started = System.nanoTime();
                    LatencyStats stats = LoopbackLoad.run(LoopbackLoad.stateless(publicMcp, token, plan.tool()), CLIENTS,
                            Duration.ZERO, MEASURED);
                    points.add(new Point(stats, commitRate(plan, before, started)));
                }
            }
            int[] perInstance = balancer.requestsPerBackend();
            addRows(results, plan, straight, points, perInstance);
        } finally {
            instances.forEach(ChildJvm::close);
        }
    }

    private static void addRows(Results results, Plan plan, Point straight, List<Point> points, int[] perInstance) {
        String name = "Scale-out, " + plan.recipe() + ": ";
        Point one = points.get(0);
        results.inform(name + "1 instance behind HAProxy (tools/call, MCP 2026-07-28, " + CLIENTS + " clients): throughput, p50, p99",
                figures(one.stats()), figures(straight.stats()) + " straight to the instance",
                Results.ratio(one.stats().throughput() / straight.stats().throughput()) + " × throughput, "
                        + Results.signedMs(one.stats().p99Millis() - straight.stats().p99Millis()) + " p99 (the load balancer)");
        for (int count = 2; count <= points.size(); count++) {
            Point point = points.get(count - 1);
            results.inform(name + count + " instances behind HAProxy: throughput, p50, p99", figures(point.stats()),
                    figures(one.stats()) + " on 1 instance behind HAProxy",
                    Results.ratio(point.stats().throughput() / one.stats().throughput()) + " × throughput, "
                            + Results.signedMs(point.stats().p99Millis() - one.stats().p99Millis()) + " p99");
        }
        if (plan.database() != null) {
            StringBuilder perCall = new StringBuilder();
            StringBuilder rates = new StringBuilder();
            for (Point point : points) {
                rates.append(rates.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.0f", point.commitsPerSecond()));
                perCall.append(perCall.length() == 0 ? "" : " / ")
                        .append(String.format(Locale.ROOT, "%.1f", point.commitsPerSecond() / point.callsPerSecond()));
            }
            results.inform(name + "PostgreSQL commits per second (pg_stat_database.xact_commit) at 1 / 2 / 3 instances",
                    rates + " commits/s", String.format(Locale.ROOT, "%.0f", straight.commitsPerSecond())
                            + " commits/s (straight and 1 instance, alternating)", perCall + " commits per call");
        }
        results.inform(name + "requests each instance answered through HAProxy (all points, round robin, no stickiness)",
                java.util.Arrays.stream(perInstance).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(" / ")),
                "-", "-");
    }

    private static String figures(LatencyStats stats) {
        return Results.number(stats.throughput(), "calls/s") + ", p50 " + Results.ms(stats.p50Millis()) + ", p99 "
                + Results.ms(stats.p99Millis());
    }

    /**
     * The database's committed transactions so far, after a pause: PostgreSQL publishes a backend's
     * counters when it goes idle, at most about once a second, so a reading right after the load would miss some.
     */
    private static long commits(Plan plan) throws Exception {
        if (plan.database() == null) {
            return 0;
        }
        Thread.sleep(1_200);
        return plan.database().commits();
    }

    private static double commitRate(Plan plan, long before, long startedNanos) throws Exception {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        return plan.database() == null ? 0 : (commits(plan) - before) / seconds;
    }

    private static List<Integer> distinctPorts() {
        Set<Integer> ports = new LinkedHashSet<>();
        while (ports.size() < MAX_INSTANCES) {
            ports.add(FreePort.find());
        }
        return List.copyOf(ports);
    }
}
