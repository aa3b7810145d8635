package dev.mcpoauth.cookbook.tokengateway.scaleout;

import dev.mcpoauth.cookbook.tokengateway.backends.BackendServer;
import dev.mcpoauth.cookbook.tokengateway.backends.NotesTools;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One instance of the notes backend in a JVM of its own, so that a scale-out test can SIGKILL it:
 * {@code BACKEND_URL} is the load balancer's URL (the audience every instance accepts),
 * {@code BACKEND_PORT} this instance's own port.
 */
public final class NotesBackendMain {

    private NotesBackendMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        BackendServer.start("notes", URI.create(env.get("BACKEND_URL")), Integer.parseInt(env.get("BACKEND_PORT")),
                URI.create(env.get("MCP_AUTHORIZATION_SERVER")), URI.create(env.get("MCP_JWKS_URI")),
                env.get("GATEWAY_CLIENT_ID"), NotesTools.tools(new CopyOnWriteArrayList<>()));
    }
}
