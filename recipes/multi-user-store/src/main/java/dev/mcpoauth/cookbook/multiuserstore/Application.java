package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.runtime.Micronaut;

/** An MCP server whose tools act on a third-party API for many users, with their stored upstream tokens. See README.md. */
public class Application {

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
