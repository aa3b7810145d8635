package dev.mcpoauth.cookbook.resourceservermicronaut;

import dev.mcpoauth.cookbook.testkit.contract.ResourceServerDemo;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
import java.util.Map;

/** {@code make run}: Keycloak, this server, the client walk-through; serves until Ctrl-C. */
public final class RunDemo {

    public static void main(String[] args) {
        ResourceServerDemo.run(Path.of("keycloak/realm.json"), (mcpUrl, realm) ->
                ApplicationContext.run(EmbeddedServer.class, Map.of(
                        "micronaut.server.port", mcpUrl.getPort(),
                        "mcp.resource", mcpUrl.toString(),
                        "mcp.authorization-server", realm.issuer().toString())));
    }

    private RunDemo() {
    }
}
