package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.testkit.contract.RecipeTools;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The gateway passes the cookbook's resource-server contract at {@code /mcp/notes}, a protected
 * resource of its own: every request the contract sends goes through validation, policy, token
 * exchange at Keycloak and the notes backend, in MCP 2025-11-25 and 2026-07-28.
 */
class GatewayContractTest extends ResourceServerContract {

    private TokenGateway gateway;

    @BeforeAll
    void startGateway() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
    }

    @AfterAll
    void stopGateway() {
        gateway.stop();
    }

    @Override
    protected ResourceServerUnderTest serverUnderTest() {
        return ResourceServerUnderTest.of(GatewayEnvironment.CONTRACT, "MCP OAuth Cookbook: token gateway, notes")
                // Each backend path is its own resource; the root URL can name none of them for all (GatewayTest checks).
                .withoutRootMetadata()
                // The backend's tools see the exchanged token, issued to the gateway's notes resource.
                .withTools(RecipeTools.notes(GatewayEnvironment.CONTRACT.mcpUrl().toString()))
                // The gateway relays MCP 2026-07-28 too, and the notes backend serves it (ModernProtocolTest).
                .speakingMcp2026();
    }
}
