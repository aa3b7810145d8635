package dev.mcpoauth.cookbook.resourceserverjavalin;

import dev.mcpoauth.cookbook.testkit.contract.ScaleOutContract;
import dev.mcpoauth.cookbook.testkit.contract.ScaledOutRecipe;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import java.nio.file.Path;
import java.util.Map;

/**
 * Three instances of this server, each in a JVM of its own, behind HAProxy: the cookbook's scale-out
 * contract (shared-testkit). Each instance is started as an operator starts it: {@code PORT} for where
 * it listens, {@code MCP_RESOURCE} for the load balancer's public URL.
 */
class ScaleOutTest extends ScaleOutContract {

    @Override
    protected ScaledOutRecipe recipe() {
        return ScaledOutRecipe.of(Path.of("keycloak/realm.json"), instance ->
                RecipeProcess.start(instance.name("resource-server-javalin"), JavalinResourceServer.class.getName(),
                        Path.of("."), Map.of(
                                "PORT", String.valueOf(instance.port()),
                                "MCP_RESOURCE", instance.mcpUrl().toString(),
                                "MCP_AUTHORIZATION_SERVER", instance.realm().issuer().toString())));
    }
}
