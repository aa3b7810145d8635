package dev.mcpoauth.cookbook.resourceserverspring;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.MalformedURLException;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * The OAuth 2.1 resource-server half of the MCP server, built from Spring Security's own parts:
 * bearer-token authentication with JWT validation, the RFC 9728 metadata endpoint, and RFC 6750
 * challenges that carry {@code resource_metadata} and {@code scope} as the MCP authorization spec asks.
 */
@Configuration
class SecurityConfig {

    /** Larger than any real access token, far smaller than the container's header limit: refuse before parsing. */
    static final int MAX_TOKEN_LENGTH = 8 * 1024;

    /**
     * The RFC 6750 challenge: {@code resource_metadata} (RFC 9728 section 5.1), pinned to the configured
     * public URL, never derived from a spoofable Host header.
     */
    @Bean
    BearerTokenAuthenticationEntryPoint bearerChallenge(McpServerProperties mcp) {
        BearerTokenAuthenticationEntryPoint bearerChallenge = new BearerTokenAuthenticationEntryPoint();
        bearerChallenge.setResourceMetadataParameterResolver(request -> mcp.resourceMetadataUrl().toString());
        return bearerChallenge;
    }

    /** Runs before Spring Security's filter chain, which would log the URL (see the class). */
    @Bean
    FilterRegistrationBean<QueryStringTokenFilter> queryStringTokenFilter(
            BearerTokenAuthenticationEntryPoint bearerChallenge, McpServerProperties mcp) {
        FilterRegistrationBean<QueryStringTokenFilter> registration = new FilterRegistrationBean<>(
                new QueryStringTokenFilter(withScope(bearerChallenge, mcp.requiredScope())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    // tag::filter-chain[]
    @Bean
    SecurityFilterChain mcpSecurity(HttpSecurity http, McpServerProperties mcp, McpTools tools,
                                    BearerTokenAuthenticationEntryPoint bearerChallenge) throws Exception {
        http
            // Bearer tokens in a header, no cookies: CSRF does not apply, and a tokenless POST must get 401, not 403.
            .csrf(csrf -> csrf.disable())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .cors(cors -> cors.configurationSource(corsConfiguration(mcp)))
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers("/mcp", "/mcp/**").hasAuthority("SCOPE_" + mcp.requiredScope())
                .anyRequest().denyAll())
            .oauth2ResourceServer(resourceServer -> resourceServer
                .jwt(jwt -> {})
                .bearerTokenResolver(headerOnlyBearerTokenResolver())
                .authenticationEntryPoint(withScope(bearerChallenge, mcp.requiredScope()))
                .accessDeniedHandler(insufficientScope(bearerChallenge, mcp))
                // RFC 9728: served at /.well-known/oauth-protected-resource and .../mcp, before authorization.
                .protectedResourceMetadata(metadata -> metadata.protectedResourceMetadataCustomizer(document -> document
                    .resource(mcp.resource().toString())
                    .authorizationServer(mcp.authorizationServer().toString())
                    .scopes(scopes -> scopes.addAll(tools.scopesSupported(mcp.requiredScope())))
                    .resourceName("MCP OAuth Cookbook: Spring resource server")
                    .tlsClientCertificateBoundAccessTokens(false))))
            // After authentication: sessions belong to their creator; per-tool scopes live in the JSON-RPC body.
            .addFilterAfter(new SessionBindingFilter(), AuthorizationFilter.class)
            .addFilterAfter(new ToolScopeFilter(tools, mcp.requiredScope()), SessionBindingFilter.class);
        return http.build();
    }
    // end::filter-chain[]

    // tag::jwt-decoder[]
    /**
     * Validates signature (RS256 only, keys from the cached JWKS), issuer, audience (RFC 8707: this
     * server's canonical URL), and expiry/not-before with a bounded clock skew.
     */
    @Bean
    JwtDecoder jwtDecoder(McpServerProperties mcp) throws MalformedURLException {
        JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(mcp.jwksUri().toURL())
                .cache(5 * 60_000, 15_000)   // keys cached 5 min; a fetch may take 15 s
                .rateLimited(10_000)         // an unknown kid refetches the JWKS at most once per 10 s
                .outageTolerant(24 * 3600_000) // authorization server down: keep the last good keys
                .build();
        // Inside the rate-limit window an unknown kid simply has no key: 401 invalid_token, not a server error.
        JWKSource<SecurityContext> keys = (selector, context) -> {
            try {
                return cachedKeys.get(selector, context);
            } catch (RateLimitReachedException refetchTooSoon) {
                return List.of();
            }
        };
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(keys)
                .jwsAlgorithm(SignatureAlgorithm.RS256)
                .build();
        JwtTimestampValidator expiry = new JwtTimestampValidator(mcp.clockSkew());
        expiry.setAllowEmptyExpiryClaim(false); // a token that never expires is not accepted
        JwtTypeValidator type = new JwtTypeValidator("JWT", "at+jwt"); // RFC 9068 access tokens too
        type.setAllowEmpty(true);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                expiry,
                type,
                new JwtIssuerValidator(mcp.authorizationServer().toString()),
                // RFC 8707 strict: this server must be the token's only audience. A token also valid
                // at another resource is one that resource could replay here.
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, List.of(mcp.resource().toString())::equals)));
        return decoder;
    }
    // end::jwt-decoder[]

    /** RFC 6750 section 2.1 only: tokens in the query string or form body are ignored, oversized ones refused. */
    private static org.springframework.security.oauth2.server.resource.web.BearerTokenResolver headerOnlyBearerTokenResolver() {
        DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
        return request -> {
            String header = request.getHeader(HttpHeaders.AUTHORIZATION);
            if (header != null && header.length() > MAX_TOKEN_LENGTH) {
                throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is too large"));
            }
            return resolver.resolve(request);
        };
    }

    /** 401 challenge plus {@code scope}: the MCP spec's hint of what to ask the authorization server for. */
    private static AuthenticationEntryPoint withScope(BearerTokenAuthenticationEntryPoint challenge, String scope) {
        return (request, response, failure) -> {
            challenge.commence(request, response, failure);
            String header = response.getHeader(HttpHeaders.WWW_AUTHENTICATE);
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, header + ", scope=\"" + scope + "\"");
        };
    }

    /**
     * 403 {@code insufficient_scope} with the scopes this request needs (MCP "Scope Challenge
     * Handling"), so the client can step up: ask again with them and retry.
     */
    private static AccessDeniedHandler insufficientScope(BearerTokenAuthenticationEntryPoint challenge, McpServerProperties mcp) {
        return (request, response, denied) -> {
            String needed = denied instanceof InsufficientScopeException insufficient
                    ? insufficient.requiredScopes()
                    : mcp.requiredScope();
            challenge.commence(request, response, new OAuth2AuthenticationException(
                    BearerTokenErrors.insufficientScope("This request needs scope: " + needed, needed)));
        };
    }

    /** Browser clients (MCP Inspector) read metadata from any origin; only listed origins may call /mcp. */
    private static UrlBasedCorsConfigurationSource corsConfiguration(McpServerProperties mcp) {
        CorsConfiguration metadata = new CorsConfiguration();
        metadata.addAllowedOriginPattern("*");
        metadata.setAllowedMethods(List.of("GET", "OPTIONS"));
        // Browser clients send MCP-Protocol-Version with discovery; without this their preflight gets 403.
        metadata.setAllowedHeaders(List.of("MCP-Protocol-Version", "Accept"));

        CorsConfiguration endpoint = new CorsConfiguration();
        endpoint.setAllowedOrigins(mcp.allowedOrigins());
        endpoint.setAllowedMethods(List.of("GET", "POST", "DELETE", "OPTIONS"));
        endpoint.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "Mcp-Session-Id",
                "MCP-Protocol-Version", "Last-Event-ID"));
        endpoint.setExposedHeaders(List.of("WWW-Authenticate", "Mcp-Session-Id"));

        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/.well-known/**", metadata);
        source.registerCorsConfiguration("/mcp", endpoint);
        return source;
    }
}
