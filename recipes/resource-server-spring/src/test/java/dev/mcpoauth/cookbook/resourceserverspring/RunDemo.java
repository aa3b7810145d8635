package dev.mcpoauth.cookbook.resourceserverspring;

import dev.mcpoauth.cookbook.testkit.contract.ResourceServerDemo;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;

/** {@code make run}: Keycloak, this server, the client walk-through; serves until Ctrl-C. */
public final class RunDemo {

    public static void main(String[] args) {
        ResourceServerDemo.run(Path.of("keycloak/realm.json"), (mcpUrl, realm) ->
                SpringApplication.run(ResourceServerApplication.class,
                        "--server.port=" + mcpUrl.getPort(),
                        "--mcp.resource=" + mcpUrl,
                        "--mcp.authorization-server=" + realm.issuer()));
    }

    private RunDemo() {
    }
}
