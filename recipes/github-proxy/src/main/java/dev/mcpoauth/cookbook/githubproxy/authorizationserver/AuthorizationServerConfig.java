package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration.ClientMetadataDocuments;
import dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration.ClientRegistrationPolicy;
import dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration.RegistrationSizeLimit;
import dev.mcpoauth.cookbook.githubproxy.consent.ConsentCsrfFilter;
import dev.mcpoauth.cookbook.githubproxy.consent.ConsentPage;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubAccess;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.JdbcOAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsentService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationValidator;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationConsentAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientRegistrationAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2TokenRevocationAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.JdbcRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2ErrorAuthenticationFailureHandler;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * The authorization server MCP clients see: Spring Authorization Server with what the MCP
 * authorization spec needs on top (open registration for public clients, refresh tokens for them
 * with rotation and reuse detection, RFC 8707, Client ID Metadata Documents, per-client consent),
 * and GitHub as the way users sign in.
 */
@Configuration
class AuthorizationServerConfig {

    // tag::authorization-server-chain[]
    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http, RegisteredClientRepository clients,
            ClientRegistrationPolicy registrationPolicy, ResourceIndicators resourceIndicators,
            ProxyProperties properties, GrantStore grants, AuditLog audit, RateLimitBuckets rateLimits) throws Exception {
        IssuerInAuthorizationResponse issuerInResponses = new IssuerInAuthorizationResponse();
        http.oauth2AuthorizationServer(server -> {
            // Spring's endpoint matchers take POST (or GET) only; a browser's CORS preflight (OPTIONS) would
            // otherwise fall through to the sign-in chain and get a redirect to GitHub instead of CORS headers.
            http.securityMatcher(new OrRequestMatcher(server.getEndpointsMatcher(), preflightsTo(PUBLIC_CORS_PATHS)));
            server
                // RFC 7591, anonymous: public clients only, checked by ClientRegistrationPolicy.
                .clientRegistrationEndpoint(registration -> registration
                    .openRegistrationAllowed(true)
                    .authenticationProviders(providers -> providers.forEach(provider -> {
                        if (provider instanceof OAuth2ClientRegistrationAuthenticationProvider registrations) {
                            registrations.setAuthenticationValidator(registrationPolicy.validator());
                            var converter = registrationPolicy.registeredClientConverter();
                            registrations.setRegisteredClientConverter(request -> {
                                var client = registrationPolicy.withDefaultScopes(converter.convert(request));
                                audit.record("client_registered", client.getClientId(), null, "ok",
                                        Map.of("client_name", client.getClientName()));
                                return client;
                            });
                        }
                    }))
                    .errorResponseHandler(refused(audit, "client_registered")))
                .authorizationEndpoint(authorization -> authorization
                    .consentPage(ConsentPage.PATH)
                    .authorizationResponseHandler(issuerInResponses)
                    .errorResponseHandler(issuerInResponses)
                    .authenticationProviders(providers -> providers.forEach(provider -> {
                        if (provider instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider requests) {
                            requests.setAuthorizationConsentRequired(ConsentPage::required);
                            requests.setAuthenticationValidator(
                                    OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_REDIRECT_URI_VALIDATOR
                                        .andThen(OAuth2AuthorizationCodeRequestAuthenticationValidator.DEFAULT_SCOPE_VALIDATOR)
                                        .andThen(resourceIndicators.authorizationRequestValidator()));
                        }
                        if (provider instanceof OAuth2AuthorizationConsentAuthenticationProvider consents) {
                            consents.setAuthorizationConsentCustomizer(context -> recordConsent(context, audit));
                        }
                    })))
                // Refresh and revocation by public clients: client_id, no secret (see PublicClientRefresh).
                .clientAuthentication(authentication -> authentication
                    .authenticationConverter(new PublicClientRefresh.ClientIdOnlyConverter())
                    .authenticationProvider(new PublicClientRefresh.ClientIdOnlyProvider(clients)))
                .tokenEndpoint(token -> token
                    .accessTokenResponseHandler(tokenIssued(audit, grants))
                    .errorResponseHandler(tokenRefused(audit)))
                .tokenRevocationEndpoint(revocation -> revocation.revocationResponseHandler((request, response, result) -> {
                    audit.record("token_revoked", ((OAuth2TokenRevocationAuthenticationToken) result).getName(), null, "ok");
                    response.setStatus(200);
                }))
                .authorizationServerMetadataEndpoint(metadata -> metadata.authorizationServerMetadataCustomizer(document -> {
                    document
                        // Registration accepts public clients only, so that is all the metadata promises.
                        .tokenEndpointAuthenticationMethods(methods -> { methods.clear(); methods.add(ClientAuthenticationMethod.NONE.getValue()); })
                        .tokenRevocationEndpointAuthenticationMethods(methods -> { methods.clear(); methods.add(ClientAuthenticationMethod.NONE.getValue()); })
                        .codeChallengeMethods(methods -> { methods.clear(); methods.add("S256"); })
                        .grantTypes(types -> { types.clear(); types.add("authorization_code"); types.add("refresh_token"); })
                        .responseTypes(types -> { types.clear(); types.add("code"); })
                        .scopes(scopes -> scopes.addAll(properties.scopes()))
                        .tlsClientCertificateBoundAccessTokens(false);
                    if (properties.clientMetadataDocuments().enabled()) {
                        document.claim("client_id_metadata_document_supported", true);
                    }
                    document.claim(IssuerInAuthorizationResponse.METADATA_FLAG, true);
                }));
        });
        http
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers(HttpMethod.POST, "/oauth2/register").permitAll()
                .anyRequest().authenticated())
            // A user who is not signed in goes to GitHub first (Spring's oauth2Login, see github.UpstreamLoginConfig).
            .exceptionHandling(exceptions -> exceptions.defaultAuthenticationEntryPointFor(
                new LoginUrlAuthenticationEntryPoint("/oauth2/authorization/github"),
                PathPatternRequestMatcher.withDefaults().matcher("/oauth2/authorize")))
            .addFilterAfter(new ConsentCsrfFilter(), CsrfFilter.class)
            .addFilterBefore(new RegistrationSizeLimit(), CsrfFilter.class)
            .addFilterBefore(new EndpointRateLimit(rateLimits, audit), RegistrationSizeLimit.class)
            .cors(cors -> cors.configurationSource(publicEndpointsCors()));
        return http.build();
    }
    // end::authorization-server-chain[]

    /**
     * Deny replaces whatever the form carried with nothing (Spring answers {@code access_denied});
     * Allow records an explicit approval, which also covers a request with no scopes, where Spring
     * would otherwise treat an empty approval as a denial.
     */
    private static void recordConsent(org.springframework.security.oauth2.server.authorization.authentication
            .OAuth2AuthorizationConsentAuthenticationContext context, AuditLog audit) {
        OAuth2AuthorizationConsentAuthenticationToken answer = context.getAuthentication();
        boolean approved = ConsentPage.approved(answer.getAdditionalParameters());
        if (approved) {
            // Spring keeps a consent only while it carries an authority: the approved redirect URI is that one.
            context.getAuthorizationConsent().authority(ConsentPage.approvedRedirect(context.getRegisteredClient(),
                    context.getAuthorizationRequest().getRedirectUri()));
        } else {
            context.getAuthorizationConsent().authorities(authorities -> authorities.clear());
        }
        audit.record("consent", answer.getClientId(), context.getAuthorization().getPrincipalName(),
                approved ? "approved" : "denied");
    }

    private static AuthenticationSuccessHandler tokenIssued(AuditLog audit, GrantStore grants) {
        AuthenticationSuccessHandler respond = new OAuth2AccessTokenResponseAuthenticationSuccessHandler();
        return (request, response, authentication) -> {
            OAuth2AccessTokenAuthenticationToken issued = (OAuth2AccessTokenAuthenticationToken) authentication;
            OAuth2Authorization grant = grants.findByToken(issued.getAccessToken().getTokenValue(), OAuth2TokenType.ACCESS_TOKEN);
            audit.record("refresh_token".equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE)) ? "refresh" : "token_issued",
                    issued.getRegisteredClient().getClientId(), grant == null ? null : grant.getPrincipalName(), "ok",
                    grant == null ? Map.of() : Map.of("grant", grant.getId()));
            respond.onAuthenticationSuccess(request, response, authentication);
        };
    }

    private static AuthenticationFailureHandler tokenRefused(AuditLog audit) {
        AuthenticationFailureHandler respond = new OAuth2ErrorAuthenticationFailureHandler();
        return (request, response, failure) -> {
            String error = failure instanceof OAuth2AuthenticationException oauth ? oauth.getError().getErrorCode() : "server_error";
            audit.record("refresh_token".equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE)) ? "refresh" : "token_issued",
                    clientIdOf(request), null, error);
            respond.onAuthenticationFailure(request, response, failure);
        };
    }

    /**
     * Spring's registration endpoint answers any unexpected exception (a body that is not JSON, a database that
     * does not answer) with {@code invalid_request} and the exception's own message after this prefix.
     */
    private static final String UNEXPECTED_REGISTRATION_ERROR = "OAuth 2.0 Client Registration Error: ";

    private static AuthenticationFailureHandler refused(AuditLog audit, String event) {
        AuthenticationFailureHandler respond = new OAuth2ErrorAuthenticationFailureHandler();
        return (request, response, failure) -> {
            String error = failure instanceof OAuth2AuthenticationException oauth ? oauth.getError().getErrorCode() : "server_error";
            audit.record(event, null, null, error);
            respond.onAuthenticationFailure(request, response, withoutInternals(failure));
        };
    }

    /** The same error code, without a parser's or driver's message in the body. */
    private static org.springframework.security.core.AuthenticationException withoutInternals(
            org.springframework.security.core.AuthenticationException failure) {
        if (failure instanceof OAuth2AuthenticationException oauth && oauth.getError().getDescription() != null
                && oauth.getError().getDescription().startsWith(UNEXPECTED_REGISTRATION_ERROR)) {
            return new OAuth2AuthenticationException(new OAuth2Error(oauth.getError().getErrorCode(),
                    "The registration request could not be processed", oauth.getError().getUri()));
        }
        return failure;
    }

    private static String clientIdOf(HttpServletRequest request) {
        String clientId = request.getParameter(OAuth2ParameterNames.CLIENT_ID);
        return clientId != null && clientId.length() <= 2000 ? clientId : null;
    }

    /** The metadata documents (the authorization server's and the MCP server's) and the endpoints a browser-based client calls. */
    private static final List<String> PUBLIC_CORS_PATHS =
            List.of("/.well-known/**", "/oauth2/token", "/oauth2/register", "/oauth2/revoke", "/oauth2/jwks");

    private static RequestMatcher preflightsTo(List<String> paths) {
        return new OrRequestMatcher(paths.stream()
                .map(path -> (RequestMatcher) PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.OPTIONS, path))
                .toList());
    }

    /** Browser-based clients (MCP Inspector) discover, register, exchange codes and revoke across origins; no cookies. */
    private static UrlBasedCorsConfigurationSource publicEndpointsCors() {
        CorsConfiguration anyOrigin = new CorsConfiguration();
        anyOrigin.addAllowedOriginPattern("*");
        anyOrigin.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
        anyOrigin.setAllowedHeaders(List.of("Content-Type", "Accept", "MCP-Protocol-Version"));
        anyOrigin.setAllowCredentials(false);
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        for (String path : PUBLIC_CORS_PATHS) {
            source.registerCorsConfiguration(path, anyOrigin);
        }
        return source;
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(ProxyProperties properties) {
        AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
        if (properties.publicUrl() != null && !properties.publicUrl().toString().isBlank()) {
            settings.issuer(properties.publicUrl().toString());
        }
        return settings.build();
    }

    // ---- storage: registered clients, grants, consents (JDBC) -------------------------------------

    @Bean
    RegisteredClientRepository registeredClientRepository(JdbcTemplate jdbc, ProxyProperties properties, AuditLog audit) {
        return new ClientMetadataDocuments(new JdbcRegisteredClientRepository(jdbc), properties, audit);
    }

    /** The refresh-reuse grace window is measured on the application's {@link Clock} if it has one, else the system's. */
    @Bean
    GrantStore authorizationService(JdbcTemplate jdbc, RegisteredClientRepository clients, GitHubAccess github,
            AuditLog audit, ProxyProperties properties, ObjectProvider<Clock> clock, PlatformTransactionManager transactions) {
        return new GrantStore(new JdbcOAuth2AuthorizationService(jdbc, clients), jdbc, clients, github, audit,
                properties.refreshReuseGrace(), clock.getIfAvailable(Clock::systemUTC), new TransactionTemplate(transactions));
    }

    /** Keyed by (client, user): an approval never carries over to another client. */
    @Bean
    OAuth2AuthorizationConsentService authorizationConsentService(JdbcTemplate jdbc, RegisteredClientRepository clients) {
        return new JdbcOAuth2AuthorizationConsentService(jdbc, clients);
    }

    // ---- tokens -----------------------------------------------------------------------------------

    @Bean
    OAuth2TokenGenerator<?> tokenGenerator(JWKSource<SecurityContext> keys, ResourceIndicators resourceIndicators) {
        JwtGenerator accessTokens = new JwtGenerator(new NimbusJwtEncoder(keys));
        OAuth2TokenCustomizer<JwtEncodingContext> audience = resourceIndicators.accessTokenAudience();
        accessTokens.setJwtCustomizer(context -> {
            audience.customize(context);
            if (OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
                // RFC 9068: aud is now the MCP server, so the client is named in its own claim.
                context.getClaims().claim("client_id", context.getRegisteredClient().getClientId());
                // Which grant the token belongs to, so /mcp checks the grant is live with a primary-key read.
                context.getClaims().claim(GrantStore.GRANT_ID_CLAIM, context.getAuthorization().getId());
            }
        });
        return new DelegatingOAuth2TokenGenerator(accessTokens, new PublicClientRefresh.RefreshTokenGenerator());
    }
}
