package dev.mcpoauth.cookbook.resourceserverspring;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import java.nio.file.Path;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * This recipe passes the cookbook's resource-server contract (shared-testkit): the same end-to-end
 * and attack tests every flavour passes. Spring starts the server on the port the realm was
 * imported for, with its JWKS fetched through the contract's counting proxy.
 */
// Security logging at DEBUG: the log must stay free of tokens even then.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "logging.level.org.springframework.security=DEBUG")
class SpringResourceServerContractTest extends ResourceServerContract {

    static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", ENVIRONMENT::port);
        registry.add("mcp.resource", () -> ENVIRONMENT.mcpUrl().toString());
        registry.add("mcp.authorization-server", () -> ENVIRONMENT.realm().issuer().toString());
        registry.add("mcp.jwks-uri", () -> ENVIRONMENT.jwksUri().toString());
    }

    @Override
    protected ContractEnvironment environment() {
        return ENVIRONMENT;
    }

    @Override
    protected String expectedResourceName() {
        return "MCP OAuth Cookbook: Spring resource server";
    }
}
