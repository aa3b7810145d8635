package dev.mcpoauth.cookbook.testkit.keycloak;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one Keycloak of this JVM: started on first use, shared by every test class, stopped when
 * the JVM exits.
 *
 * <p>Where a Docker engine answers, it is a Testcontainers Keycloak; otherwise (the cookbook's own
 * CI has no Docker) the Maven Central distribution runs as a child process. Force one with
 * {@code -Dcookbook.keycloak=local} or {@code -Dcookbook.keycloak=container}. The local one listens
 * on a free port unless {@code -Dcookbook.keycloak.port} names one ({@code make run} uses 8180).
 */
public final class Keycloak {

    private static KeycloakServer shared;

    private Keycloak() {
    }

    public static synchronized KeycloakServer shared() {
        if (shared == null) {
            KeycloakServer server = useContainer()
                    ? new ContainerKeycloak()
                    : LocalKeycloak.onCopyOfSeed(workDir(), Integer.getInteger("cookbook.keycloak.port", 0));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "keycloak-shutdown"));
            server.start();
            shared = server;
        }
        return shared;
    }

    /** Files of this JVM's Keycloak (database copy, log) live under the module's {@code target/}. */
    private static Path workDir() {
        return Path.of(System.getProperty("cookbook.keycloak.workdir", "target/keycloak")).toAbsolutePath();
    }

    private static boolean useContainer() {
        String mode = System.getProperty("cookbook.keycloak", "auto");
        return switch (mode) {
            case "local" -> false;
            case "container" -> true;
            case "auto" -> dockerLikelyAvailable() && ContainerKeycloak.dockerAvailable();
            default -> throw new IllegalArgumentException("cookbook.keycloak must be auto, local or container, not " + mode);
        };
    }

    /** A cheap check first: asking Testcontainers on a machine without Docker costs seconds of retries. */
    private static boolean dockerLikelyAvailable() {
        return System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
    }
}
