package dev.mcpoauth.cookbook.resourceservermicronaut;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerUnderTest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * This recipe passes the cookbook's resource-server contract (shared-testkit): the same end-to-end
 * and attack tests every flavour passes. Micronaut starts the server on the port the realm was
 * imported for, with its JWKS fetched through the contract's counting proxy.
 */
class MicronautResourceServerContractTest extends ResourceServerContract {

    static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));

    private EmbeddedServer server;

    @BeforeAll
    void startServer() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", ENVIRONMENT.port(),
                "mcp.resource", ENVIRONMENT.mcpUrl().toString(),
                "mcp.authorization-server", ENVIRONMENT.realm().issuer().toString(),
                "mcp.jwks-uri", ENVIRONMENT.jwksUri().toString(),
                // Security logging at DEBUG: the log must stay free of tokens even then.
                "logger.levels.io.micronaut.security", "DEBUG",
                "logger.levels.dev.mcpoauth.cookbook", "DEBUG"));
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected ResourceServerUnderTest serverUnderTest() {
        return ResourceServerUnderTest.of(ENVIRONMENT, "MCP OAuth Cookbook: Micronaut resource server").speakingMcp2026();
    }
}
