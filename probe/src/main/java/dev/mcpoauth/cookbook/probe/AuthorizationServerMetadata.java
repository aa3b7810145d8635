package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An authorization server's metadata (RFC 8414 section 2, or OpenID Connect Discovery), as served.
 *
 * @param location where it was fetched
 * @param json     the document
 */
public record AuthorizationServerMetadata(URI location, Map<String, Object> json) {

    /** The endpoints a client calls or shows; each must pass the https rule. */
    static final List<String> ENDPOINTS = List.of("authorization_endpoint", "token_endpoint", "registration_endpoint",
            "revocation_endpoint", "introspection_endpoint", "jwks_uri", "userinfo_endpoint");

    public Optional<String> issuer() {
        return Json.string(json, "issuer");
    }

    public Optional<String> endpoint(String name) {
        return Json.string(json, name);
    }

    public List<String> codeChallengeMethodsSupported() {
        return Json.strings(json, "code_challenge_methods_supported");
    }

    public Optional<String> registrationEndpoint() {
        return endpoint("registration_endpoint");
    }

    public boolean clientIdMetadataDocumentSupported() {
        return Boolean.TRUE.equals(json.get("client_id_metadata_document_supported"));
    }

    public boolean authorizationResponseIssParameterSupported() {
        return Boolean.TRUE.equals(json.get("authorization_response_iss_parameter_supported"));
    }
}
