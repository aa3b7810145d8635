package dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.server.authorization.OAuth2ClientRegistration;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientRegistrationAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientRegistrationAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientRegistrationAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.converter.OAuth2ClientRegistrationRegisteredClientConverter;
import org.springframework.stereotype.Component;

/**
 * What anonymous RFC 7591 registration accepts. Spring Authorization Server's default validator
 * refuses {@code javascript:} redirects but accepts plain {@code http://} to any host, any grant
 * type and secret-based clients, and refuses any {@code scope} (which MCP clients send). MCP
 * clients are public clients running code + PKCE, so that is all this proxy registers.
 */
@Component
public class ClientRegistrationPolicy {

    static final int MAX_REDIRECT_URIS = 10;
    static final int MAX_URI_LENGTH = 1000;
    static final int MAX_NAME_LENGTH = 200;
    private static final Set<String> GRANT_TYPES = Set.of("authorization_code", "refresh_token");

    private final ProxyProperties properties;
    private final JdbcTemplate jdbc;

    ClientRegistrationPolicy(ProxyProperties properties, JdbcTemplate jdbc) {
        this.properties = properties;
        this.jdbc = jdbc;
    }

    /** Spring's checks (no dangerous schemes, no fragments), then this proxy's. */
    public Consumer<OAuth2ClientRegistrationAuthenticationContext> validator() {
        return OAuth2ClientRegistrationAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR
                .andThen(OAuth2ClientRegistrationAuthenticationValidator.DEFAULT_JWK_SET_URI_VALIDATOR)
                .andThen(context -> check(((OAuth2ClientRegistrationAuthenticationToken) context.getAuthentication())
                        .getClientRegistration()));
    }

    /**
     * Public client, PKCE required, consent required, refresh tokens that rotate; a client that
     * asked for no scope gets the proxy's scopes (the MCP server names the base scope in its 401).
     */
    public OAuth2ClientRegistrationRegisteredClientConverter registeredClientConverter() {
        OAuth2ClientRegistrationRegisteredClientConverter converter = new OAuth2ClientRegistrationRegisteredClientConverter();
        converter.setTokenSettingsCustomizer(tokens -> tokens
                .reuseRefreshTokens(false)
                .accessTokenTimeToLive(properties.accessTokenLifetime())
                .refreshTokenTimeToLive(properties.refreshTokenLifetime())
                .authorizationCodeTimeToLive(Duration.ofMinutes(2)));
        return converter;
    }

    public RegisteredClient withDefaultScopes(RegisteredClient client) {
        if (!client.getScopes().isEmpty()) {
            return client;
        }
        return RegisteredClient.from(client).scopes(scopes -> scopes.addAll(properties.scopes())).build();
    }

    private void check(OAuth2ClientRegistration registration) {
        List<String> redirectUris = registration.getRedirectUris();
        if (redirectUris == null || redirectUris.isEmpty() || redirectUris.size() > MAX_REDIRECT_URIS) {
            throw refused("invalid_redirect_uri", "1 to " + MAX_REDIRECT_URIS + " redirect_uris are required");
        }
        for (String redirectUri : redirectUris) {
            if (!isHttpsOrLoopback(redirectUri)) {
                throw refused("invalid_redirect_uri",
                        "redirect_uris must be https, or http on a loopback address (RFC 8252): " + abbreviate(redirectUri));
            }
        }
        String method = registration.getTokenEndpointAuthenticationMethod();
        if (method != null && !method.equals("none")) {
            throw refused("invalid_client_metadata", "only public clients are registered: token_endpoint_auth_method must be none");
        }
        List<String> grantTypes = registration.getGrantTypes();
        if (grantTypes != null && !GRANT_TYPES.containsAll(grantTypes)) {
            throw refused("invalid_client_metadata", "grant_types may only be authorization_code and refresh_token");
        }
        List<String> responseTypes = registration.getResponseTypes();
        if (responseTypes != null && !responseTypes.stream().allMatch("code"::equals)) {
            throw refused("invalid_client_metadata", "response_types may only be code");
        }
        List<String> scopes = registration.getScopes();
        if (scopes != null && !properties.scopes().containsAll(scopes)) {
            throw refused("invalid_client_metadata", "scope may only contain " + String.join(" ", properties.scopes()));
        }
        String name = registration.getClientName();
        if (name != null && name.length() > MAX_NAME_LENGTH) {
            throw refused("invalid_client_metadata", "client_name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        Integer registered = jdbc.queryForObject("SELECT COUNT(*) FROM oauth2_registered_client", Integer.class);
        if (registered != null && registered >= properties.maxRegisteredClients()) {
            throw refused("invalid_client_metadata", "the proxy does not accept more registrations");
        }
    }

    static boolean isHttpsOrLoopback(String value) {
        if (value.length() > MAX_URI_LENGTH) {
            return false;
        }
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                return false;
            }
            if ("https".equals(uri.getScheme())) {
                return true;
            }
            String host = uri.getHost();
            return "http".equals(uri.getScheme())
                    && (host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("localhost"));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String abbreviate(String value) {
        return value.length() > 100 ? value.substring(0, 100) + "..." : value;
    }

    private static OAuth2AuthenticationException refused(String code, String description) {
        return new OAuth2AuthenticationException(new OAuth2Error(code, description, null));
    }
}
