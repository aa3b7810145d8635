package dev.mcpoauth.cookbook.keycloakdcr.clientcredentials;

import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import java.security.PrivateKey;

/**
 * Who an agent is at the token endpoint when no person is present (MCP extension "OAuth Client
 * Credentials", RFC 6749 section 4.4): {@link PrivateKeyJwt} (RFC 7523, preferred: the authorization
 * server holds only a public key) or {@link ClientSecret} ({@code client_secret_basic}). Pre-registered
 * with the authorization server; no dynamic registration, no browser.
 */
public sealed interface ClientCredentials permits PrivateKeyJwt, ClientSecret {

    /** The client id the authorization server registered this agent under. */
    String clientId();

    /** The token endpoint authentication method, as {@code token_endpoint_auth_methods_supported} names it. */
    String method();

    /**
     * The authentication for one token request at {@code as}; a {@link PrivateKeyJwt} signs a new
     * assertion (new {@code jti}, short {@code exp}) each time.
     */
    ClientAuthentication authenticationFor(AuthorizationServerMetadata as);

    /** {@code private_key_jwt}: assertions signed with {@code key}, RS256 for an RSA key, ES256 for a P-256 key. */
    static ClientCredentials privateKeyJwt(String clientId, PrivateKey key, String keyId) {
        return new PrivateKeyJwt(clientId, key, keyId);
    }

    /** {@code client_secret_basic}: the id and secret in the {@code Authorization} header (RFC 6749 section 2.3.1). */
    static ClientCredentials clientSecretBasic(String clientId, String secret) {
        return new ClientSecret(clientId, secret);
    }
}
