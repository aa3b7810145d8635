package dev.mcpoauth.cookbook.keycloakdcr;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
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
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The authorization-code grant with PKCE (OAuth 2.1 §4.1, RFC 7636 S256), the RFC 8707
 * {@code resource} parameter on both requests, {@code state} and the RFC 9207 {@code iss} check on
 * the response; and the refresh-token grant (OAuth 2.1 §4.3), which sends {@code resource} too.
 */
final class PkceAuthorization {

    private final OAuthHttp http;
    private final McpOAuthListener listener;
    private final Clock clock;

    PkceAuthorization(OAuthHttp http, McpOAuthListener listener, Clock clock) {
        this.http = http;
        this.listener = listener;
        this.clock = clock;
    }

    TokenSet authorize(AuthorizationServerMetadata as, RegisteredClient client, URI resource, Scope scope,
            AuthorizationUserAgent userAgent) {
        CodeVerifier verifier = new CodeVerifier();
        State state = new State();
        AtomicReference<URI> sentRedirect = new AtomicReference<>();
        URI callback = userAgent.authorize(redirectUri -> {
            sentRedirect.set(redirectUri);
            AuthorizationRequest.Builder request = new AuthorizationRequest.Builder(ResponseType.CODE,
                    new ClientID(client.clientId()))
                    .endpointURI(as.getAuthorizationEndpointURI())
                    .redirectionURI(redirectUri)
                    .state(state)
                    .codeChallenge(verifier, CodeChallengeMethod.S256)
                    .resource(resource);
            if (scope != null) {
                request.scope(scope);
            }
            URI url = request.build().toURI();
            listener.onStep("OAuth 2.1 + PKCE: send the user to " + OAuthHttp.withoutQuery(url) + " (client_id "
                    + client.clientId() + ", S256 challenge, resource " + resource
                    + (scope == null ? ", no scope" : ", scope \"" + scope + "\"") + ")");
            return url;
        });
        AuthorizationCode code = checkResponse(as, sentRedirect.get(), callback, state);
        listener.onStep("  -> code received; state and iss checked; exchanging it at " + as.getTokenEndpointURI());
        TokenSet tokens = tokenRequest(as, client, new AuthorizationCodeGrant(code, sentRedirect.get(), verifier),
                resource, null, scope);
        listener.onStep("  -> tokens for " + resource + " (scope \"" + tokens.scope() + "\", expires "
                + tokens.expiresAt() + ", refresh token " + (tokens.refreshToken() == null ? "none" : "issued") + ")");
        return tokens;
    }

    /** OAuth 2.1 §4.3; with rotation the answer carries a new refresh token, else the old one stays. */
    TokenSet refresh(AuthorizationServerMetadata as, RegisteredClient client, TokenSet current) {
        listener.onStep("Refresh: refresh-token grant at " + as.getTokenEndpointURI());
        return tokenRequest(as, client, new RefreshTokenGrant(new RefreshToken(current.refreshToken())),
                URI.create(current.resource()), current, null);
    }

    private AuthorizationCode checkResponse(AuthorizationServerMetadata as, URI redirectUri, URI callback, State state) {
        if (!sameEndpoint(callback, redirectUri)) {
            throw new McpAuthorizationException("The authorization response did not come back to " + redirectUri);
        }
        AuthorizationResponse response;
        try {
            response = AuthorizationResponse.parse(callback);
        } catch (ParseException e) {
            throw new McpAuthorizationException("Unreadable authorization response: " + e.getMessage(), e);
        }
        // tag::iss-and-state[]
        // RFC 9207 §2.4: compare iss exactly, before anything else in the response is trusted;
        // required when the server says it sends it (mix-up attack defence).
        Issuer iss = response.getIssuer();
        if (iss == null && as.supportsAuthorizationResponseIssuerParam()) {
            throw new McpAuthorizationException("The authorization response lacks iss although "
                    + as.getIssuer() + " announces authorization_response_iss_parameter_supported (RFC 9207)");
        }
        if (iss != null && !iss.equals(as.getIssuer())) {
            throw new McpAuthorizationException("The authorization response came from issuer " + iss.getValue()
                    + ", not " + as.getIssuer() + ": refused (RFC 9207 mix-up defence)");
        }
        if (!state.equals(response.getState())) {
            throw new McpAuthorizationException("The authorization response's state does not match the request: refused");
        }
        // end::iss-and-state[]
        if (response instanceof AuthorizationErrorResponse error) {
            throw new McpAuthorizationException("Authorization refused by " + as.getIssuer() + ": "
                    + ClientRegistrar.describe(error.getErrorObject()));
        }
        return response.toSuccessResponse().getAuthorizationCode();
    }

    private TokenSet tokenRequest(AuthorizationServerMetadata as, RegisteredClient client, AuthorizationGrant grant,
            URI resource, TokenSet previous, Scope requestedScope) {
        TokenRequest.Builder builder = clientAuthentication(client)
                .map(auth -> new TokenRequest.Builder(as.getTokenEndpointURI(), auth, grant))
                .orElseGet(() -> new TokenRequest.Builder(as.getTokenEndpointURI(), new ClientID(client.clientId()), grant))
                .resource(resource);
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
                    "Token request refused by " + as.getIssuer() + ": " + ClientRegistrar.describe(error.getErrorObject()));
        }
        Tokens tokens = response.toSuccessResponse().getTokens();
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

    private static java.util.Optional<ClientAuthentication> clientAuthentication(RegisteredClient client) {
        ClientID id = new ClientID(client.clientId());
        if (client.clientSecret() == null || client.authMethod().equals(ClientAuthenticationMethod.NONE)) {
            return java.util.Optional.empty();
        }
        Secret secret = new Secret(client.clientSecret());
        return java.util.Optional.of(client.authMethod().equals(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                ? new ClientSecretPost(id, secret) : new ClientSecretBasic(id, secret));
    }

    private static boolean sameEndpoint(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort() && a.getRawPath().equals(b.getRawPath());
    }
}
