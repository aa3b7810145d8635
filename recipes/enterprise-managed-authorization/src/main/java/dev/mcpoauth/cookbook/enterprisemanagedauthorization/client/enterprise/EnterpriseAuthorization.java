package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.enterprise;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Enterprise-Managed Authorization (MCP extension {@code io.modelcontextprotocol/enterprise-managed-authorization},
 * built on the Identity Assertion JWT Authorization Grant, ID-JAG): the user signed in once at the company's
 * identity provider; for each MCP server the client exchanges that sign-in's ID token at the IdP for an
 * ID-JAG naming the server (RFC 8693), then trades the ID-JAG for an access token at the server's
 * authorization server (the JWT bearer grant, RFC 7523). No browser and no consent screen per server:
 * the enterprise's policy at the IdP decides who may reach which server.
 *
 * <p>The MCP server chooses the ID-JAG's {@code audience} (its authorization server, from its RFC 9728
 * metadata) and {@code resource} (itself), as the extension says; what keeps a malicious server from
 * getting an ID-JAG for someone else's: {@code atTheAuthorizationServer} is bound to one authorization
 * server's issuer, the client checks the ID-JAG names that server, this client and that resource before
 * presenting it, and the IdP (the enterprise's policy) and the authorization server must each check the
 * {@code audience}/{@code resource} pair too (for Keycloak: a {@code jwt-claim-enforcer} on {@code resource}).
 *
 * <p>What this holds: the IdP's issuer (its token endpoint comes from its metadata, RFC 8414 or OpenID
 * Connect Discovery, the issuer compared exactly); this client's id there (and its credentials, when the IdP
 * wants a confidential client); where the current ID token comes from; and this client's credentials at the
 * MCP server's authorization server, which are the ones the ID-JAG must name.
 */
public final class EnterpriseAuthorization {

    private final URI idpIssuer;
    private final String idpClientId;
    private final ClientCredentials idpCredentials;
    private final Supplier<String> idToken;
    private final ClientCredentials atTheAuthorizationServer;

    private EnterpriseAuthorization(URI idpIssuer, String idpClientId, ClientCredentials idpCredentials,
            Supplier<String> idToken, ClientCredentials atTheAuthorizationServer) {
        this.idpIssuer = idpIssuer;
        this.idpClientId = idpClientId;
        this.idpCredentials = idpCredentials;
        this.idToken = idToken;
        this.atTheAuthorizationServer = atTheAuthorizationServer;
    }

    /**
     * {@code idToken} supplies the ID token of the user's current enterprise sign-in, fresh enough for the IdP
     * to accept (it is asked again whenever a new access token is needed); {@code atTheAuthorizationServer}
     * is how this client authenticates at the MCP server's authorization server.
     */
    public static EnterpriseAuthorization of(String idpIssuer, String idpClientId, Supplier<String> idToken,
            ClientCredentials atTheAuthorizationServer) {
        return new EnterpriseAuthorization(SafeUrl.check(idpIssuer, "enterprise IdP issuer"),
                Objects.requireNonNull(idpClientId, "idpClientId"), null, Objects.requireNonNull(idToken, "idToken"),
                Objects.requireNonNull(atTheAuthorizationServer, "atTheAuthorizationServer"));
    }

    /** The same, for an IdP that authenticates this client (a confidential client there). */
    public EnterpriseAuthorization withIdpCredentials(ClientCredentials credentials) {
        if (!credentials.clientId().equals(idpClientId)) {
            throw new IllegalArgumentException("The IdP credentials are for " + credentials.clientId() + ", not " + idpClientId);
        }
        return new EnterpriseAuthorization(idpIssuer, idpClientId, credentials, idToken, atTheAuthorizationServer);
    }

    /** The enterprise IdP's issuer identifier. */
    public URI idpIssuer() {
        return idpIssuer;
    }

    public String idpClientId() {
        return idpClientId;
    }

    public Optional<ClientCredentials> idpCredentials() {
        return Optional.ofNullable(idpCredentials);
    }

    /** The current ID token; never printed. A supplier that fails or has none fails this authorization, not the client. */
    public String idToken() {
        String token;
        try {
            token = idToken.get();
        } catch (RuntimeException e) {
            throw new McpAuthorizationException("The ID token supplier failed (" + e.getClass().getSimpleName()
                    + "): no sign-in at the enterprise IdP to exchange", e);
        }
        if (token == null || token.isBlank()) {
            throw new McpAuthorizationException("The ID token supplier has no ID token: the user must sign in at the enterprise IdP");
        }
        return token;
    }

    public ClientCredentials atTheAuthorizationServer() {
        return atTheAuthorizationServer;
    }

    @Override
    public String toString() {
        return "EnterpriseAuthorization[idp=" + idpIssuer + ", idpClient=" + idpClientId + ", atTheAuthorizationServer="
                + atTheAuthorizationServer + "]";
    }
}
