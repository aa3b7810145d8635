package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration;

import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.client.ClientInformation;
import com.nimbusds.oauth2.sdk.client.ClientMetadata;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationErrorResponse;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationRequest;
import com.nimbusds.oauth2.sdk.client.ClientRegistrationResponse;
import com.nimbusds.oauth2.sdk.client.ClientInformationResponse;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Gets this client an identity at an authorization server, in the order the MCP spec recommends
 * ("Client Registration Approaches"): pre-registered credentials, else a Client ID Metadata
 * Document when the server advertises {@code client_id_metadata_document_supported}, else RFC 7591
 * Dynamic Client Registration. A DCR registration is stored per issuer and reused.
 */
public final class ClientRegistrar {

    private final OAuthHttp http;
    private final ClientStore store;
    private final Consumer<String> steps;
    private final Optional<PreRegisteredClient> preRegistered;
    private final Optional<URI> clientIdMetadataDocument;
    private final String clientName;
    private final URI redirectUri;

    /**
     * @param steps receives one line per step, for the walk-through
     * @param redirectUri the redirect URI a DCR registration asks for (the user agent's)
     */
    public ClientRegistrar(OAuthHttp http, ClientStore store, Consumer<String> steps,
            Optional<PreRegisteredClient> preRegistered, Optional<URI> clientIdMetadataDocument, String clientName,
            URI redirectUri) {
        this.http = http;
        this.store = store;
        this.steps = steps;
        this.preRegistered = preRegistered;
        this.clientIdMetadataDocument = clientIdMetadataDocument;
        this.clientName = clientName;
        this.redirectUri = redirectUri;
    }

    // tag::registration-order[]
    public RegisteredClient clientFor(AuthorizationServerMetadata as) {
        String issuer = as.getIssuer().getValue();
        if (preRegistered.isPresent() && preRegistered.get().appliesTo(issuer)) {
            PreRegisteredClient pre = preRegistered.get();
            steps.accept("Registration: using the pre-registered client " + pre.clientId());
            return new RegisteredClient(issuer, pre.clientId(), pre.clientSecret(),
                    authMethodFor(as, pre.clientSecret() != null), "pre-registered");
        }
        if (Boolean.TRUE.equals(as.getCustomParameter("client_id_metadata_document_supported"))
                && clientIdMetadataDocument.isPresent()) {
            URI documentUrl = clientIdMetadataDocument.get();
            steps.accept("Registration: the server supports Client ID Metadata Documents; client_id = " + documentUrl);
            return new RegisteredClient(issuer, documentUrl.toString(), null, ClientAuthenticationMethod.NONE, "CIMD");
        }
        Optional<RegisteredClient> stored = store.loadClient(issuer);
        if (stored.isPresent()) {
            steps.accept("Registration: reusing the stored registration " + stored.get().clientId());
            return stored.get();
        }
        if (as.getRegistrationEndpointURI() == null) {
            throw new McpAuthorizationException("Authorization server " + issuer + " offers no way to register"
                    + " (no pre-registered client configured, no CIMD, no registration_endpoint)");
        }
        RegisteredClient registered = register(as);
        store.saveClient(registered);
        return registered;
    }
    // end::registration-order[]

    /** RFC 7591 §3.1: an anonymous registration request for a native public client. */
    private RegisteredClient register(AuthorizationServerMetadata as) {
        ClientMetadata metadata = new ClientMetadata();
        metadata.setName(clientName);
        metadata.setRedirectionURI(redirectUri);
        metadata.setGrantTypes(Set.of(GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN));
        metadata.setResponseTypes(Set.of(ResponseType.CODE));
        ClientAuthenticationMethod method = authMethodFor(as, false);
        metadata.setTokenEndpointAuthMethod(method);
        metadata.setCustomField("application_type", "native"); // required by MCP 2026-07-28 for DCR
        steps.accept("RFC 7591: register at " + as.getRegistrationEndpointURI() + " (client_name \"" + clientName
                + "\", redirect " + redirectUri + ", auth " + method + ")");
        ClientRegistrationResponse response;
        try {
            response = ClientRegistrationResponse.parse(http.send(
                    new ClientRegistrationRequest(as.getRegistrationEndpointURI(), metadata, null).toHTTPRequest()));
        } catch (ParseException e) {
            throw new McpAuthorizationException("Unreadable registration response from " + as.getRegistrationEndpointURI(), e);
        }
        if (response instanceof ClientRegistrationErrorResponse error) {
            throw new McpAuthorizationException("Registration refused by " + as.getIssuer() + ": "
                    + OAuthHttp.describe(error.getErrorObject()));
        }
        ClientInformation info = ((ClientInformationResponse) response).getClientInformation();
        ClientAuthenticationMethod granted = Optional.ofNullable(info.getMetadata().getTokenEndpointAuthMethod())
                .orElse(method);
        String secret = info.getSecret() == null ? null : info.getSecret().getValue();
        steps.accept("  -> registered client_id " + info.getID() + " (auth " + granted + ")");
        return new RegisteredClient(as.getIssuer().getValue(), info.getID().getValue(), secret, granted, "DCR");
    }

    /**
     * A native app has no secret to keep, so it registers as a public client ({@code none}) when
     * the server allows it; otherwise it takes the secret-based method the server supports
     * (RFC 8414 §2: {@code client_secret_basic} when the server lists none).
     */
    static ClientAuthenticationMethod authMethodFor(AuthorizationServerMetadata as, boolean hasSecret) {
        List<ClientAuthenticationMethod> supported = as.getTokenEndpointAuthMethods();
        if (!hasSecret && (supported == null || supported.contains(ClientAuthenticationMethod.NONE))) {
            return ClientAuthenticationMethod.NONE;
        }
        if (supported == null || supported.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)) {
            return ClientAuthenticationMethod.CLIENT_SECRET_BASIC;
        }
        if (supported.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)) {
            return ClientAuthenticationMethod.CLIENT_SECRET_POST;
        }
        return supported.contains(ClientAuthenticationMethod.NONE) ? ClientAuthenticationMethod.NONE
                : ClientAuthenticationMethod.CLIENT_SECRET_BASIC;
    }
}
