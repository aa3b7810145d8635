package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration.ClientRegistrationPolicy;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.Base64;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.keygen.Base64StringKeyGenerator;
import org.springframework.security.crypto.keygen.StringKeyGenerator;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.core.endpoint.PkceParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Refresh tokens for public clients. Spring Authorization Server issues none to a client without a
 * secret (a browser-era rule), but OAuth 2.1 allows them when they rotate, and MCP clients need
 * them: the proxy's access tokens are short and GitHub is not asked again every few minutes.
 * Three parts: a generator that issues them, and client authentication by {@code client_id}
 * alone for the refresh and revocation requests of a client registered with method {@code none}.
 * Rotation itself ({@code reuseRefreshTokens=false}) and reuse detection live elsewhere
 * ({@link ClientRegistrationPolicy}, {@link GrantStore}).
 */
final class PublicClientRefresh {

    private PublicClientRefresh() {
    }

    /** Issues a refresh token to any client allowed the refresh_token grant. */
    static final class RefreshTokenGenerator implements OAuth2TokenGenerator<OAuth2RefreshToken> {

        private final StringKeyGenerator values = new Base64StringKeyGenerator(Base64.getUrlEncoder().withoutPadding(), 64);

        @Override
        public OAuth2RefreshToken generate(OAuth2TokenContext context) {
            if (!OAuth2TokenType.REFRESH_TOKEN.equals(context.getTokenType())
                    || !context.getRegisteredClient().getAuthorizationGrantTypes().contains(AuthorizationGrantType.REFRESH_TOKEN)) {
                return null;
            }
            Instant now = Instant.now();
            return new OAuth2RefreshToken(values.generateKey(), now,
                    now.plus(context.getRegisteredClient().getTokenSettings().getRefreshTokenTimeToLive()));
        }
    }

    /** A refresh or revocation request that names a client and carries no credential of any kind. */
    static final class ClientIdOnlyConverter implements AuthenticationConverter {

        @Override
        public Authentication convert(HttpServletRequest request) {
            if (!"POST".equals(request.getMethod()) || request.getHeader("Authorization") != null
                    || request.getParameter("client_secret") != null || request.getParameter("client_assertion") != null) {
                return null;
            }
            boolean refresh = request.getRequestURI().endsWith("/oauth2/token")
                    && "refresh_token".equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE));
            boolean revoke = request.getRequestURI().endsWith("/oauth2/revoke");
            String[] clientIds = request.getParameterValues(OAuth2ParameterNames.CLIENT_ID);
            if (!(refresh || revoke) || clientIds == null) {
                return null;
            }
            if (clientIds.length != 1 || clientIds[0].isBlank()) {
                throw new OAuth2AuthenticationException(OAuth2ErrorCodes.INVALID_REQUEST);
            }
            return new OAuth2ClientAuthenticationToken(clientIds[0], ClientAuthenticationMethod.NONE, null, null);
        }
    }

    /** Accepts such a request only for a client registered as public. */
    static final class ClientIdOnlyProvider implements AuthenticationProvider {

        private final RegisteredClientRepository clients;

        ClientIdOnlyProvider(RegisteredClientRepository clients) {
            this.clients = clients;
        }

        @Override
        public Authentication authenticate(Authentication authentication) {
            OAuth2ClientAuthenticationToken request = (OAuth2ClientAuthenticationToken) authentication;
            if (!ClientAuthenticationMethod.NONE.equals(request.getClientAuthenticationMethod())
                    || request.getAdditionalParameters().containsKey(PkceParameterNames.CODE_VERIFIER)) {
                return null; // a code exchange with PKCE: Spring's own PublicClientAuthenticationProvider handles it
            }
            RegisteredClient client = clients.findByClientId((String) request.getPrincipal());
            if (client == null || !client.getClientAuthenticationMethods().contains(ClientAuthenticationMethod.NONE)) {
                throw new OAuth2AuthenticationException(OAuth2ErrorCodes.INVALID_CLIENT);
            }
            return new OAuth2ClientAuthenticationToken(client, ClientAuthenticationMethod.NONE, null);
        }

        @Override
        public boolean supports(Class<?> authentication) {
            return OAuth2ClientAuthenticationToken.class.isAssignableFrom(authentication);
        }
    }
}
