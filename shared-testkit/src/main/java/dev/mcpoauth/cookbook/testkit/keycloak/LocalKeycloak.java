package dev.mcpoauth.cookbook.testkit.keycloak;

import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keycloak from the Maven Central distribution, run as a child process bound to 127.0.0.1 on a
 * free port. Its public URL uses {@code localhost}, which browsers treat as a secure context, so
 * the issuer a person sees in MCP Inspector is the one the tests use.
 */
final class LocalKeycloak implements KeycloakServer {

    private static final System.Logger LOG = System.getLogger(LocalKeycloak.class.getName());
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final KeycloakDistribution distribution;
    private final Path databaseDir;
    private final Path logFile;
    private final int port;
    private final int managementPort = FreePort.find();
    private final KeycloakAdminClient admin;
    private boolean bootstrapAdmin;
    private Process process;

    LocalKeycloak(KeycloakDistribution distribution, Path databaseDir, Path logFile, int port) {
        this.port = port > 0 ? port : FreePort.find();
        this.distribution = distribution;
        this.databaseDir = databaseDir;
        this.logFile = logFile;
        this.admin = new KeycloakAdminClient(this, KeycloakDistribution.ADMIN_USERNAME, distribution.adminPassword());
    }

    /**
     * A Keycloak on its own copy of the seed database, with its files under {@code workDir}, on
     * {@code port} (0: any free port).
     */
    static LocalKeycloak onCopyOfSeed(Path workDir, int port) {
        KeycloakDistribution distribution = KeycloakDistribution.prepared();
        try {
            KeycloakDistribution.deleteRecursively(workDir);
            Files.createDirectories(workDir);
            KeycloakDistribution.copyRecursively(distribution.seedDatabase(), workDir.resolve("db"));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not set up " + workDir, e);
        }
        return new LocalKeycloak(distribution, workDir.resolve("db"), workDir.resolve("keycloak.log"), port);
    }

    /** Only for the one start on an empty database: creates the master realm's administrator. */
    void bootstrapAdminOnStart() {
        bootstrapAdmin = true;
    }

    @Override
    public URI baseUrl() {
        return URI.create("http://localhost:" + port);
    }

    @Override
    public KeycloakAdminClient admin() {
        return admin;
    }

    @Override
    public Path logFile() {
        return logFile;
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(
                distribution.home().resolve("bin/kc.sh").toString(),
                "start", "--optimized",
                "--http-enabled=true",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--http-management-port=" + managementPort,
                "--hostname=" + baseUrl(),
                "--cache=local",
                "--db-url=jdbc:h2:file:" + databaseDir.resolve("keycloakdb") + ";NON_KEYWORDS=VALUE"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx768m");
        if (bootstrapAdmin) {
            builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", KeycloakDistribution.ADMIN_USERNAME);
            builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", distribution.adminPassword());
        }
        requirePortFree();
        long started = System.nanoTime();
        try {
            Files.createDirectories(logFile.getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + command.get(0), e);
        }
        awaitReady();
        LOG.log(System.Logger.Level.INFO, "Keycloak ready at {0} in {1} ms (log: {2})",
                baseUrl(), (System.nanoTime() - started) / 1_000_000, logFile.toAbsolutePath());
    }

    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        // kc.sh starts Keycloak's JVM as its child: signal that JVM too, or it outlives the script.
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy); // SIGTERM: Keycloak shuts down cleanly and closes its database
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception notStoppedInTime) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    /** Else the readiness probe below could be answered by another server (say, a Keycloak left running). */
    private void requirePortFree() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
        } catch (IOException inUse) {
            throw new IllegalStateException("Port " + port + " on 127.0.0.1 is already in use: is another Keycloak"
                    + " (an earlier `make run`?) still running? Stop it or choose another port.", inUse);
        }
    }

    /** Keycloak answers 503 while it bootstraps; the master realm's discovery document means it is ready. */
    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(baseUrl().resolve("/realms/master/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with code " + process.exitValue()
                        + " while starting; last lines of " + logFile + ":\n" + tail(logFile, 30));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // keep polling
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
            }
            sleep(Duration.ofMillis(200));
        }
        stop();
        throw new IllegalStateException("Keycloak did not become ready within " + START_TIMEOUT + "; see " + logFile);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }
}
