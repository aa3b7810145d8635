package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 7591 dynamic client registration as MCP clients do it (mcp-remote, the TypeScript SDK): a public
 * native client with a loopback redirect URI and no initial access token. Then RFC 7592 deletion of that
 * client, so the probe leaves nothing behind where the server lets it. Runs only with {@code --register}:
 * it is the one step that writes to the authorization server. Neither the client_secret nor the
 * registration_access_token the server returns is ever printed.
 */
final class DynamicClientRegistration {

    static final String CLIENT_NAME = "mcp-oauth-probe";
    /** RFC 8252 section 7.3: a loopback redirect, any port. Nothing listens: the probe never starts an authorization. */
    static final String REDIRECT_URI = "http://127.0.0.1:33418/callback";

    private final ProbeHttp http;

    DynamicClientRegistration(ProbeHttp http) {
        this.http = http;
    }

    /** The registration request (RFC 7591 section 2); {@code scope} is left out when null. */
    static String request(String scope) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("client_name", CLIENT_NAME);
        metadata.put("redirect_uris", List.of(REDIRECT_URI));
        metadata.put("grant_types", List.of("authorization_code", "refresh_token"));
        metadata.put("response_types", List.of("code"));
        metadata.put("token_endpoint_auth_method", "none"); // a public client, as a native app is (RFC 8252 section 8.4)
        if (scope != null) {
            metadata.put("scope", scope);
        }
        return Json.write(metadata);
    }

    /**
     * Registers at the authorization server's registration_endpoint, if it advertises one, and deletes the
     * client again.
     *
     * @param scope what a client would ask for: the challenge's scope, else the metadata's scopes_supported
     */
    void registerAndDelete(ProbeReport report, AuthorizationServerMetadata metadata, String scope) {
        Optional<String> endpoint = metadata.registrationEndpoint();
        if (endpoint.isEmpty()) {
            report.add(Checks.REGISTRATION_OPEN.skip("no registration_endpoint in " + metadata.location() + ": not attempted"));
            return;
        }
        URI uri = ProtectedResourceMetadataDiscovery.parseOrNull(endpoint.get());
        if (uri == null || EndpointSecurity.of(endpoint.get()) == EndpointSecurity.INSECURE) {
            report.add(Checks.REGISTRATION_OPEN.skip("registration_endpoint " + endpoint.get()
                    + " is not https (see as.https): not attempted"));
            return;
        }
        String sent = "POST " + uri + " as a public loopback client, scope " + (scope == null ? "(none)" : "\"" + scope + "\"");
        ProbeResponse response;
        try {
            response = http.postJson(uri, request(scope));
        } catch (IOException e) {
            report.add(Checks.REGISTRATION_OPEN.violated(sent + ": no answer: " + Probe.describe(e)));
            return;
        }
        Map<String, Object> json = Json.object(response.body()).orElse(Map.of());
        Optional<String> clientId = Json.string(json, "client_id");
        String answer = sent + ": " + UnauthorizedResponse.statusText(response.status());
        if (response.status() == 201 && clientId.isPresent()) {
            report.add(Checks.REGISTRATION_OPEN.pass(answer + ", client_id " + clientId.get()));
        } else if (clientId.isPresent()) {
            report.add(Checks.REGISTRATION_OPEN.violated(answer + " (RFC 7591 section 3.2.1: 201 Created), client_id "
                    + clientId.get()));
        } else {
            // RFC 7591 section 3.2.2: error and error_description say why; neither is a secret.
            report.add(Checks.REGISTRATION_OPEN.violated(answer + ", " + Json.string(json, "error")
                    .map(error -> "error=\"" + error + "\"" + Json.string(json, "error_description")
                            .map(description -> ", error_description=\"" + description + "\"").orElse(""))
                    .orElse("no client_id and no OAuth error in the body")));
        }
        clientId.ifPresent(id -> delete(report, id, json));
    }

    /** RFC 7592 section 2.3: DELETE at registration_client_uri with the registration_access_token. */
    private void delete(ProbeReport report, String clientId, Map<String, Object> registered) {
        Optional<String> token = Json.string(registered, "registration_access_token");
        Optional<String> clientUri = Json.string(registered, "registration_client_uri");
        String outcome;
        boolean deleted = false;
        if (token.isEmpty() || clientUri.isEmpty()) {
            outcome = "no registration_access_token and registration_client_uri in the answer, so no RFC 7592 delete";
        } else if (ProtectedResourceMetadataDiscovery.parseOrNull(clientUri.get()) == null
                || EndpointSecurity.of(clientUri.get()) == EndpointSecurity.INSECURE) {
            outcome = "registration_client_uri " + clientUri.get() + " is not https: the registration access token is not sent there";
        } else {
            URI uri = URI.create(clientUri.get());
            try {
                ProbeResponse response = http.delete(uri, "Bearer " + token.get());
                deleted = response.status() / 100 == 2;
                outcome = "DELETE " + uri + ": " + UnauthorizedResponse.statusText(response.status());
            } catch (IOException e) {
                outcome = "DELETE " + uri + ": no answer: " + Probe.describe(e);
            }
        }
        report.add(Checks.REGISTRATION_DELETE.info(outcome + ", client " + clientId + (deleted ? " deleted" : " stays registered")));
        report.note(deleted
                ? "--register: the probe registered client " + clientId + " and deleted it again (RFC 7592)."
                : "--register: the probe registered client " + clientId + " and could not delete it: "
                        + outcome + ". Remove it on the authorization server.");
    }
}
