package dev.mcpoauth.cookbook.testkit.oauth;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * Gets tokens from an authorization server (a Keycloak realm) the way an MCP client must (MCP authorization spec, OAuth 2.1):
 * authorization code with PKCE S256, {@code state}, and the RFC 8707 {@code resource} parameter on
 * both the authorization and the token request. The person's part is played by a
 * {@link HeadlessUserAgent} on Keycloak's real login page; the protocol messages are built and
 * parsed by the Nimbus OAuth 2.0 SDK.
 *
 * <pre>{@code
 * Tokens tokens = AuthorizationCodeFlow.with(realm, "mcp-demo-client")
 *         .scope("mcp:tools")
 *         .resource(URI.create("http://localhost:8080/mcp"))
 *         .run(agent, new UserCredentials("alice", "alice"));
 * }</pre>
 */
public final class AuthorizationCodeFlow {

    private final URI issuer;
    private final URI authorizationEndpoint;
    private final URI tokenEndpoint;
    private final ClientID clientId;
    private Scope scope;
    private URI resource;
    private URI redirectUri;

    private AuthorizationCodeFlow(URI issuer, URI authorizationEndpoint, URI tokenEndpoint, String clientId) {
        this.issuer = issuer;
        this.authorizationEndpoint = authorizationEndpoint;
        this.tokenEndpoint = tokenEndpoint;
        this.clientId = new ClientID(clientId);
    }

    public static AuthorizationCodeFlow with(Realm realm, String publicClientId) {
        return new AuthorizationCodeFlow(realm.issuer(), realm.authorizationEndpoint(), realm.tokenEndpoint(), publicClientId);
    }

    /** With endpoints taken from the authorization server's metadata (RFC 8414). */
    public static AuthorizationCodeFlow with(URI issuer, URI authorizationEndpoint, URI tokenEndpoint, String publicClientId) {
        return new AuthorizationCodeFlow(issuer, authorizationEndpoint, tokenEndpoint, publicClientId);
    }

    public AuthorizationCodeFlow scope(String... scopes) {
        this.scope = new Scope(scopes);
        return this;
    }

    /** RFC 8707 resource indicator: the canonical URL of the MCP server the token is for. */
    public AuthorizationCodeFlow resource(URI resource) {
        this.resource = resource;
        return this;
    }

    /**
     * This exact redirect URI instead of a loopback one on a free port: for a client whose metadata
     * lists its redirect URIs (a Client ID Metadata Document), which Keycloak matches exactly, port included.
     */
    public AuthorizationCodeFlow redirectUri(URI redirectUri) {
        this.redirectUri = redirectUri;
        return this;
    }

    public Tokens run(HeadlessUserAgent agent, UserCredentials user) {
        // RFC 8252 section 7.3: a loopback redirect URI; Keycloak accepts any port for it.
        URI redirectUri = this.redirectUri != null ? this.redirectUri
                : URI.create("http://127.0.0.1:" + FreePort.find() + "/callback");
        CodeVerifier verifier = new CodeVerifier();
        State state = new State();
        AuthorizationRequest.Builder request = new AuthorizationRequest.Builder(ResponseType.CODE, clientId)
                .endpointURI(authorizationEndpoint)
                .redirectionURI(redirectUri)
                .state(state)
                .codeChallenge(verifier, CodeChallengeMethod.S256);
        if (scope != null) {
            request.scope(scope);
        }
        if (resource != null) {
            request.resource(resource);
        }

        URI callback = agent.authorize(request.build().toURI(), redirectUri.toString(), user);

        AuthorizationCode code = codeFrom(callback, state);
        TokenRequest.Builder tokenRequest = new TokenRequest.Builder(tokenEndpoint, clientId,
                new AuthorizationCodeGrant(code, redirectUri, verifier));
        if (resource != null) {
            tokenRequest.resources(resource);
        }
        try {
            TokenResponse response = TokenResponse.parse(tokenRequest.build().toHTTPRequest().send());
            if (!response.indicatesSuccess()) {
                TokenErrorResponse error = response.toErrorResponse();
                throw new IllegalStateException("Token request refused: " + error.getErrorObject().getCode()
                        + " " + error.getErrorObject().getDescription());
            }
            AccessToken accessToken = response.toSuccessResponse().getTokens().getAccessToken();
            RefreshToken refreshToken = response.toSuccessResponse().getTokens().getRefreshToken();
            return new Tokens(accessToken.getValue(), refreshToken == null ? null : refreshToken.getValue(),
                    accessToken.getScope() == null ? List.of() : accessToken.getScope().toStringList());
        } catch (IOException | ParseException e) {
            throw new IllegalStateException("Token request to " + tokenEndpoint + " failed", e);
        }
    }

    /** Checks {@code state} (CSRF) and RFC 9207 {@code iss} (mix-up) before trusting the code. */
    private AuthorizationCode codeFrom(URI callback, State expectedState) {
        AuthorizationResponse response;
        try {
            response = AuthorizationResponse.parse(callback);
        } catch (ParseException e) {
            throw new IllegalStateException("Unparseable authorization response: " + e.getMessage(), e);
        }
        if (!expectedState.equals(response.getState())) {
            throw new IllegalStateException("Authorization response state does not match the request");
        }
        Issuer sentIssuer = response.getIssuer();
        if (sentIssuer != null && !sentIssuer.getValue().equals(issuer.toString())) {
            throw new IllegalStateException("Authorization response iss " + sentIssuer + " is not " + issuer);
        }
        if (!response.indicatesSuccess()) {
            AuthorizationErrorResponse error = response.toErrorResponse();
            throw new IllegalStateException("Authorization refused: " + error.getErrorObject().getCode()
                    + " " + error.getErrorObject().getDescription());
        }
        return response.toSuccessResponse().getAuthorizationCode();
    }

    /** What the token endpoint returned. {@link #toString()} never shows token values. */
    public record Tokens(String accessToken, String refreshToken, List<String> scopes) {

        @Override
        public String toString() {
            return "Tokens[scopes=" + scopes + ", refreshToken=" + (refreshToken != null ? "present" : "absent") + "]";
        }
    }
}
