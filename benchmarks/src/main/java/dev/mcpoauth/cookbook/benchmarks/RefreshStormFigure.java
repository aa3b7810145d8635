package dev.mcpoauth.cookbook.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The multi-user store's refresh storm runs in a JVM of its own (module {@code benchmarks/refresh-storm}:
 * Micronaut on Jetty 11, with its own Keycloak and PostgreSQL, set up as the recipe's tests set them up);
 * this collects the rows it prints. It runs first, before this JVM starts its own Keycloak, so the two
 * never compete for the CPU.
 */
final class RefreshStormFigure {

    private RefreshStormFigure() {
    }

    static void measure(Results results) throws Exception {
        Path module = Path.of("refresh-storm");
        try (ChildJvm storm = ChildJvm.start("refresh-storm", module, "dev.mcpoauth.cookbook.multiuserstore.RefreshStorm",
                Path.of("..", "recipes", "multi-user-store"), java.util.Map.of(),
                List.of("-Dsun.net.httpserver.nodelay=true", // see Bench: the calendar API and the proxy are JDK HttpServers
                        "-Dcookbook.keycloak=" + System.getProperty("cookbook.keycloak", "auto"),
                        "-Dcookbook.keycloak.workdir=" + Path.of("target", "keycloak-refresh-storm").toAbsolutePath(),
                        "-Dbench.stormRounds=" + Integer.getInteger("bench.stormRounds", 3)),
                List.of())) {
            for (String line : storm.awaitExit(Duration.ofMinutes(5))) {
                if (line.startsWith("BENCH-ROW\t")) {
                    results.addPrinted(line);
                }
            }
        }
    }
}
