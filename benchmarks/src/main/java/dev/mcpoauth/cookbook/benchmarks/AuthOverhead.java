package dev.mcpoauth.cookbook.benchmarks;

import static dev.mcpoauth.cookbook.benchmarks.Bench.MEASURED;
import static dev.mcpoauth.cookbook.benchmarks.Bench.ROUNDS;
import static dev.mcpoauth.cookbook.benchmarks.Bench.WARMUP;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;

import dev.mcpoauth.cookbook.resourceserverjavalin.JavalinResourceServer;
import dev.mcpoauth.cookbook.resourceserverjavalin.ServerConfig;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.contract.ContractRealm;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What checking a token on every request costs each resource-server flavour: {@code tools/call whoami}
 * with a valid Keycloak token against the same framework's server with no authentication at all (a
 * benchmark-only twin: same framework, same MCP SDK servlet, same tool). Javalin runs in this JVM;
 * Spring and Micronaut each run in JVMs of their own, the recipe and its twin alike, started as an
 * operator starts them, and the same load generator drives all three.
 */
final class AuthOverhead {

    static final int CLIENTS = 4;
    static final Duration STARTUP = Duration.ofMinutes(2);

    /** What one flavour's comparison gave; the row against the peer compares them. */
    record Overhead(String flavour, double ratio, double throughput) {
    }

    /**
     * A flavour that needs its own JVM: the recipe's main class and its twin's; where there is one, the
     * framework's security floor too (its security library configured, a token decoder that checks nothing).
     */
    record ChildFlavour(String name, String recipe, String mainClass, String twinModule, String twinMainClass,
                        String floorModule, String floorMainClass) {
    }

    static final ChildFlavour SPRING = new ChildFlavour("Spring", "resource-server-spring",
            "dev.mcpoauth.cookbook.resourceserverspring.ResourceServerApplication", "twin-spring",
            "dev.mcpoauth.cookbook.benchmarks.twinspring.SpringTwin", "twin-spring-security",
            "dev.mcpoauth.cookbook.benchmarks.twinspringsecurity.SpringSecurityTwin");
    static final ChildFlavour MICRONAUT = new ChildFlavour("Micronaut", "resource-server-micronaut",
            "dev.mcpoauth.cookbook.resourceservermicronaut.Application", "twin-micronaut",
            "dev.mcpoauth.cookbook.benchmarks.twinmicronaut.MicronautTwin", null, null);

    private AuthOverhead() {
    }

    static Overhead javalin(Results results) throws Exception {
        URI mcpUrl = URI.create("http://localhost:" + FreePort.find() + "/mcp");
        Realm realm = realmFor("resource-server-javalin", mcpUrl);
        JavalinResourceServer server = JavalinResourceServer.start(new ServerConfig(mcpUrl, realm.issuer(), realm.jwksUri(),
                Duration.ofSeconds(60), "mcp:tools", List.of("http://localhost:6274"), "127.0.0.1"));
        int twinPort = FreePort.find();
        UnauthenticatedTwin twin = UnauthenticatedTwin.start(twinPort);
        try {
            return compare(results, "Javalin", URI.create("http://localhost:" + twinPort + "/mcp"), mcpUrl,
                    tokenFor(realm, mcpUrl), true);
        } finally {
            twin.stop();
            server.stop();
        }
    }

    static Overhead inChildJvm(ChildFlavour flavour, Results results) throws Exception {
        int port = FreePort.find();
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");
        Realm realm = realmFor(flavour.recipe(), mcpUrl);
        int twinPort = FreePort.find();
        Path recipe = Path.of("..", "recipes", flavour.recipe());
        Path twinModule = Path.of(flavour.twinModule());
        try (ChildJvm server = ChildJvm.start(flavour.recipe(), recipe, flavour.mainClass(), recipe, Map.of(
                        "PORT", Integer.toString(port), "MCP_RESOURCE", mcpUrl.toString(),
                        "MCP_AUTHORIZATION_SERVER", realm.issuer().toString()), List.of(), List.of());
             ChildJvm twin = ChildJvm.start(flavour.twinModule(), twinModule, flavour.twinMainClass(), twinModule,
                     Map.of("PORT", Integer.toString(twinPort)), List.of(), List.of())) {
            server.awaitHttp200(URI.create("http://localhost:" + port + "/.well-known/oauth-protected-resource/mcp"), STARTUP);
            URI twinUrl = URI.create("http://localhost:" + twinPort + "/mcp");
            twin.awaitListening(twinUrl, STARTUP);
            String token = tokenFor(realm, mcpUrl);
            Overhead recipeOverhead = compare(results, flavour.name(), twinUrl, mcpUrl, token, true);
            if (flavour.floorModule() != null) {
                floor(results, flavour, twinUrl, token, recipeOverhead);
            }
            return recipeOverhead;
        }
    }

    /**
     * The framework's security floor against the same twin, and the recipe against that floor: how much of
     * the overhead is the security library's filter chain itself, before any token is verified.
     */
    private static void floor(Results results, ChildFlavour flavour, URI twinUrl, String token, Overhead recipe)
            throws Exception {
        int port = FreePort.find();
        Path module = Path.of(flavour.floorModule());
        try (ChildJvm floor = ChildJvm.start(flavour.floorModule(), module, flavour.floorMainClass(), module,
                Map.of("PORT", Integer.toString(port)), List.of(), List.of())) {
            URI floorUrl = URI.create("http://localhost:" + port + "/mcp");
            floor.awaitListening(floorUrl, STARTUP);
            LatencyStats[] measured = LoopbackLoad.compare(LoopbackLoad.mcp(twinUrl, null, "whoami"),
                    LoopbackLoad.mcp(floorUrl, token, "whoami"), CLIENTS, WARMUP, MEASURED, ROUNDS);
            double ratio = measured[1].throughput() / measured[0].throughput();
            results.inform("Auth overhead, " + flavour.name() + " security floor (`" + flavour.floorModule()
                            + "`: the security library, a decoder that checks nothing)",
                    Results.number(measured[1].throughput(), "calls/s"),
                    Results.number(measured[0].throughput(), "calls/s") + " without auth", Results.ratio(ratio));
            results.inform("Auth overhead, " + flavour.name() + ": the recipe against its security floor",
                    Results.ratio(recipe.ratio()) + " / " + Results.ratio(ratio), "", Results.ratio(recipe.ratio() / ratio));
        }
    }

    /** The 2025-11-25 load (a session per client) on the twin and the server alternately; {@code bar}: the 0.90 bar applies. */
    static Overhead compare(Results results, String flavour, URI twinUrl, URI mcpUrl, String token, boolean bar)
            throws Exception {
        LatencyStats[] measured = LoopbackLoad.compare(LoopbackLoad.mcp(twinUrl, null, "whoami"),
                LoopbackLoad.mcp(mcpUrl, token, "whoami"), CLIENTS, WARMUP, MEASURED, ROUNDS);
        LatencyStats baseline = measured[0];
        LatencyStats withAuth = measured[1];
        double ratio = withAuth.throughput() / baseline.throughput();
        String figure = "Auth overhead, " + flavour + ": tools/call throughput, " + CLIENTS + " clients";
        String measuredCell = Results.number(withAuth.throughput(), "calls/s");
        String baselineCell = Results.number(baseline.throughput(), "calls/s") + " without auth";
        if (bar) {
            results.add(figure, measuredCell, baselineCell, Results.ratio(ratio), ">= 0.90", ratio >= 0.90);
        } else {
            results.inform(figure, measuredCell, baselineCell, Results.ratio(ratio));
        }
        results.inform("Auth overhead, " + flavour + ": p50 / p99 latency", Results.ms(withAuth.p50Millis()) + " / "
                        + Results.ms(withAuth.p99Millis()), Results.ms(baseline.p50Millis()) + " / "
                        + Results.ms(baseline.p99Millis()),
                Results.signedMs(withAuth.p50Millis() - baseline.p50Millis()) + " / "
                        + Results.signedMs(withAuth.p99Millis() - baseline.p99Millis()));
        return new Overhead(flavour, ratio, withAuth.throughput());
    }

    /** The recipe's own realm file, with this run's resource URL in it. */
    static Realm realmFor(String recipe, URI mcpUrl) {
        return Keycloak.shared().importRealm(Path.of("..", "recipes", recipe, "keycloak", "realm.json"),
                ContractRealm.placeholders(mcpUrl));
    }

    static String tokenFor(Realm realm, URI mcpUrl) {
        return AuthorizationCodeFlow.with(realm, CLIENT_ID).scope("mcp:tools").resource(mcpUrl)
                .run(new HeadlessUserAgent(), ALICE).accessToken();
    }
}
