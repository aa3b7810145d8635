package dev.mcpoauth.cookbook.testkit.keycloak;

import dasniko.testcontainers.keycloak.KeycloakContainer;
import java.net.URI;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/**
 * Keycloak in a container, for machines with a Docker engine. Same version and features as the
 * local build. Not exercised on the cookbook's own CI (no Docker there). {@link #stop()} pauses the
 * container, so it keeps its realms and keys and {@link #start()} resumes it, as the contract's
 * "authorization server down" test needs; {@link #close()} removes it.
 */
final class ContainerKeycloak implements KeycloakServer {

    private static final String ADMIN_PASSWORD = "testkit-admin"; // container-local, never reachable off this machine

    private final KeycloakContainer container = new KeycloakContainer(
            "quay.io/keycloak/keycloak:" + KeycloakDistribution.version())
            .withFeaturesEnabled("resource-indicators", "cimd", "identity-assertion-jwt")
            .withAdminUsername(KeycloakDistribution.ADMIN_USERNAME)
            .withAdminPassword(ADMIN_PASSWORD);
    private final KeycloakAdminClient admin =
            new KeycloakAdminClient(this, KeycloakDistribution.ADMIN_USERNAME, ADMIN_PASSWORD);

    static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @Override
    public URI baseUrl() {
        return URI.create(container.getAuthServerUrl().replaceAll("/+$", ""));
    }

    @Override
    public KeycloakAdminClient admin() {
        return admin;
    }

    /** The container's log stays with Docker ({@code docker logs}); there is no file. */
    @Override
    public Path logFile() {
        return Path.of("(docker logs " + (container.isRunning() ? container.getContainerId() : "<not running>") + ")");
    }

    private boolean paused;

    @Override
    public synchronized void start() {
        if (paused) {
            container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
            paused = false;
        } else {
            container.start();
        }
    }

    @Override
    public synchronized void stop() {
        if (container.isRunning() && !paused) {
            container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
            paused = true;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return container.isRunning() && !paused;
    }

    @Override
    public void close() {
        container.stop();
    }
}
