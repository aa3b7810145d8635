package dev.mcpoauth.cookbook.tokengateway.config;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * An MCP server behind the gateway, reached at {@code /mcp/<name>} on the gateway.
 *
 * @param name     the path segment clients use
 * @param url      where the gateway forwards to (the backend's Streamable HTTP endpoint)
 * @param audience the backend's client id at the authorization server: exchanged tokens carry it in
 *                 {@code aud} (here the backend's URL, as RFC 8707 resources are named)
 */
public record Backend(String name, URI url, String audience) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");

    public Backend {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Backend name must match " + NAME + ": " + name);
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("Backend URL must be http(s): " + url);
        }
    }

    /** A backend whose audience is its own URL. */
    public static Backend at(String name, URI url) {
        return new Backend(name, url, url.toString());
    }
}
