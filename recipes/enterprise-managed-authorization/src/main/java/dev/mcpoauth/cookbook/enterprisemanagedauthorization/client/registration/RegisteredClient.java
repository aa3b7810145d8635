package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration;

import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import java.util.Objects;

/**
 * This client's identity at one authorization server. It is keyed by that server's issuer and is
 * never presented to another one (MCP 2026-07-28, "credentials MUST be keyed by issuer").
 *
 * @param issuer the authorization server that issued the credentials
 * @param clientId the client id (a URL when it is a Client ID Metadata Document)
 * @param clientSecret null for a public client
 * @param authMethod how the client authenticates at the token endpoint (RFC 7591 §2)
 * @param how "pre-registered", "CIMD" or "DCR", for logs and the walk-through
 */
public record RegisteredClient(String issuer, String clientId, String clientSecret,
        ClientAuthenticationMethod authMethod, String how) {

    public RegisteredClient {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(authMethod, "authMethod");
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "RegisteredClient[" + how + " " + clientId + " at " + issuer + ", auth " + authMethod
                + (clientSecret == null ? "" : ", secret ***") + "]";
    }
}
