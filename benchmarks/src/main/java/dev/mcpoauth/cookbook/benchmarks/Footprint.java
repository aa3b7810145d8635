package dev.mcpoauth.cookbook.benchmarks;

import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Startup time (process start to the first HTTP 200) and resident memory right then (VmRSS) of every
 * recipe that is a server, each in a fresh JVM started as an operator starts it ({@code java -cp ...
 * Main}, configuration in environment variables or arguments, default JVM options), against the JDK's
 * trivial HTTP server started the same way. Nothing is called before the reading: this is the cost of
 * being up. The authorization servers named in the configuration are not contacted at startup, so
 * none runs here. keycloak-dcr is a client library, not a server: it has no startup to measure.
 */
final class Footprint {

    private static final Duration STARTUP = Duration.ofMinutes(2);
    private static final String NOWHERE = "http://127.0.0.1:9/realms/unused"; // never contacted during startup

    /** One server: where it is built, its main class, its configuration, and a path that answers 200 once it is up. */
    private record Server(String name, Path module, String mainClass, Map<String, String> environment,
                          List<String> arguments, String readyPath) {
    }

    private record Reading(long startupMillis, double residentMiB) {
    }

    private Footprint() {
    }

    static void measure(Results results) throws Exception {
        Server trivial = new Server("trivial-http-server", Path.of("."), TrivialHttpServer.class.getName(),
                Map.of(), List.of(), "/");
        Reading first = read(trivial);
        List<Server> servers = servers();
        List<Reading> readings = new java.util.ArrayList<>();
        for (Server server : servers) {
            readings.add(read(server));
        }
        Reading last = read(trivial);
        // The baseline before and after, averaged: a change in the machine's load hits both sides alike.
        Reading baseline = new Reading((first.startupMillis() + last.startupMillis()) / 2,
                (first.residentMiB() + last.residentMiB()) / 2);
        for (int i = 0; i < servers.size(); i++) {
            Server server = servers.get(i);
            Reading reading = readings.get(i);
            results.inform("Footprint, " + server.name() + ": startup to first HTTP 200 / resident memory then",
                    seconds(reading.startupMillis()) + " / " + mib(reading.residentMiB()),
                    seconds(baseline.startupMillis()) + " / " + mib(baseline.residentMiB()) + " JDK HttpServer",
                    String.format(Locale.ROOT, "%+.2f s (%.1f ×) / %+.0f MiB (%.1f ×)",
                            (reading.startupMillis() - baseline.startupMillis()) / 1000.0,
                            (double) reading.startupMillis() / baseline.startupMillis(),
                            reading.residentMiB() - baseline.residentMiB(), reading.residentMiB() / baseline.residentMiB()));
        }
    }

    private static Reading read(Server server) {
        int port = FreePort.find();
        Map<String, String> environment = new java.util.HashMap<>();
        server.environment().forEach((name, value) -> environment.put(name, value.replace("{port}", Integer.toString(port))));
        environment.put("PORT", Integer.toString(port));
        environment.put("MCP_RESOURCE", "http://localhost:" + port + "/mcp");
        List<String> arguments = server.arguments().stream().map(a -> a.replace("{port}", Integer.toString(port))).toList();
        try (ChildJvm child = ChildJvm.start("footprint-" + server.name(), server.module(), server.mainClass(),
                server.module(), environment, List.of(), arguments)) {
            long millis = child.awaitHttp200(URI.create("http://localhost:" + port + server.readyPath()), STARTUP);
            return new Reading(millis, child.residentMiB());
        }
    }

    private static List<Server> servers() {
        String metadata = "/.well-known/oauth-protected-resource/mcp";
        Map<String, String> resourceServer = Map.of("MCP_AUTHORIZATION_SERVER", NOWHERE);
        String kek = "k1:" + Base64.getEncoder().encodeToString(randomBytes()); // demo-only
        Path data = Path.of("target", "footprint-" + System.nanoTime()).toAbsolutePath();
        return List.of(
                new Server("resource-server-spring", recipe("resource-server-spring"),
                        "dev.mcpoauth.cookbook.resourceserverspring.ResourceServerApplication", resourceServer, List.of(), metadata),
                new Server("resource-server-micronaut", recipe("resource-server-micronaut"),
                        "dev.mcpoauth.cookbook.resourceservermicronaut.Application", resourceServer, List.of(), metadata),
                new Server("resource-server-javalin", recipe("resource-server-javalin"),
                        "dev.mcpoauth.cookbook.resourceserverjavalin.JavalinResourceServer", resourceServer, List.of(), metadata),
                new Server("token-gateway", recipe("token-gateway"), "dev.mcpoauth.cookbook.tokengateway.TokenGateway",
                        Map.of("MCP_AUTHORIZATION_SERVER", NOWHERE, "GATEWAY_CLIENT_SECRET", "bench-only-secret",
                                "MCP_BASE_URL", "http://localhost:{port}/mcp"),
                        List.of(), metadata + "/notes"), // each backend path is a resource; /mcp is none
                new Server("multi-user-store (H2 file database)", recipe("multi-user-store"),
                        "dev.mcpoauth.cookbook.multiuserstore.Application", Map.of(
                        "MCP_AUTHORIZATION_SERVER", NOWHERE, "UPSTREAM_ISSUER", NOWHERE,
                        "UPSTREAM_CLIENT_SECRET", "bench-only-secret", "TOKEN_STORE_KEKS", kek, "TOKEN_STORE_KEK_ID", "k1",
                        "MCP_REQUEST_STATE_KEY", Base64.getEncoder().encodeToString(randomBytes()), // demo-only
                        "TOKEN_STORE_JDBC_URL", "jdbc:h2:file:" + data.resolve("token-store")), List.of(), metadata),
                new Server("github-proxy (H2 file database)", recipe("github-proxy"),
                        "dev.mcpoauth.cookbook.githubproxy.GitHubProxyApplication", Map.of(), List.of(
                        "--server.port={port}",
                        "--spring.datasource.url=jdbc:h2:file:" + data.resolve("proxy"),
                        "--proxy.token-encryption-key=" + Base64.getEncoder().encodeToString(randomBytes()),
                        "--spring.security.oauth2.client.registration.github.client-id=bench-only",
                        "--spring.security.oauth2.client.registration.github.client-secret=bench-only-secret"),
                        "/.well-known/oauth-authorization-server"));
    }

    private static Path recipe(String name) {
        return Path.of("..", "recipes", name);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }

    private static String mib(double mib) {
        return String.format(Locale.ROOT, "%.0f MiB", mib);
    }
}
