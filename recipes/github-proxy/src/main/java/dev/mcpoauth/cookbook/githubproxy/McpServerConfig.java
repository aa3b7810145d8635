package dev.mcpoauth.cookbook.githubproxy;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP server in the same process: a resource server for the proxy's own access tokens (checked
 * with the proxy's key, no network hop), RFC 9728 metadata naming the proxy as its authorization
 * server, and the MCP Java SDK's Streamable HTTP servlet at {@code /mcp}.
 */
@Configuration
class McpServerConfig {

    // tag::mcp-chain[]
    @Bean
    @Order(2)
    SecurityFilterChain mcpChain(HttpSecurity http, PublicUrls urls, ProxyProperties properties) throws Exception {
        http
            .securityMatcher("/mcp", "/mcp/**", "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/**")
            .csrf(csrf -> csrf.disable()) // bearer tokens in a header, no cookies
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .cors(cors -> cors.configurationSource(mcpCors(properties)))
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers("/mcp", "/mcp/**").hasAuthority("SCOPE_" + properties.baseScope())
                .anyRequest().denyAll())
            .oauth2ResourceServer(resourceServer -> resourceServer
                .jwt(jwt -> { })
                .bearerTokenResolver(new DefaultBearerTokenResolver()) // header only: no query or form tokens
                .authenticationEntryPoint(withScope(bearerChallenge(urls), properties.baseScope()))
                .protectedResourceMetadata(metadata -> metadata.protectedResourceMetadataCustomizer(document -> document
                    .resource(urls.mcpResource())
                    .authorizationServer(urls.issuer())
                    .scopes(scopes -> scopes.addAll(properties.scopes()))
                    .resourceName("MCP OAuth Cookbook: GitHub tools behind the proxy")
                    .tlsClientCertificateBoundAccessTokens(false))))
            .addFilterAfter(new SessionBindingFilter(), AuthorizationFilter.class);
        return http.build();
    }
    // end::mcp-chain[]

    /**
     * The proxy's own tokens: RS256 with its own key, not expired, issued by this proxy (as the
     * request reached it), for this MCP server alone (RFC 8707), and still backed by a live grant,
     * so revoking a grant or detecting refresh-token reuse stops its access tokens at once.
     */
    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> keys, PublicUrls urls, GrantStore grants) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(keys).jwsAlgorithm(SignatureAlgorithm.RS256).build();
        JwtTimestampValidator expiry = new JwtTimestampValidator(Duration.ofSeconds(30));
        expiry.setAllowEmptyExpiryClaim(false);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(expiry,
                check(jwt -> urls.issuer().equals(jwt.getClaimAsString("iss")), "the token was not issued by this proxy"),
                check(jwt -> List.of(urls.mcpResource()).equals(jwt.getAudience()), "the token is not for this MCP server"),
                check(jwt -> grants.isActiveAccessToken(jwt.getClaimAsString(GrantStore.GRANT_ID_CLAIM), jwt.getTokenValue()),
                        "the token's grant was revoked")));
        return decoder;
    }

    private static OAuth2TokenValidator<Jwt> check(java.util.function.Predicate<Jwt> rule, String failure) {
        return jwt -> rule.test(jwt) ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, failure, null));
    }

    private static BearerTokenAuthenticationEntryPoint bearerChallenge(PublicUrls urls) {
        BearerTokenAuthenticationEntryPoint challenge = new BearerTokenAuthenticationEntryPoint();
        challenge.setResourceMetadataParameterResolver(request -> urls.issuer(request) + "/.well-known/oauth-protected-resource/mcp");
        return challenge;
    }

    /** 401 challenge plus {@code scope}: what to ask the authorization server for. */
    private static AuthenticationEntryPoint withScope(BearerTokenAuthenticationEntryPoint challenge, String scope) {
        return (request, response, failure) -> {
            challenge.commence(request, response, failure);
            String header = response.getHeader(HttpHeaders.WWW_AUTHENTICATE);
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, header + ", scope=\"" + scope + "\"");
        };
    }

    /** Runs before Spring Security's filter chain, which would log a URL carrying a token. */
    @Bean
    FilterRegistrationBean<QueryStringTokenFilter> queryStringTokenFilter(PublicUrls urls, ProxyProperties properties) {
        FilterRegistrationBean<QueryStringTokenFilter> registration = new FilterRegistrationBean<>(
                new QueryStringTokenFilter(withScope(bearerChallenge(urls), properties.baseScope())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/mcp", "/mcp/*");
        return registration;
    }

    private static UrlBasedCorsConfigurationSource mcpCors(ProxyProperties properties) {
        CorsConfiguration metadata = new CorsConfiguration();
        metadata.addAllowedOriginPattern("*");
        metadata.setAllowedMethods(List.of("GET", "OPTIONS"));
        // Browser clients send MCP-Protocol-Version with discovery; without this their preflight gets 403.
        metadata.setAllowedHeaders(List.of("MCP-Protocol-Version", "Accept"));
        CorsConfiguration endpoint = new CorsConfiguration();
        endpoint.setAllowedOrigins(properties.allowedOrigins());
        endpoint.setAllowedMethods(List.of("GET", "POST", "DELETE", "OPTIONS"));
        endpoint.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "Mcp-Session-Id",
                "MCP-Protocol-Version", "Last-Event-ID"));
        endpoint.setExposedHeaders(List.of("WWW-Authenticate", "Mcp-Session-Id"));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/.well-known/**", metadata);
        source.registerCorsConfiguration("/mcp", endpoint);
        return source;
    }

    // ---- the MCP server ---------------------------------------------------------------------------

    @Bean
    McpJsonMapper mcpJsonMapper() {
        return new JacksonMcpJsonMapper(JsonMapper.shared());
    }

    @Bean
    HttpServletStreamableServerTransportProvider mcpTransport(McpJsonMapper json, ProxyProperties properties) {
        return HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .contextExtractor(McpCaller::toTransportContext)
                // MCP transport spec: refuse browser requests from unknown origins (DNS rebinding).
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(properties.allowedOrigins())
                        .build())
                .build();
    }

    @Bean(destroyMethod = "closeGracefully")
    McpSyncServer mcpServer(HttpServletStreamableServerTransportProvider transport, GitHubTools tools) {
        return McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-github-proxy", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.specifications())
                .build();
    }

    @Bean
    ServletRegistrationBean<HttpServletStreamableServerTransportProvider> mcpServlet(
            HttpServletStreamableServerTransportProvider transport) {
        ServletRegistrationBean<HttpServletStreamableServerTransportProvider> registration =
                new ServletRegistrationBean<>(transport, "/mcp");
        registration.setAsyncSupported(true); // SSE responses are written asynchronously
        return registration;
    }
}
