package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fetches an authorization server's metadata (RFC 8414, or OpenID Connect Discovery) trying the
 * well-known URLs in the order the MCP spec gives ("Authorization Server Metadata Discovery"), then
 * refuses anything this client must not work with: an {@code issuer} that is not the one asked for
 * (RFC 8414 §3.3, required by MCP 2026-07-28), no PKCE {@code S256} ("Authorization Code
 * Protection": a client MUST refuse to proceed), endpoints that fail {@link SafeUrl}. A server used
 * without the authorization code flow (an agent's client credentials, an enterprise IdP's token
 * exchange) needs no authorization endpoint and no PKCE: {@link #discoverForTokenEndpointOnly}.
 */
public final class AuthorizationServerDiscovery {

    private final OAuthHttp http;
    private final Consumer<String> steps;

    /** {@code steps} receives one line per step, for the walk-through. */
    public AuthorizationServerDiscovery(OAuthHttp http, Consumer<String> steps) {
        this.http = http;
        this.steps = steps;
    }

    /** For the authorization code flow: an authorization endpoint and PKCE S256 required. */
    public AuthorizationServerMetadata discover(URI issuer) {
        return discover(issuer, true);
    }

    /** For the token endpoint alone (client credentials, JWT bearer, token exchange): the same checks but PKCE's. */
    public AuthorizationServerMetadata discoverForTokenEndpointOnly(URI issuer) {
        return discover(issuer, false);
    }

    private AuthorizationServerMetadata discover(URI issuer, boolean authorizationCode) {
        Optional<OAuthHttp.Document> document =
                http.firstJsonDocument(metadataLocations(issuer), "RFC 8414", "authorization-server metadata", steps);
        if (document.isPresent()) {
            return check(issuer, document.get().location(), document.get().json(), authorizationCode);
        }
        throw new McpAuthorizationException("No authorization-server metadata found for issuer " + issuer
                + " (tried " + metadataLocations(issuer) + ")");
    }

    /**
     * Issuer with a path {@code /tenant}: oauth-authorization-server with path insertion, OpenID
     * with path insertion, OpenID with path appended. Without a path: oauth-authorization-server,
     * then OpenID.
     */
    static List<URI> metadataLocations(URI issuer) {
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        List<URI> locations = new ArrayList<>();
        if (path.isEmpty()) {
            locations.add(URI.create(origin + "/.well-known/oauth-authorization-server"));
            locations.add(URI.create(origin + "/.well-known/openid-configuration"));
        } else {
            locations.add(URI.create(origin + "/.well-known/oauth-authorization-server" + path));
            locations.add(URI.create(origin + "/.well-known/openid-configuration" + path));
            locations.add(URI.create(origin + path + "/.well-known/openid-configuration"));
        }
        return locations;
    }

    private AuthorizationServerMetadata check(URI issuer, URI location, Map<String, Object> json, boolean authorizationCode) {
        Object claimedIssuer = json.get("issuer");
        // Exact string comparison, no normalisation (RFC 8414 §3.3): a mix-up defence.
        if (!issuer.toString().equals(claimedIssuer)) {
            throw new McpAuthorizationException("Authorization-server metadata at " + location + " names issuer "
                    + claimedIssuer + ", but it was fetched for " + issuer + ": refused (RFC 8414 §3.3)");
        }
        // Checked before parsing: a metadata parser must never be the first to see a hostile URL.
        if (authorizationCode || json.containsKey("authorization_endpoint")) {
            SafeUrl.check(stringOrNull(json, "authorization_endpoint"), "authorization_endpoint");
        }
        SafeUrl.check(stringOrNull(json, "token_endpoint"), "token_endpoint");
        for (String optional : List.of("registration_endpoint", "revocation_endpoint", "jwks_uri")) {
            if (json.containsKey(optional)) {
                SafeUrl.check(stringOrNull(json, optional), optional);
            }
        }
        AuthorizationServerMetadata metadata;
        try {
            metadata = AuthorizationServerMetadata.parse(new net.minidev.json.JSONObject(json));
        } catch (ParseException e) {
            throw new McpAuthorizationException("Authorization-server metadata at " + location
                    + " is invalid: " + e.getMessage(), e);
        }
        if (!authorizationCode) {
            steps.accept("  -> issuer matches; token endpoint " + metadata.getTokenEndpointURI());
            return metadata;
        }
        List<CodeChallengeMethod> pkce = metadata.getCodeChallengeMethods();
        if (pkce == null || !pkce.contains(CodeChallengeMethod.S256)) {
            throw new McpAuthorizationException("Authorization server " + issuer
                    + " does not list S256 in code_challenge_methods_supported: refusing to proceed"
                    + " (MCP authorization, Authorization Code Protection)");
        }
        steps.accept("  -> issuer matches; PKCE S256 supported; registration: "
                + (metadata.getRegistrationEndpointURI() != null ? "DCR " + metadata.getRegistrationEndpointURI() : "no DCR")
                + (Boolean.TRUE.equals(json.get("client_id_metadata_document_supported")) ? ", CIMD supported" : ""));
        return metadata;
    }

    private static String stringOrNull(Map<String, Object> json, String name) {
        return json.get(name) instanceof String s ? s : null;
    }
}
