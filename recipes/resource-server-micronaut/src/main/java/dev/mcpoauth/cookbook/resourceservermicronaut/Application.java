package dev.mcpoauth.cookbook.resourceservermicronaut;

import io.micronaut.runtime.Micronaut;

/** An MCP server that is an OAuth 2.1 resource server only. See README.md. */
public class Application {

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
