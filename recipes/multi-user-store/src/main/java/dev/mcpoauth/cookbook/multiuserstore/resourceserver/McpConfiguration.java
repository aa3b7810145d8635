package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Everything the MCP server needs to know about itself and its authorization server
 * ({@code mcp.*} in application.yml).
 *
 * @param resource            canonical URL of this MCP endpoint as clients reach it (RFC 8707 resource
 *                            identifier): tokens must carry it in {@code aud}, and every metadata document
 *                            and challenge uses it, never the request's Host header
 * @param authorizationServer issuer URL of the authorization server (RFC 9728 {@code authorization_servers})
 * @param jwksUri             where the authorization server publishes its signing keys; unset, Keycloak's path
 * @param clockSkew           tolerance on {@code exp} and {@code nbf} for clocks that drift apart
 * @param requiredScope       scope every MCP request needs; a tool may need more (the tools say which)
 * @param allowedOrigins      browser origins allowed to call the endpoint cross-origin (e.g. MCP Inspector)
 */
@ConfigurationProperties("mcp")
public record McpConfiguration(
        URI resource,
        URI authorizationServer,
        @Nullable URI jwksUri,
        Duration clockSkew,
        String requiredScope,
        List<String> allowedOrigins) {

    public McpConfiguration {
        if (jwksUri == null) {
            jwksUri = URI.create(authorizationServer + "/protocol/openid-connect/certs");
        }
    }

    /** RFC 9728 section 3.1: the well-known path is inserted between the host and the resource's path. */
    public URI resourceMetadataUrl() {
        return resource.resolve("/.well-known/oauth-protected-resource" + resource.getPath());
    }
}
