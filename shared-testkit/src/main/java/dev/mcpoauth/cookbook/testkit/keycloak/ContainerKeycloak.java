package dev.mcpoauth.cookbook.testkit.keycloak;

import dasniko.testcontainers.keycloak.KeycloakContainer;
import java.net.URI;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/**
 * Keycloak in a container, for machines with a Docker engine. Same version and features as the
 * local build. Not exercised on the cookbook's own CI (no Docker there). Unlike {@link LocalKeycloak},
 * {@link #stop()} removes the container and its realms: a later {@link #start()} begins empty.
 */
final class ContainerKeycloak implements KeycloakServer {

    private static final String ADMIN_PASSWORD = "testkit-admin"; // container-local, never reachable off this machine

    private final KeycloakContainer container = new KeycloakContainer(
            "quay.io/keycloak/keycloak:" + KeycloakDistribution.version())
            .withFeaturesEnabled("resource-indicators", "cimd")
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

    @Override
    public void start() {
        container.start();
    }

    @Override
    public void stop() {
        container.stop();
    }

    @Override
    public boolean isRunning() {
        return container.isRunning();
    }
}
