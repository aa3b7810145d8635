package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.TokenTypeURI;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.oauth2.sdk.token.TypelessToken;
import com.nimbusds.oauth2.sdk.tokenexchange.TokenExchangeGrant;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.enterprise.EnterpriseAuthorization;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.RegisteredClient;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The requests this client sends to the token endpoint, all with the RFC 8707 {@code resource}
 * parameter: the authorization code with its PKCE verifier (OAuth 2.1 §4.1.3, RFC 7636 §4.5), the
 * refresh token (OAuth 2.1 §4.3), for an agent with no user client credentials (OAuth 2.1 §4.2), and for
 * Enterprise-Managed Authorization the ID-JAG token exchange at the enterprise IdP (RFC 8693) and the
 * JWT bearer grant at the MCP server's authorization server (RFC 7523).
 */
public final class TokenEndpoint {

    /** The ID-JAG token type (draft-ietf-oauth-identity-assertion-authz-grant). */
    public static final TokenTypeURI ID_JAG = idJag();
    /** The JSON Web Token header {@code typ} of an ID-JAG. */
    static final String ID_JAG_TYPE = "oauth-id-jag+jwt";

    private final OAuthHttp http;
    private final Consumer<String> steps;
    private final Clock clock;

    /** {@code steps} receives one line per step, for the walk-through; {@code clock} dates the tokens' expiry. */
    public TokenEndpoint(OAuthHttp http, Consumer<String> steps, Clock clock) {
        this.http = http;
        this.steps = steps;
        this.clock = clock;
    }

    /** Redeems the code at the redirect URI it was sent to, proving it with the PKCE verifier. */
    public TokenSet redeem(AuthorizationServerMetadata as, RegisteredClient client, AuthorizationCode code,
            URI redirectUri, CodeVerifier verifier, URI resource, Scope requestedScope) {
        return tokenRequest(as, client, new AuthorizationCodeGrant(code, redirectUri, verifier), resource, null,
                requestedScope);
    }

    /** OAuth 2.1 §4.3; with rotation the answer carries a new refresh token, else the old one stays. */
    public TokenSet refresh(AuthorizationServerMetadata as, RegisteredClient client, TokenSet current) {
        steps.accept("Refresh: refresh-token grant at " + as.getTokenEndpointURI());
        return tokenRequest(as, client, new RefreshTokenGrant(new RefreshToken(current.refreshToken())),
                URI.create(current.resource()), current, null);
    }

    // tag::client-credentials[]
    /**
     * The client credentials grant (OAuth 2.1 §4.2, MCP extension "OAuth Client Credentials"): the agent
     * authenticates as itself and asks for {@code scope} at {@code resource}. Refused before sending when
     * the server's metadata lists grants or authentication methods and this one is not among them. A
     * refresh token in the answer is dropped: the grant itself is how an agent gets its next token.
     */
    public TokenSet clientCredentials(AuthorizationServerMetadata as, ClientCredentials credentials, URI resource,
            Scope scope) {
        if (as.getGrantTypes() != null && !as.getGrantTypes().contains(GrantType.CLIENT_CREDENTIALS)) {
            throw new McpAuthorizationException("The authorization server " + as.getIssuer()
                    + " does not offer the client_credentials grant (grant_types_supported: " + as.getGrantTypes() + ")");
        }
        if (as.getTokenEndpointAuthMethods() != null && as.getTokenEndpointAuthMethods().stream()
                .noneMatch(method -> method.getValue().equals(credentials.method()))) {
            throw new McpAuthorizationException("The authorization server " + as.getIssuer() + " does not accept "
                    + credentials.method() + " (token_endpoint_auth_methods_supported: " + as.getTokenEndpointAuthMethods() + ")");
        }
        steps.accept("OAuth 2.1 section 4.2: client credentials grant at " + as.getTokenEndpointURI() + " as "
                + credentials.clientId() + " (" + credentials.method() + "), resource " + resource
                + (scope == null ? "" : ", scope \"" + scope + "\""));
        TokenRequest.Builder builder = new TokenRequest.Builder(as.getTokenEndpointURI(),
                credentials.authenticationFor(as), new ClientCredentialsGrant()).resource(resource);
        if (scope != null) {
            builder.scope(scope);
        }
        TokenSet tokens = send(as, builder, resource, null, scope);
        return new TokenSet(tokens.resource(), tokens.issuer(), tokens.accessToken(), null, tokens.expiresAt(), tokens.scope());
    }
    // end::client-credentials[]

    // tag::enterprise[]
    /**
     * Enterprise-Managed Authorization, step 1 at the enterprise IdP (RFC 8693 token exchange): the user's
     * ID token for an ID-JAG whose audience is the MCP server's authorization server ({@code as}'s issuer)
     * and whose resource is the MCP server. The IdP's policy decides; its refusal comes back as the OAuth
     * error it sent. The answer must say it is an ID-JAG, and be a signed JWT of that type.
     */
    public String requestJwtAuthorizationGrant(AuthorizationServerMetadata idp, EnterpriseAuthorization enterprise,
            AuthorizationServerMetadata as, URI resource, Scope scope) {
        steps.accept("Enterprise-Managed Authorization: RFC 8693 token exchange at the enterprise IdP "
                + idp.getTokenEndpointURI() + ": the user's ID token for an ID-JAG, audience " + as.getIssuer()
                + ", resource " + resource + (scope == null ? "" : ", scope \"" + scope + "\""));
        TokenExchangeGrant grant = new TokenExchangeGrant(new TypelessToken(enterprise.idToken()), TokenTypeURI.ID_TOKEN,
                null, null, ID_JAG, List.of(new Audience(as.getIssuer().getValue())));
        TokenRequest.Builder builder = enterprise.idpCredentials()
                .map(credentials -> new TokenRequest.Builder(idp.getTokenEndpointURI(), credentials.authenticationFor(idp), grant))
                .orElseGet(() -> new TokenRequest.Builder(idp.getTokenEndpointURI(), new ClientID(enterprise.idpClientId()), grant))
                .resource(resource);
        if (scope != null) {
            builder.scope(scope);
        }
        AccessToken issued = success(idp, builder).getTokens().getAccessToken();
        if (!ID_JAG.equals(issued.getIssuedTokenType())) {
            throw new McpAuthorizationException("The enterprise IdP " + idp.getIssuer() + " answered with a token of type "
                    + issued.getIssuedTokenType() + ", not an ID-JAG");
        }
        requireIdJagFor(issued.getValue(), as, enterprise.atTheAuthorizationServer().clientId(), resource);
        steps.accept("  -> an ID-JAG for " + as.getIssuer() + ", naming " + enterprise.atTheAuthorizationServer().clientId()
                + " and " + resource);
        return issued.getValue();
    }

    /**
     * What the client checks before it presents an ID-JAG (the IdP signed it; the authorization server verifies
     * the signature): its type, and that it is for this authorization server ({@code aud}, exactly), this client
     * there ({@code client_id}) and this resource, and not expired. The extension forbids leaking an ID-JAG to
     * anyone but its audience; an ID-JAG for another server or client is never sent on.
     */
    private void requireIdJagFor(String token, AuthorizationServerMetadata as, String clientId, URI resource) {
        JWTClaimsSet claims;
        try {
            SignedJWT idJag = SignedJWT.parse(token);
            if (idJag.getHeader().getType() == null || !ID_JAG_TYPE.equals(idJag.getHeader().getType().getType())) {
                throw new McpAuthorizationException("The enterprise IdP's ID-JAG has typ " + idJag.getHeader().getType()
                        + ", not " + ID_JAG_TYPE + ": not presented");
            }
            claims = idJag.getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw new McpAuthorizationException("The enterprise IdP's ID-JAG is not a signed JWT: not presented", e);
        }
        String issuer = as.getIssuer().getValue();
        if (!List.of(issuer).equals(claims.getAudience())) {
            throw new McpAuthorizationException("The enterprise IdP's ID-JAG is for aud " + claims.getAudience() + ", not "
                    + issuer + ": not presented");
        }
        Object namedClient = claims.getClaim("client_id");
        if (!clientId.equals(namedClient)) {
            throw new McpAuthorizationException("The enterprise IdP's ID-JAG names client_id " + namedClient + ", not "
                    + clientId + ": not presented");
        }
        Object namedResource = claims.getClaim("resource");
        if (namedResource != null && !resource.toString().equals(namedResource)) {
            throw new McpAuthorizationException("The enterprise IdP's ID-JAG is for resource " + namedResource + ", not "
                    + resource + ": not presented");
        }
        if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(clock.instant())) {
            throw new McpAuthorizationException("The enterprise IdP's ID-JAG has no exp or has expired: not presented");
        }
    }

    /**
     * Enterprise-Managed Authorization, step 2 at the MCP server's authorization server (RFC 7523 JWT bearer
     * grant): the ID-JAG as the assertion (it names the resource), this client authenticated as the ID-JAG's
     * {@code client_id}. A
     * refresh token in the answer is dropped: a new access token comes from a new ID-JAG, so the
     * enterprise's policy is asked again.
     */
    public TokenSet exchangeJwtBearerGrant(AuthorizationServerMetadata as, ClientCredentials credentials, String idJag,
            URI resource, Scope scope) {
        if (as.getGrantTypes() != null && !as.getGrantTypes().contains(GrantType.JWT_BEARER)) {
            throw new McpAuthorizationException("The authorization server " + as.getIssuer()
                    + " does not offer the JWT bearer grant (grant_types_supported: " + as.getGrantTypes() + ")");
        }
        steps.accept("Enterprise-Managed Authorization: RFC 7523 JWT bearer grant at " + as.getTokenEndpointURI()
                + " with the ID-JAG, as " + credentials.clientId() + " (" + credentials.method() + ")");
        JWTBearerGrant grant;
        try {
            grant = new JWTBearerGrant(SignedJWT.parse(idJag));
        } catch (java.text.ParseException e) {
            throw new McpAuthorizationException("The ID-JAG is not a signed JWT", e);
        }
        // No resource parameter: the ID-JAG names the resource, and the extension's token request carries none
        // (Keycloak 26.7 with resource indicators fails a JWT bearer grant that sends one: no refresh token to annotate).
        TokenRequest.Builder builder = new TokenRequest.Builder(as.getTokenEndpointURI(), credentials.authenticationFor(as),
                grant);
        if (scope != null) {
            builder.scope(scope);
        }
        TokenSet tokens = send(as, builder, resource, null, scope);
        return new TokenSet(tokens.resource(), tokens.issuer(), tokens.accessToken(), null, tokens.expiresAt(), tokens.scope());
    }
    // end::enterprise[]

    private TokenSet tokenRequest(AuthorizationServerMetadata as, RegisteredClient client, AuthorizationGrant grant,
            URI resource, TokenSet previous, Scope requestedScope) {
        TokenRequest.Builder builder = clientAuthentication(client)
                .map(auth -> new TokenRequest.Builder(as.getTokenEndpointURI(), auth, grant))
                .orElseGet(() -> new TokenRequest.Builder(as.getTokenEndpointURI(), new ClientID(client.clientId()), grant))
                .resource(resource);
        return send(as, builder, resource, previous, requestedScope);
    }

    private TokenSet send(AuthorizationServerMetadata as, TokenRequest.Builder builder, URI resource, TokenSet previous,
            Scope requestedScope) {
        Tokens tokens = success(as, builder).getTokens();
        AccessToken access = tokens.getAccessToken();
        RefreshToken refresh = tokens.getRefreshToken();
        Instant expiresAt = access.getLifetime() > 0 ? clock.instant().plusSeconds(access.getLifetime()) : null;
        String scope = access.getScope() != null ? access.getScope().toString()
                : previous != null ? previous.scope()
                : requestedScope != null ? requestedScope.toString() : null;
        return new TokenSet(resource.toString(), as.getIssuer().getValue(), access.getValue(),
                refresh != null ? refresh.getValue() : previous != null ? previous.refreshToken() : null,
                expiresAt, scope);
    }

    private static TokenTypeURI idJag() {
        try {
            return TokenTypeURI.parse("urn:ietf:params:oauth:token-type:id-jag");
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends the request; an OAuth error becomes a {@link TokenEndpointException}, anything unreadable an {@link McpAuthorizationException}. */
    private com.nimbusds.oauth2.sdk.AccessTokenResponse success(AuthorizationServerMetadata as, TokenRequest.Builder builder) {
        TokenResponse response;
        try {
            response = TokenResponse.parse(http.send(builder.build().toHTTPRequest()));
        } catch (ParseException e) {
            throw new McpAuthorizationException("Unreadable token response from " + as.getTokenEndpointURI(), e);
        }
        if (response instanceof TokenErrorResponse error && error.getErrorObject().getCode() == null) {
            // Not an OAuth answer (an outage, a proxy error page): nothing is known about the grant.
            throw new McpAuthorizationException("Token endpoint " + as.getTokenEndpointURI() + " answered HTTP "
                    + error.getErrorObject().getHTTPStatusCode() + " without an OAuth error");
        }
        if (response instanceof TokenErrorResponse error) {
            throw new TokenEndpointException(error.getErrorObject().getCode(),
                    "Token request refused by " + as.getIssuer() + ": " + OAuthHttp.describe(error.getErrorObject()));
        }
        return response.toSuccessResponse();
    }

    private static Optional<ClientAuthentication> clientAuthentication(RegisteredClient client) {
        ClientID id = new ClientID(client.clientId());
        if (client.clientSecret() == null || client.authMethod().equals(ClientAuthenticationMethod.NONE)) {
            return Optional.empty();
        }
        Secret secret = new Secret(client.clientSecret());
        return Optional.of(client.authMethod().equals(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                ? new ClientSecretPost(id, secret) : new ClientSecretBasic(id, secret));
    }
}
