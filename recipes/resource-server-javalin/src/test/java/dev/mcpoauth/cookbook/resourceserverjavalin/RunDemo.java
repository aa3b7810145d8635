package dev.mcpoauth.cookbook.resourceserverjavalin;

import dev.mcpoauth.cookbook.testkit.contract.ResourceServerDemo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code make run}: Keycloak, this server, the client walk-through; serves until Ctrl-C. */
public final class RunDemo {

    public static void main(String[] args) {
        ResourceServerDemo.run(Path.of("keycloak/realm.json"), (mcpUrl, realm) ->
                JavalinResourceServer.start(new ServerConfig(mcpUrl, realm.issuer(), realm.jwksUri(),
                        Duration.ofSeconds(60), "mcp:tools", List.of("http://localhost:6274"), "127.0.0.1")));
    }

    private RunDemo() {
    }
}
