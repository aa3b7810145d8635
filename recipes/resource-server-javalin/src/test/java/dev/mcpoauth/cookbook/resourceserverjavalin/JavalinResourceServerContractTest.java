package dev.mcpoauth.cookbook.resourceserverjavalin;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * This recipe passes the cookbook's resource-server contract (shared-testkit): the same end-to-end
 * and attack tests every flavour passes.
 */
class JavalinResourceServerContractTest extends ResourceServerContract {

    private static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));
    private JavalinResourceServer server;

    @BeforeAll
    void startServer() throws Exception {
        server = JavalinResourceServer.start(new ServerConfig(
                ENVIRONMENT.mcpUrl(),
                ENVIRONMENT.realm().issuer(),
                ENVIRONMENT.jwksUri(),
                Duration.ofSeconds(60),
                "mcp:tools",
                List.of("http://localhost:6274"),
                "127.0.0.1"));
    }

    @AfterAll
    void stopServer() {
        server.stop();
    }

    @Override
    protected ResourceServerUnderTest serverUnderTest() {
        return ResourceServerUnderTest.of(ENVIRONMENT, "MCP OAuth Cookbook: Javalin resource server").speakingMcp2026();
    }
}
