package dev.mcpoauth.cookbook.resourceserverjavalin;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Everything the server needs to know, from environment variables with demo defaults that match
 * {@code make run} (Keycloak on localhost:8180).
 *
 * @param resource            canonical URL of the MCP endpoint as clients reach it (RFC 8707): tokens must carry
 *                            exactly it in {@code aud}; metadata and challenges use it, never the Host header
 * @param authorizationServer issuer of the authorization server (RFC 9728 {@code authorization_servers})
 * @param jwksUri             where the authorization server publishes its signing keys
 * @param clockSkew           tolerance on {@code exp} and {@code nbf}
 * @param requiredScope       scope every MCP request needs
 * @param allowedOrigins      browser origins allowed to call {@code /mcp}
 * @param bindAddress         interface to listen on (demo default: loopback only)
 */
public record ServerConfig(URI resource, URI authorizationServer, URI jwksUri, Duration clockSkew,
                           String requiredScope, List<String> allowedOrigins, String bindAddress) {

    public static ServerConfig fromEnvironment(Map<String, String> env) {
        URI resource = URI.create(env.getOrDefault("MCP_RESOURCE", "http://localhost:8080/mcp"));
        String issuer = env.getOrDefault("MCP_AUTHORIZATION_SERVER", "http://localhost:8180/realms/mcp-resource-server");
        return new ServerConfig(
                resource,
                URI.create(issuer),
                // Keycloak's JWKS path; other servers publish `jwks_uri` in their discovery document.
                URI.create(env.getOrDefault("MCP_JWKS_URI", issuer + "/protocol/openid-connect/certs")),
                Duration.ofSeconds(60),
                "mcp:tools",
                Arrays.asList(env.getOrDefault("MCP_ALLOWED_ORIGINS", "http://localhost:6274").split(",")),
                env.getOrDefault("BIND_ADDRESS", "127.0.0.1"));
    }

    public int port() {
        return resource.getPort() > 0 ? resource.getPort() : 8080;
    }

    /** RFC 9728 section 3.1: the well-known path goes between the host and the resource's path. */
    public URI resourceMetadataUrl() {
        return resource.resolve("/.well-known/oauth-protected-resource" + resource.getPath());
    }
}
