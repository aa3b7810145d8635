package dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.AuthorizationServerDiscovery;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The user's one sign-in at the enterprise IdP (OpenID Connect, authorization code with PKCE and a nonce), and the
 * ID token the MCP client exchanges for ID-JAGs: {@link #get()} hands out the current one, renewed with the refresh
 * token when it is about to expire, so that the user signs in once a working day, not once per MCP server.
 *
 * <p>Every ID token is validated before it is kept (signature by the IdP's published key, {@code iss} exactly,
 * {@code aud} this client, {@code exp}, and the {@code nonce} of this sign-in), and the authorization response's
 * {@code state} and {@code iss} (RFC 9207) are checked. Tokens are held in memory only and never printed.
 */
public final class EnterpriseSignIn implements Supplier<String> {

    /** An ID token with less than this left is renewed before it is exchanged (the IdP refuses an expired one). */
    static final Duration RENEW_BEFORE = Duration.ofSeconds(60);

    private final AuthorizationServerMetadata idp;
    private final ClientCredentials credentials;
    private final IDTokenValidator validator;
    private final OAuthHttp http;
    private final Clock clock;
    private final Consumer<String> steps;
    private String idToken;
    private Instant idTokenExpires;
    private RefreshToken refreshToken;
    private String subject;
    private java.util.Date authTime;

    private EnterpriseSignIn(AuthorizationServerMetadata idp, ClientCredentials credentials, OAuthHttp http, Clock clock,
            Consumer<String> steps) {
        this.idp = idp;
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
        this.steps = steps;
        try {
            this.validator = new IDTokenValidator(idp.getIssuer(), new ClientID(credentials.clientId()), JWSAlgorithm.RS256,
                    idp.getJWKSetURI().toURL());
        } catch (MalformedURLException | NullPointerException e) {
            throw new McpAuthorizationException("The enterprise IdP " + idp.getIssuer() + " publishes no usable jwks_uri");
        }
    }

    /**
     * Signs the user in at the IdP {@code idpIssuer} through {@code userAgent} (the system browser on a desktop),
     * as the client {@code credentials} name (a confidential client there: the IdP authenticates it at every token
     * exchange).
     */
    public static EnterpriseSignIn signIn(URI idpIssuer, ClientCredentials credentials, AuthorizationUserAgent userAgent,
            Consumer<String> steps) {
        return signIn(idpIssuer, credentials, userAgent, steps, Clock.systemUTC());
    }

    /** The same, with the clock that decides when the ID token is renewed. */
    public static EnterpriseSignIn signIn(URI idpIssuer, ClientCredentials credentials, AuthorizationUserAgent userAgent,
            Consumer<String> steps, Clock clock) {
        OAuthHttp http = new OAuthHttp(false);
        AuthorizationServerMetadata idp = new AuthorizationServerDiscovery(http, steps).discover(idpIssuer);
        if (!credentials.appliesTo(idp.getIssuer().getValue())) {
            throw new McpAuthorizationException("The credentials are for " + credentials.issuer().orElse("?")
                    + ", not the enterprise IdP " + idp.getIssuer());
        }
        EnterpriseSignIn signIn = new EnterpriseSignIn(idp, credentials, http, clock, steps);
        signIn.authorize(userAgent);
        return signIn;
    }

    private void authorize(AuthorizationUserAgent userAgent) {
        CodeVerifier verifier = new CodeVerifier();
        State state = new State();
        Nonce nonce = new Nonce();
        AtomicReference<URI> sentRedirect = new AtomicReference<>();
        URI callback = userAgent.authorize(redirectUri -> {
            sentRedirect.set(redirectUri);
            URI url = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "profile"),
                    new ClientID(credentials.clientId()), redirectUri)
                    .endpointURI(idp.getAuthorizationEndpointURI())
                    .state(state)
                    .nonce(nonce)
                    .codeChallenge(verifier, CodeChallengeMethod.S256)
                    .build().toURI();
            steps.accept("OpenID Connect sign-in at the enterprise IdP: send the user to "
                    + OAuthHttp.withoutQuery(url) + " (client_id " + credentials.clientId() + ", PKCE S256, nonce)");
            return url;
        });
        AuthorizationCode code = checkResponse(callback, sentRedirect.get(), state);
        steps.accept("  -> code received; state and iss checked; redeeming it at " + idp.getTokenEndpointURI());
        keep(request(new AuthorizationCodeGrant(code, sentRedirect.get(), verifier)), nonce);
        steps.accept("  -> signed in: an ID token for " + credentials.clientId() + " until " + idTokenExpires
                + " (signature, iss, aud, exp and nonce checked), and a refresh token to renew it");
    }

    private AuthorizationCode checkResponse(URI callback, URI redirectUri, State state) {
        if (callback == null || !redirectUri.getScheme().equalsIgnoreCase(String.valueOf(callback.getScheme()))
                || !redirectUri.getHost().equalsIgnoreCase(String.valueOf(callback.getHost()))
                || redirectUri.getPort() != callback.getPort() || !redirectUri.getRawPath().equals(callback.getRawPath())) {
            throw new McpAuthorizationException("The sign-in response did not come back to " + redirectUri);
        }
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(callback);
        } catch (ParseException e) {
            throw new McpAuthorizationException("Unreadable sign-in response: " + e.getMessage(), e);
        }
        Issuer iss = response.getIssuer();
        if (iss == null && idp.supportsAuthorizationResponseIssuerParam()) {
            throw new McpAuthorizationException("The sign-in response lacks iss although the IdP announces it (RFC 9207)");
        }
        if (iss != null && !iss.equals(idp.getIssuer())) {
            throw new McpAuthorizationException("The sign-in response came from issuer " + iss + ", not " + idp.getIssuer()
                    + ": refused (RFC 9207 mix-up defence)");
        }
        if (!state.equals(response.getState())) {
            throw new McpAuthorizationException("The sign-in response's state does not match the request: refused");
        }
        if (response instanceof AuthenticationErrorResponse error) {
            throw new McpAuthorizationException("Sign-in refused by " + idp.getIssuer() + ": "
                    + OAuthHttp.describe(error.getErrorObject()));
        }
        return response.toSuccessResponse().getAuthorizationCode();
    }

    private OIDCTokenResponse request(AuthorizationGrant grant) {
        TokenRequest request = new TokenRequest.Builder(idp.getTokenEndpointURI(), credentials.authenticationFor(idp), grant)
                .build();
        TokenResponse response;
        try {
            response = OIDCTokenResponseParser.parse(http.send(request.toHTTPRequest()));
        } catch (ParseException e) {
            throw new McpAuthorizationException("Unreadable token response from the enterprise IdP: " + e.getMessage(), e);
        }
        if (!response.indicatesSuccess()) {
            throw new McpAuthorizationException("The enterprise IdP refused the token request: "
                    + OAuthHttp.describe(response.toErrorResponse().getErrorObject()));
        }
        return (OIDCTokenResponse) response.toSuccessResponse();
    }

    private void keep(OIDCTokenResponse response, Nonce nonce) {
        JWT token = response.getOIDCTokens().getIDToken();
        if (token == null) {
            throw new McpAuthorizationException("The enterprise IdP answered without an ID token");
        }
        IDTokenClaimsSet claims;
        try {
            claims = validator.validate(token, nonce);
        } catch (Exception e) {
            throw new McpAuthorizationException("The enterprise IdP's ID token is not valid: " + e.getMessage(), e);
        }
        // OpenID Connect Core §12.2: a renewed ID token is about the same user and the same sign-in.
        if (subject != null && !subject.equals(claims.getSubject().getValue())) {
            throw new McpAuthorizationException("The enterprise IdP renewed the ID token for another user: refused");
        }
        if (authTime != null && claims.getAuthenticationTime() != null && !authTime.equals(claims.getAuthenticationTime())) {
            throw new McpAuthorizationException("The enterprise IdP's renewed ID token has another auth_time: refused");
        }
        subject = claims.getSubject().getValue();
        if (authTime == null) {
            authTime = claims.getAuthenticationTime();
        }
        idToken = token.serialize();
        idTokenExpires = claims.getExpirationTime().toInstant();
        if (response.getOIDCTokens().getRefreshToken() != null) {
            refreshToken = response.getOIDCTokens().getRefreshToken();
        }
    }

    /** The ID token of the current sign-in, renewed first when less than a minute is left. */
    @Override
    public synchronized String get() {
        if (clock.instant().plus(RENEW_BEFORE).isBefore(idTokenExpires)) {
            return idToken;
        }
        if (refreshToken == null) {
            throw new McpAuthorizationException("The ID token has expired and there is no refresh token: sign in again");
        }
        steps.accept("The ID token expires at " + idTokenExpires + ": renewing it at " + idp.getTokenEndpointURI());
        keep(request(new RefreshTokenGrant(refreshToken)), null);
        return idToken;
    }

    /** The enterprise IdP's metadata, as discovered. */
    public AuthorizationServerMetadata idp() {
        return idp;
    }

    @Override
    public String toString() {
        return "EnterpriseSignIn[idp=" + idp.getIssuer() + ", client=" + credentials.clientId() + "]";
    }
}
