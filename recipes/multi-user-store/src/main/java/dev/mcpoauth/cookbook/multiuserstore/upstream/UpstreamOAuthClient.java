package dev.mcpoauth.cookbook.multiuserstore.upstream;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.TokenRevocationRequest;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.store.UpstreamTokens;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server as a confidential OAuth 2.1 client of the upstream authorization server: builds the
 * authorization request (code + PKCE S256, RFC 7636), redeems the code, refreshes (RFC 6749 section 6)
 * and revokes (RFC 7009), authenticating with {@code client_secret_basic}. The Nimbus OAuth 2.0 SDK
 * writes and parses the messages. Network errors and 5xx are retried ({@link RetryPolicy});
 * {@code invalid_grant} never is.
 */
@Singleton
public final class UpstreamOAuthClient {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamOAuthClient.class);

    private final UpstreamConfiguration upstream;
    private final ClientAuthentication clientAuthentication;
    private final URI redirectUri;
    private final RetryPolicy retry;
    private final Clock clock;

    /** @param clock when tokens were issued, so their expiry reads on the same clock {@link UpstreamAccess} checks */
    UpstreamOAuthClient(UpstreamConfiguration upstream, McpConfiguration mcp, Clock clock) {
        this.upstream = upstream;
        this.clock = clock;
        this.clientAuthentication = new ClientSecretBasic(new ClientID(upstream.clientId()), new Secret(upstream.clientSecret()));
        this.redirectUri = callbackUri(mcp);
        this.retry = RetryPolicy.of(upstream);
    }

    /** Where the upstream sends the browser back; registered exactly at the upstream. */
    public static URI callbackUri(McpConfiguration mcp) {
        return mcp.resource().resolve("/connect/callback");
    }

    public URI authorizationUrl(String state, CodeVerifier verifier) {
        return new AuthorizationRequest.Builder(ResponseType.CODE, new ClientID(upstream.clientId()))
                .endpointURI(upstream.authorizationEndpoint())
                .redirectionURI(redirectUri)
                .scope(Scope.parse(upstream.scope()))
                .state(new State(state))
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
    }

    /** Redeems an authorization code (RFC 6749 section 4.1.3, with the PKCE verifier). */
    public UpstreamTokens redeem(String code, CodeVerifier verifier) {
        return tokenRequest(new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, verifier), null);
    }

    // tag::refresh-request[]
    /**
     * Exchanges the refresh token. The upstream rotates it: the answer's refresh token replaces the
     * old one, which the upstream no longer accepts (OAuth 2.1 section 4.3.1).
     */
    UpstreamTokens refresh(String refreshToken) {
        return tokenRequest(new RefreshTokenGrant(new RefreshToken(refreshToken)), refreshToken);
    }

    private UpstreamTokens tokenRequest(AuthorizationGrant grant, String currentRefreshToken) {
        for (int attempt = 1; ; attempt++) {
            HTTPRequest request = new TokenRequest.Builder(upstream.tokenEndpoint(), clientAuthentication, grant)
                    .build().toHTTPRequest();
            request.setConnectTimeout((int) upstream.httpTimeout().toMillis());
            request.setReadTimeout((int) upstream.httpTimeout().toMillis());
            HTTPResponse response;
            try {
                response = request.send();
            } catch (IOException networkError) {
                retryOrGiveUp(attempt, "token endpoint unreachable: " + networkError.getClass().getSimpleName(), networkError);
                continue;
            }
            if (response.getStatusCode() >= 500) {
                retryOrGiveUp(attempt, "token endpoint answered " + response.getStatusCode(), null);
                continue;
            }
            TokenResponse parsed;
            try {
                parsed = TokenResponse.parse(response);
            } catch (ParseException unparseable) {
                throw new UpstreamUnavailableException("Unparseable token response (HTTP " + response.getStatusCode() + ")", null);
            }
            if (!parsed.indicatesSuccess()) {
                ErrorObject error = parsed.toErrorResponse().getErrorObject();
                if (OAuth2Error.INVALID_GRANT.getCode().equals(error.getCode())) {
                    throw new InvalidGrantException(error.getDescription()); // never retried: the grant is gone
                }
                throw new UpstreamUnavailableException("Token request refused: " + error.getCode(), null);
            }
            return toUpstreamTokens(parsed.toSuccessResponse().getTokens(), currentRefreshToken);
        }
    }
    // end::refresh-request[]

    private void retryOrGiveUp(int attempt, String reason, Throwable cause) {
        if (attempt >= retry.maxAttempts()) {
            throw new UpstreamUnavailableException("Upstream authorization server unavailable after " + attempt
                    + " attempts (" + reason + ")", cause);
        }
        LOG.info("Upstream token request attempt {} failed ({}); retrying", attempt, reason);
        retry.pauseBeforeRetry(attempt);
    }

    private UpstreamTokens toUpstreamTokens(Tokens tokens, String currentRefreshToken) {
        AccessToken access = tokens.getAccessToken();
        RefreshToken refresh = tokens.getRefreshToken();
        long lifetime = access.getLifetime() > 0 ? access.getLifetime() : 300;
        // RFC 6749 section 6: without a new refresh token in the answer, the current one stays valid.
        String refreshToken = refresh != null ? refresh.getValue() : currentRefreshToken;
        return new UpstreamTokens(access.getValue(), refreshToken, Instant.now(clock).plusSeconds(lifetime));
    }

    /**
     * RFC 7009: asks the upstream to revoke the refresh token (and with it, at Keycloak, the grant's
     * session). Best effort: returns false when the upstream could not be reached or refused.
     */
    public boolean revoke(String refreshToken) {
        HTTPRequest request = new TokenRevocationRequest(upstream.revocationEndpoint(), clientAuthentication,
                new RefreshToken(refreshToken)).toHTTPRequest();
        request.setConnectTimeout((int) upstream.httpTimeout().toMillis());
        request.setReadTimeout((int) upstream.httpTimeout().toMillis());
        try {
            int status = request.send().getStatusCode();
            if (status != 200) {
                LOG.warn("Upstream revocation answered {}", status);
            }
            return status == 200;
        } catch (IOException e) {
            LOG.warn("Upstream revocation failed: {}", e.getClass().getSimpleName());
            return false;
        }
    }
}
