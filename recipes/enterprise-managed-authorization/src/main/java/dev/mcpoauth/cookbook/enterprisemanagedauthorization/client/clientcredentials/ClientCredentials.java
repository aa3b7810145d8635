package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials;

import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import java.security.PrivateKey;
import java.util.Optional;

/**
 * Who an agent is at the token endpoint when no person is present (MCP extension "OAuth Client
 * Credentials", RFC 6749 section 4.4): {@link PrivateKeyJwt} (RFC 7523, preferred: the authorization
 * server holds only a public key) or {@link ClientSecret} ({@code client_secret_basic}). Pre-registered
 * with one authorization server, and bound to it: the issuer the credentials were registered with. An MCP
 * server that names another authorization server never gets them (it could be anyone's server naming its
 * own), exactly as a pre-registered user-facing client is bound ({@code PreRegisteredClient.forIssuer}).
 * The {@code ...ForAnyIssuer} factories drop that binding: only for servers you trust, such as tests.
 */
public sealed interface ClientCredentials permits PrivateKeyJwt, ClientSecret {

    /** The client id the authorization server registered this agent under. */
    String clientId();

    /** The token endpoint authentication method, as {@code token_endpoint_auth_methods_supported} names it. */
    String method();

    /** The issuer these credentials are registered with; empty for credentials made {@code ...ForAnyIssuer}. */
    Optional<String> issuer();

    /** Whether these credentials may be presented to the authorization server {@code issuer} (compared exactly). */
    default boolean appliesTo(String issuer) {
        return issuer().map(issuer::equals).orElse(true);
    }

    /**
     * The authentication for one token request at {@code as}; a {@link PrivateKeyJwt} signs a new
     * assertion (new {@code jti}, short {@code exp}) each time.
     */
    ClientAuthentication authenticationFor(AuthorizationServerMetadata as);

    /** {@code private_key_jwt} at the authorization server {@code issuer}: RS256 for an RSA key, ES256 for a P-256 key. */
    static ClientCredentials privateKeyJwt(String issuer, String clientId, PrivateKey key, String keyId) {
        return new PrivateKeyJwt(java.util.Objects.requireNonNull(issuer, "issuer"), clientId, key, keyId);
    }

    /** {@code private_key_jwt} presented to whichever authorization server an MCP server names: only for servers you trust. */
    static ClientCredentials privateKeyJwtForAnyIssuer(String clientId, PrivateKey key, String keyId) {
        return new PrivateKeyJwt(null, clientId, key, keyId);
    }

    /** {@code client_secret_basic} at the authorization server {@code issuer} (RFC 6749 section 2.3.1). */
    static ClientCredentials clientSecretBasic(String issuer, String clientId, String secret) {
        return new ClientSecret(java.util.Objects.requireNonNull(issuer, "issuer"), clientId, secret);
    }

    /** {@code client_secret_basic} sent to whichever authorization server an MCP server names: only for servers you trust. */
    static ClientCredentials clientSecretBasicForAnyIssuer(String clientId, String secret) {
        return new ClientSecret(null, clientId, secret);
    }
}
