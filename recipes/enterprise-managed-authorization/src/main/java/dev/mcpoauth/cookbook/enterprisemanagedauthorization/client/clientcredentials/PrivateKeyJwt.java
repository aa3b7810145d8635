package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code private_key_jwt} (RFC 7523 section 2.2, OpenID Connect Core section 9): each token request
 * carries a JWT the agent signs with its private key; the authorization server verifies it with the
 * public key it registered (a JWKS URL the agent publishes, or an inline JWKS). {@code iss} and
 * {@code sub} are the client id, {@code aud} the authorization server's issuer identifier (what
 * draft-ietf-oauth-rfc7523bis asks for, and what the MCP extension's conformance test checks; Keycloak
 * accepts it too), a new {@code jti} each time, {@code exp} one minute ahead: a captured assertion is
 * worth one request for one minute at one server.
 */
public final class PrivateKeyJwt implements ClientCredentials {

    /** How long an assertion is valid: one request, with room for clock skew. */
    static final Duration ASSERTION_LIFETIME = Duration.ofSeconds(60);

    private final String issuer;
    private final String clientId;
    private final PrivateKey key;
    private final String keyId;
    private final JWSAlgorithm algorithm;

    PrivateKeyJwt(String issuer, String clientId, PrivateKey key, String keyId) {
        this.issuer = issuer;
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.key = Objects.requireNonNull(key, "key");
        this.keyId = keyId;
        this.algorithm = algorithmFor(key);
    }

    /** RS256 for RSA, ES256 for EC P-256: the algorithms MCP clients and authorization servers share. */
    static JWSAlgorithm algorithmFor(PrivateKey key) {
        if (key instanceof RSAPrivateKey) {
            return JWSAlgorithm.RS256;
        }
        if (key instanceof ECPrivateKey ec && Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
            return JWSAlgorithm.ES256;
        }
        throw new IllegalArgumentException("private_key_jwt needs an RSA or an EC P-256 private key, not " + key.getAlgorithm());
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
        return ClientAuthenticationMethod.PRIVATE_KEY_JWT.getValue();
    }

    /** The signing algorithm, from the key. */
    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    @Override
    public ClientAuthentication authenticationFor(AuthorizationServerMetadata as) {
        List<JWSAlgorithm> accepted = as.getTokenEndpointJWSAlgs();
        if (accepted != null && !accepted.isEmpty() && !accepted.contains(algorithm)) {
            throw new McpAuthorizationException("The authorization server " + as.getIssuer()
                    + " accepts client assertions signed with " + accepted + ", not " + algorithm);
        }
        Date now = new Date();
        JWTAuthenticationClaimsSet claims = new JWTAuthenticationClaimsSet(new ClientID(clientId),
                List.of(new Audience(as.getIssuer().getValue())),
                new Date(now.getTime() + ASSERTION_LIFETIME.toMillis()), null, now, new JWTID());
        try {
            return new PrivateKeyJWT(claims, algorithm, key, keyId, null);
        } catch (JOSEException e) {
            throw new McpAuthorizationException("Could not sign the client assertion with the agent's key", e);
        }
    }

    /** Never the key. */
    @Override
    public String toString() {
        return "PrivateKeyJwt[clientId=" + clientId + ", issuer=" + (issuer == null ? "any" : issuer) + ", alg=" + algorithm
                + ", kid=" + keyId + "]";
    }
}
