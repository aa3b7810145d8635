package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.PublicUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2RefreshTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.stereotype.Component;

/**
 * RFC 8707 resource indicators, which Spring Authorization Server does not implement for the
 * code and refresh grants. The authorization request's {@code resource} must be this proxy's MCP
 * server (the only resource it issues tokens for); the token request must repeat the same value;
 * and the access token's {@code aud} is that resource alone. Clients written against the
 * 2025-03-26 spec that send no {@code resource} still get a token for the MCP server, its only audience.
 */
@Component
class ResourceIndicators {

    static final String RESOURCE = "resource";
    private static final String RFC_8707 = "https://www.rfc-editor.org/rfc/rfc8707#section-2";

    private final PublicUrls urls;

    ResourceIndicators(PublicUrls urls) {
        this.urls = urls;
    }

    /** At the authorization endpoint: an unknown resource goes back to the client as {@code invalid_target}. */
    Consumer<OAuth2AuthorizationCodeRequestAuthenticationContext> authorizationRequestValidator() {
        return context -> {
            OAuth2AuthorizationCodeRequestAuthenticationToken request = context.getAuthentication();
            Object resource = request.getAdditionalParameters().get(RESOURCE);
            if (resource != null && !urls.mcpResource().equals(resource)) {
                throw new OAuth2AuthorizationCodeRequestAuthenticationException(new OAuth2Error("invalid_target",
                        "This authorization server issues tokens for " + urls.mcpResource() + " only", RFC_8707), request);
            }
        };
    }

    /** At the token endpoint: the same resource as authorized, and {@code aud} = that resource. */
    OAuth2TokenCustomizer<JwtEncodingContext> accessTokenAudience() {
        return context -> {
            if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType()) || context.getAuthorization() == null) {
                return;
            }
            OAuth2AuthorizationRequest authorized = context.getAuthorization().getAttribute(OAuth2AuthorizationRequest.class.getName());
            Object authorizedResource = authorized == null ? null : authorized.getAdditionalParameters().get(RESOURCE);
            Object requested = requestedResource(context.getAuthorizationGrant());
            if (requested != null && !requested.equals(authorizedResource == null ? urls.mcpResource() : authorizedResource)) {
                // The code or refresh token stays valid: the client may retry with the right resource.
                throw new OAuth2AuthenticationException(new OAuth2Error("invalid_target",
                        "resource differs from the one authorized", RFC_8707));
            }
            // A mutable list: the claims are serialized into the authorization's row, and an
            // immutable List.of(..) does not deserialize from there.
            context.getClaims().audience(new ArrayList<>(List.of(urls.mcpResource())));
        };
    }

    private static Object requestedResource(Authentication grant) {
        if (grant instanceof OAuth2AuthorizationCodeAuthenticationToken code) {
            return code.getAdditionalParameters().get(RESOURCE);
        }
        if (grant instanceof OAuth2RefreshTokenAuthenticationToken refresh) {
            return refresh.getAdditionalParameters().get(RESOURCE);
        }
        return null;
    }
}
