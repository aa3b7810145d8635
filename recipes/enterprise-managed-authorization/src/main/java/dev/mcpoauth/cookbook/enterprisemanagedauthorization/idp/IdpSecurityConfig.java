package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagExchangeProvider;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagIssuer;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagRefusalAudit;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagRequestConverter;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagResponseHandler;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy.EnterprisePolicy;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.InMemoryOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.config.annotation.web.configuration.OAuth2AuthorizationServerConfiguration;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenExchangeAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2TokenExchangeAuthenticationConverter;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Spring Authorization Server as the enterprise IdP: OpenID Connect sign-in (authorization code + PKCE, form login,
 * no consent page: the apps are the company's own), and token exchange that issues ID-JAGs only. The ID-JAG is
 * plugged into the token endpoint's extension points (a request converter, an authentication provider, a response
 * handler), replacing Spring's own token exchange (access token for access token), which this IdP does not offer.
 * Signing out (RP-initiated logout) ends the stored sign-in too ({@link SignOut}), and refusals the ID-JAG provider
 * never sees are audited ({@link IdJagRefusalAudit}).
 */
@Configuration
class IdpSecurityConfig {

    /** Loopback redirect, any port (RFC 8252 §7.3; Spring Authorization Server ignores the port for loopback IPs). */
    static final String LOOPBACK_REDIRECT = "http://127.0.0.1/callback";

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http, OAuth2AuthorizationService signIns,
            UserDetailsService directory, EnterprisePolicy policy, IdJagIssuer issuer, AuditLog audit) throws Exception {
        IdJagExchangeProvider idJags = new IdJagExchangeProvider(signIns, directory, policy, issuer, audit);
        http.oauth2AuthorizationServer(server -> {
            http.securityMatcher(server.getEndpointsMatcher());
            server
                .oidc(oidc -> oidc.logoutEndpoint(logout -> logout.logoutResponseHandler(new SignOut(signIns, audit))))
                .clientAuthentication(clients -> clients.errorResponseHandler(IdJagRefusalAudit.clientAuthentication(audit)))
                .tokenEndpoint(token -> token
                    .accessTokenRequestConverters(converters -> {
                        converters.removeIf(OAuth2TokenExchangeAuthenticationConverter.class::isInstance);
                        converters.add(0, new IdJagRequestConverter());
                    })
                    .authenticationProviders(providers -> {
                        providers.removeIf(OAuth2TokenExchangeAuthenticationProvider.class::isInstance);
                        providers.add(0, idJags);
                    })
                    .accessTokenResponseHandler(new IdJagResponseHandler())
                    .errorResponseHandler(IdJagRefusalAudit.tokenEndpoint(audit)));
        });
        http
            .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
            // A user who is not signed in goes to the sign-in form first.
            .exceptionHandling(exceptions -> exceptions.defaultAuthenticationEntryPointFor(
                new LoginUrlAuthenticationEntryPoint("/login"),
                PathPatternRequestMatcher.withDefaults().matcher("/oauth2/authorize")))
            // OpenID Connect UserInfo takes the IdP's own access tokens.
            .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()));
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain signInChain(HttpSecurity http) throws Exception {
        http
            .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
            .formLogin(Customizer.withDefaults());
        return http.build();
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(EnterpriseIdpProperties properties) {
        return AuthorizationServerSettings.builder().issuer(properties.issuer().toString()).build();
    }

    /** The company's MCP client applications: confidential clients that sign users in and exchange ID tokens. */
    @Bean
    RegisteredClientRepository registeredClients(EnterpriseIdpProperties properties) {
        List<RegisteredClient> clients = properties.clients().stream().map(client -> RegisteredClient
                .withId(client.clientId())
                .clientId(client.clientId())
                .clientSecret(client.clientSecret())
                .clientName(client.name())
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                // The MCP TypeScript SDK's ID-JAG request (requestJwtAuthorizationGrant) sends the secret in the body.
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .authorizationGrantType(AuthorizationGrantType.TOKEN_EXCHANGE)
                .redirectUri(LOOPBACK_REDIRECT)
                .scope(OidcScopes.OPENID)
                .scope(OidcScopes.PROFILE)
                .clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(false).build())
                .tokenSettings(TokenSettings.builder()
                    .accessTokenTimeToLive(Duration.ofMinutes(5))
                    .refreshTokenTimeToLive(Duration.ofHours(8))
                    .reuseRefreshTokens(false)
                    .build())
                .build()).toList();
        return new InMemoryRegisteredClientRepository(clients);
    }

    /** The directory. Demo: in memory, from the configuration; in production your LDAP or user store. */
    @Bean
    UserDetailsService directory(EnterpriseIdpProperties properties) {
        List<UserDetails> users = properties.users().stream().map(user -> User.withUsername(user.username())
                .password(user.password())
                .authorities(user.groups().stream().map(group -> IdJagExchangeProvider.GROUP_PREFIX + group).toArray(String[]::new))
                .disabled(!user.enabled())
                .build()).toList();
        return new InMemoryUserDetailsManager(users);
    }

    /**
     * The sign-ins (authorization code, ID token, refresh token per user and client), which the ID-JAG exchange looks
     * its subject token up in. In memory: one instance only; several behind a load balancer share a
     * {@code JdbcOAuth2AuthorizationService}.
     */
    @Bean
    OAuth2AuthorizationService signIns() {
        return new InMemoryOAuth2AuthorizationService();
    }

    @Bean
    JwtEncoder jwtEncoder(JWKSource<SecurityContext> keys) {
        return new NimbusJwtEncoder(keys);
    }

    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> keys) {
        return OAuth2AuthorizationServerConfiguration.jwtDecoder(keys);
    }
}
