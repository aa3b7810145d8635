package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an MCP client looks for an authorization server's metadata, in the order of the MCP spec
 * ("Authorization Server Metadata Discovery"), and what the document must say for a client to go on.
 */
public final class AuthorizationServerDiscovery {

    private AuthorizationServerDiscovery() {
    }

    /**
     * Issuer with a path {@code /tenant}: RFC 8414 with path insertion, OpenID Connect with path
     * insertion, OpenID Connect with the path kept in front (OpenID Connect Discovery section 4).
     * Without a path: RFC 8414, then OpenID Connect.
     */
    public static List<URI> metadataLocations(URI issuer) {
        String origin = issuer.getScheme() + "://" + issuer.getRawAuthority();
        String path = ProtectedResourceMetadata.withoutTrailingSlash(issuer.getRawPath());
        if (path.isEmpty()) {
            return List.of(URI.create(origin + "/.well-known/oauth-authorization-server"),
                    URI.create(origin + "/.well-known/openid-configuration"));
        }
        return List.of(URI.create(origin + "/.well-known/oauth-authorization-server" + path),
                URI.create(origin + "/.well-known/openid-configuration" + path),
                URI.create(origin + path + "/.well-known/openid-configuration"));
    }

    /** Judges the metadata found for {@code issuer} (everything after {@link Checks#AS_DISCOVERY}). */
    public static List<CheckResult> judge(String issuer, AuthorizationServerMetadata metadata) {
        List<CheckResult> results = new ArrayList<>();
        String claimed = metadata.issuer().orElse(null);
        // Exact string comparison, no normalisation (RFC 8414 section 3.3): the mix-up defence.
        results.add(Checks.AS_ISSUER.judge(issuer.equals(claimed),
                "issuer " + (claimed == null ? "(none)" : "\"" + claimed + "\"")
                        + (issuer.equals(claimed) ? "" : ", but fetched for \"" + issuer + "\"")));

        List<String> missing = new ArrayList<>();
        for (String required : List.of("authorization_endpoint", "token_endpoint")) {
            if (metadata.endpoint(required).isEmpty()) {
                missing.add(required);
            }
        }
        results.add(Checks.AS_ENDPOINTS.judge(missing.isEmpty(), missing.isEmpty()
                ? "authorization_endpoint " + metadata.endpoint("authorization_endpoint").get()
                        + ", token_endpoint " + metadata.endpoint("token_endpoint").get()
                : "missing " + String.join(", ", missing)));

        results.add(https(issuer, metadata));

        List<String> pkce = metadata.codeChallengeMethodsSupported();
        results.add(Checks.AS_PKCE_S256.judge(pkce.contains("S256"), "code_challenge_methods_supported "
                + (metadata.json().containsKey("code_challenge_methods_supported") ? pkce : "absent")));

        boolean cimd = metadata.clientIdMetadataDocumentSupported();
        String registration = "CIMD " + (cimd ? "supported" : "not advertised") + "; DCR "
                + metadata.registrationEndpoint().map(e -> "at " + e).orElse("not offered");
        results.add(Checks.AS_REGISTRATION.judge(cimd || metadata.registrationEndpoint().isPresent(),
                registration + (cimd || metadata.registrationEndpoint().isPresent() ? "" : ": only pre-registered clients")));
        results.add(Checks.AS_CIMD.judge(cimd, "client_id_metadata_document_supported "
                + metadata.json().getOrDefault("client_id_metadata_document_supported", "absent")));
        results.add(Checks.AS_ISS_PARAMETER.judge(metadata.authorizationResponseIssParameterSupported(),
                "authorization_response_iss_parameter_supported "
                        + metadata.json().getOrDefault("authorization_response_iss_parameter_supported", "absent")));
        return results;
    }

    private static CheckResult https(String issuer, AuthorizationServerMetadata metadata) {
        List<String> insecure = new ArrayList<>();
        List<String> loopback = new ArrayList<>();
        List<String> urls = new ArrayList<>(List.of("issuer " + issuer));
        for (String name : AuthorizationServerMetadata.ENDPOINTS) {
            metadata.endpoint(name).ifPresent(url -> urls.add(name + " " + url));
        }
        for (String named : urls) {
            String url = named.substring(named.indexOf(' ') + 1);
            switch (EndpointSecurity.of(url)) {
                case INSECURE -> insecure.add(named);
                case LOOPBACK_HTTP -> loopback.add(named);
                case HTTPS -> { }
            }
        }
        if (!insecure.isEmpty()) {
            return Checks.AS_HTTPS.violated("not https (and not loopback): " + String.join(", ", insecure));
        }
        if (!loopback.isEmpty()) {
            return Checks.AS_HTTPS.warn("http on loopback (allowed for local development only; use https when deployed): "
                    + loopback.size() + " URL(s)");
        }
        return Checks.AS_HTTPS.pass("all " + urls.size() + " URLs are https");
    }
}
