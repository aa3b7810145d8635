package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials;

import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code client_secret_basic} (RFC 6749 section 2.3.1): the id and a shared secret, form-encoded, in
 * the {@code Authorization: Basic} header of each token request (Nimbus does the encoding). Simpler to
 * set up than {@link PrivateKeyJwt}, but the secret lives on both sides and travels with every request.
 */
public final class ClientSecret implements ClientCredentials {

    private final String issuer;
    private final String clientId;
    private final Secret secret;

    ClientSecret(String issuer, String clientId, String secret) {
        this.issuer = issuer;
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.secret = new Secret(Objects.requireNonNull(secret, "secret"));
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public Optional<String> issuer() {
        return Optional.ofNullable(issuer);
    }

    @Override
    public String method() {
        return ClientAuthenticationMethod.CLIENT_SECRET_BASIC.getValue();
    }

    @Override
    public ClientAuthentication authenticationFor(AuthorizationServerMetadata as) {
        return new ClientSecretBasic(new ClientID(clientId), secret);
    }

    /** Never the secret. */
    @Override
    public String toString() {
        return "ClientSecret[clientId=" + clientId + ", issuer=" + (issuer == null ? "any" : issuer) + "]";
    }
}
