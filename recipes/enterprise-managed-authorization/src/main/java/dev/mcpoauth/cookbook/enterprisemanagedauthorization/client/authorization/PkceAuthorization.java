package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.RegisteredClient;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenEndpoint;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenSet;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The authorization-code grant with PKCE (OAuth 2.1 §4.1, RFC 7636 S256): the authorization request
 * with the RFC 8707 {@code resource} parameter, sent through the user agent; {@code state} and the
 * RFC 9207 {@code iss} checked on the response; the code redeemed at the {@link TokenEndpoint}
 * with the verifier and the same {@code resource}.
 */
public final class PkceAuthorization {

    private final TokenEndpoint tokenEndpoint;
    private final Consumer<String> steps;

    /** {@code steps} receives one line per step, for the walk-through. */
    public PkceAuthorization(TokenEndpoint tokenEndpoint, Consumer<String> steps) {
        this.tokenEndpoint = tokenEndpoint;
        this.steps = steps;
    }

    public TokenSet authorize(AuthorizationServerMetadata as, RegisteredClient client, URI resource, Scope scope,
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
            steps.accept("OAuth 2.1 + PKCE: send the user to " + OAuthHttp.withoutQuery(url) + " (client_id "
                    + client.clientId() + ", S256 challenge, resource " + resource
                    + (scope == null ? ", no scope" : ", scope \"" + scope + "\"") + ")");
            return url;
        });
        AuthorizationCode code = checkResponse(as, sentRedirect.get(), callback, state);
        steps.accept("  -> code received; state and iss checked; exchanging it at " + as.getTokenEndpointURI());
        TokenSet tokens = tokenEndpoint.redeem(as, client, code, sentRedirect.get(), verifier, resource, scope);
        steps.accept("  -> tokens for " + resource + " (scope \"" + tokens.scope() + "\", expires "
                + tokens.expiresAt() + ", refresh token " + (tokens.refreshToken() == null ? "none" : "issued") + ")");
        return tokens;
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
                    + OAuthHttp.describe(error.getErrorObject()));
        }
        return response.toSuccessResponse().getAuthorizationCode();
    }

    private static boolean sameEndpoint(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort() && a.getRawPath().equals(b.getRawPath());
    }
}
