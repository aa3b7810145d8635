package dev.mcpoauth.cookbook.testkit.keycloak;

import java.net.URI;

/**
 * A Keycloak realm seen as an OAuth 2.1 authorization server. Endpoint paths are Keycloak's
 * (they are also what its RFC 8414 / OpenID discovery documents advertise).
 */
public record Realm(String name, URI issuer, KeycloakServer server) {

    public URI authorizationEndpoint() {
        return URI.create(issuer + "/protocol/openid-connect/auth");
    }

    public URI tokenEndpoint() {
        return URI.create(issuer + "/protocol/openid-connect/token");
    }

    public URI jwksUri() {
        return URI.create(issuer + "/protocol/openid-connect/certs");
    }

    /** RFC 8414 section 3: the well-known URL is inserted before the issuer's path. */
    public URI authorizationServerMetadataUrl() {
        return server.baseUrl().resolve("/.well-known/oauth-authorization-server/realms/" + name);
    }
}
