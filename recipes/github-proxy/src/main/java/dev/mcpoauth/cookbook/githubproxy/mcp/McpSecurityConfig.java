package dev.mcpoauth.cookbook.githubproxy.mcp;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import dev.mcpoauth.cookbook.githubproxy.PublicUrls;
import dev.mcpoauth.cookbook.githubproxy.authorizationserver.GrantStore;
import dev.mcpoauth.cookbook.githubproxy.mcp.CachingJwtDecoder.KeyRecordingJwkSource;
import dev.mcpoauth.cookbook.githubproxy.mcp.McpAuthFilter.JsonRpcErrors;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The security path of {@code /mcp}, first half: the MCP server is a resource server for the proxy's
 * own access tokens (checked with the proxy's key, no network hop). What Spring Security does, in the
 * order a request meets it:
 * <ol>
 *   <li>{@link QueryStringTokenRefusal}: no token in the URL (401), before Spring Security logs the URL;</li>
 *   <li>CORS: listed browser origins only, preflights answered (Spring's {@code CorsFilter});</li>
 *   <li>the bearer token from the {@code Authorization} header only (RFC 6750 section 2.1), validated by
 *       the {@link #jwtDecoder JWT decoder}: signature, issuer, audience, expiry, a live grant; else 401
 *       with the challenge that leads the client to the metadata (RFC 9728 section 5.1);</li>
 *   <li>the base scope, else 403 {@code insufficient_scope} naming it (MCP step-up).</li>
 * </ol>
 * The second half is {@link McpAuthFilter}: the MCP session and the JSON-RPC body (the tool called,
 * and its scope from {@link GitHubTools}), which Spring Security cannot see, for both protocol revisions
 * ({@link RevisionAwareMcpAuthFilter}). This chain also serves
 * the RFC 9728 metadata naming the proxy as the authorization server.
 */
@Configuration
class McpSecurityConfig {

    /** Larger than any token this proxy issues, far smaller than the container's header limit: refuse before parsing. */
    static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** Verified tokens kept at once: far more than the users one instance serves within {@link #VERIFIED_TOKEN_MAX_AGE}. */
    static final int VERIFIED_TOKENS_KEPT = 10_000;
    /** A token's signature is checked in full again at least this often, whatever its {@code exp}. */
    static final Duration VERIFIED_TOKEN_MAX_AGE = Duration.ofSeconds(60);

    /** Spring Security's firewall with its default rules, its header checks without regular expressions. */
    @Bean
    WebSecurityCustomizer firewall() {
        return web -> web.httpFirewall(FirewallCharacterRules.strictHttpFirewall());
    }

    /** First on {@code /mcp}, before Spring Security's filter chain, which logs the URL at DEBUG. */
    @Bean
    FilterRegistrationBean<QueryStringTokenRefusal> queryStringTokenRefusal(PublicUrls urls, ProxyProperties properties) {
        FilterRegistrationBean<QueryStringTokenRefusal> registration = new FilterRegistrationBean<>(
                new QueryStringTokenRefusal(withScope(bearerChallenge(urls), properties.baseScope())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.addUrlPatterns("/mcp", "/mcp/*");
        return registration;
    }

    @Bean
    FilterRegistrationBean<NoErrorPageOnMcp> noErrorPageOnMcp() {
        FilterRegistrationBean<NoErrorPageOnMcp> registration = new FilterRegistrationBean<>(new NoErrorPageOnMcp());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        registration.addUrlPatterns("/mcp", "/mcp/*", "/error");
        // ERROR too: Tomcat refuses some requests (TRACE) before any filter and dispatches them to /error.
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
        return registration;
    }

    // tag::mcp-chain[]
    @Bean
    @Order(2)
    SecurityFilterChain mcpChain(HttpSecurity http, PublicUrls urls, ProxyProperties properties)
            throws Exception {
        BearerTokenAuthenticationEntryPoint bearerChallenge = bearerChallenge(urls);
        http
            .securityMatcher("/mcp", "/mcp/**", "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/**")
            .csrf(csrf -> csrf.disable()) // bearer tokens in a header, no cookies
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .cors(cors -> cors.disable()).addFilter(corsFilter(properties)) // Spring's CORS, with a JSON-RPC refusal
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers("/mcp", "/mcp/**").hasAuthority("SCOPE_" + properties.baseScope())
                .anyRequest().denyAll())
            .oauth2ResourceServer(resourceServer -> resourceServer
                .jwt(jwt -> { })
                .bearerTokenResolver(new BearerHeaderResolver(MAX_TOKEN_LENGTH)) // header only: no query or form tokens
                .authenticationEntryPoint(withScope(bearerChallenge, properties.baseScope()))
                .accessDeniedHandler(insufficientScope(bearerChallenge, properties.baseScope()))
                .protectedResourceMetadata(metadata -> metadata.protectedResourceMetadataCustomizer(document -> document
                    .resource(urls.mcpResource())
                    .authorizationServer(urls.issuer())
                    .scopes(scopes -> scopes.addAll(properties.scopes()))
                    .resourceName("MCP OAuth Cookbook: GitHub tools behind the proxy")
                    .tlsClientCertificateBoundAccessTokens(false))))
            // What Spring Security cannot see: the MCP session and the JSON-RPC body (the tool called),
            // for both protocol revisions (RevisionRouter).
            .addFilterAfter(new RevisionAwareMcpAuthFilter(
                    new McpAuthFilter(bearerChallenge, properties.baseScope(), GitHubTools::requiredScope)),
                    AuthorizationFilter.class);
        return http.build();
    }
    // end::mcp-chain[]

    /**
     * The proxy's own tokens: RS256 with its own key, not expired, issued by this proxy (as the
     * request reached it), for this MCP server alone (RFC 8707), and still backed by a live grant,
     * so revoking a grant or detecting refresh-token reuse stops its access tokens at once.
     *
     * <p>Only what depends on the token alone (its signature and its expiry) is kept between requests, in a
     * {@link VerifiedTokenCache} (resource-server-spring's {@link CachingJwtDecoder}, copied): at most until the
     * token's {@code exp} and 60 s, while the key that verified it is still the proxy's. The rest is checked on every
     * request, cache hit or not: the issuer and audience (they follow the URL the request reached when
     * {@code proxy.public-url} is not set), and the grant, read from the database, so a revocation is seen at once.
     */
    @Bean
    JwtDecoder jwtDecoder(JWKSource<SecurityContext> keys, PublicUrls urls, GrantStore grants) {
        KeyRecordingJwkSource trustedKeys = new KeyRecordingJwkSource(keys);
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(trustedKeys).jwsAlgorithm(SignatureAlgorithm.RS256).build();
        JwtTimestampValidator expiry = new JwtTimestampValidator(Duration.ofSeconds(30));
        expiry.setAllowEmptyExpiryClaim(false);
        decoder.setJwtValidator(expiry);
        JwtDecoder signedAndUnexpired = new CachingJwtDecoder(decoder, trustedKeys,
                new VerifiedTokenCache<>(VERIFIED_TOKENS_KEPT, VERIFIED_TOKEN_MAX_AGE, Clock.systemUTC()));
        OAuth2TokenValidator<Jwt> everyRequest = new DelegatingOAuth2TokenValidator<>(
                check(jwt -> urls.issuer().equals(jwt.getClaimAsString("iss")), "the token was not issued by this proxy"),
                check(jwt -> List.of(urls.mcpResource()).equals(jwt.getAudience()), "the token is not for this MCP server"),
                check(jwt -> grants.isActiveAccessToken(jwt.getClaimAsString(GrantStore.GRANT_ID_CLAIM), jwt.getTokenValue()),
                        "the token's grant was revoked"));
        return token -> {
            Jwt jwt = signedAndUnexpired.decode(token);
            OAuth2TokenValidatorResult result = everyRequest.validate(jwt);
            if (result.hasErrors()) {
                // As NimbusJwtDecoder reports a failed validator: Spring answers 401 invalid_token.
                throw new JwtValidationException(result.getErrors().iterator().next().getDescription(), result.getErrors());
            }
            return jwt;
        };
    }

    private static OAuth2TokenValidator<Jwt> check(Predicate<Jwt> rule, String failure) {
        return jwt -> rule.test(jwt) ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, failure, null));
    }

    /** The RFC 6750 challenge with {@code resource_metadata} (RFC 9728 section 5.1). */
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

    /**
     * 403 {@code insufficient_scope} naming the base scope (MCP "Scope Challenge Handling"), so the
     * client can step up; {@link McpAuthFilter} writes the same challenge for a tool's extra scope.
     */
    private static AccessDeniedHandler insufficientScope(BearerTokenAuthenticationEntryPoint challenge, String baseScope) {
        return (request, response, denied) -> challenge.commence(request, response, new OAuth2AuthenticationException(
                BearerTokenErrors.insufficientScope("This request needs scope: " + baseScope, baseScope)));
    }

    /**
     * Spring's CORS processing, except that a foreign origin gets a JSON-RPC error instead of the
     * text "Invalid CORS request". The MCP SDK's Origin validator is the second line of defence.
     */
    private static CorsFilter corsFilter(ProxyProperties properties) {
        CorsFilter filter = new CorsFilter(mcpCors(properties));
        filter.setCorsProcessor(new DefaultCorsProcessor() {
            @Override
            protected void rejectRequest(ServerHttpResponse response) throws IOException {
                response.getBody(); // writes the Vary headers set so far
                JsonRpcErrors.write(((ServletServerHttpResponse) response).getServletResponse(), 403,
                        JsonRpcErrors.INVALID_REQUEST, "Origin not allowed", null);
            }
        });
        return filter;
    }

    /** Browser clients (MCP Inspector) read metadata from any origin; only listed origins may call /mcp. */
    private static UrlBasedCorsConfigurationSource mcpCors(ProxyProperties properties) {
        CorsConfiguration metadata = new CorsConfiguration();
        metadata.addAllowedOriginPattern("*");
        metadata.setAllowedMethods(List.of("GET", "OPTIONS"));
        // Browser clients send MCP-Protocol-Version with discovery; without this their preflight gets 403.
        metadata.setAllowedHeaders(List.of("MCP-Protocol-Version", "Accept"));
        CorsConfiguration endpoint = new CorsConfiguration();
        endpoint.setAllowedOrigins(properties.allowedOrigins());
        endpoint.setAllowedMethods(List.of("GET", "POST", "DELETE", "OPTIONS"));
        // Mcp-Method and Mcp-Name: the headers MCP 2026-07-28 mirrors the method and tool name into.
        endpoint.setAllowedHeaders(List.of("Authorization", "Content-Type", "Accept", "Mcp-Session-Id",
                "MCP-Protocol-Version", "Last-Event-ID", "Mcp-Method", "Mcp-Name"));
        endpoint.setExposedHeaders(List.of("WWW-Authenticate", "Mcp-Session-Id"));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/.well-known/**", metadata);
        source.registerCorsConfiguration("/mcp", endpoint);
        return source;
    }

    // tag::mcp-guards[]
    /**
     * Refuses {@code ?access_token=} with the same 401 challenge as a request without a token: OAuth 2.1
     * forbids tokens in URLs because URLs get logged. Looks at parameter names only, never at values.
     */
    static final class QueryStringTokenRefusal extends OncePerRequestFilter {

        private final AuthenticationEntryPoint challenge;

        QueryStringTokenRefusal(AuthenticationEntryPoint challenge) {
            this.challenge = challenge;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (hasAccessTokenInQuery(request.getQueryString())) {
                challenge.commence(request, response,
                        new InsufficientAuthenticationException("Access tokens are not accepted in the query string"));
                return;
            }
            chain.doFilter(request, response);
        }

        static boolean hasAccessTokenInQuery(String query) {
            if (query == null) {
                return false;
            }
            for (String pair : query.split("&")) {
                String name = pair.split("=", 2)[0];
                try {
                    name = URLDecoder.decode(name, StandardCharsets.UTF_8); // as the container decodes it
                } catch (IllegalArgumentException malformed) {
                    // compared as sent
                }
                if (name.strip().equalsIgnoreCase("access_token")) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Spring Boot answers a {@code sendError} or an escaped exception with its {@code /error} page, a
     * JSON document of its own (and Spring Security's firewall answers a URL it rejects with
     * {@code sendError(400)}). On {@code /mcp} every error is a JSON-RPC error object instead; the
     * MCP transport's own errors are already rewritten by {@link McpAuthFilter}. An error the container
     * raised itself for {@code /mcp} (Tomcat answers TRACE with 405 before any filter runs) arrives as an
     * ERROR dispatch to {@code /error}: it is answered here too, before Spring Security would challenge it.
     */
    static final class NoErrorPageOnMcp extends OncePerRequestFilter {

        @Override
        protected boolean shouldNotFilterErrorDispatch() {
            return false;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getDispatcherType() == DispatcherType.ERROR) {
                Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
                Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
                if (uri instanceof String path && (path.equals("/mcp") || path.startsWith("/mcp/"))) {
                    int code = status instanceof Integer number ? number : 500;
                    JsonRpcErrors.write(response, code, code >= 500 ? JsonRpcErrors.INTERNAL_ERROR
                            : JsonRpcErrors.INVALID_REQUEST, code >= 500 ? "Internal error" : "Request refused", null);
                    return;
                }
                chain.doFilter(request, response);
                return;
            }
            HttpServletResponse noSendError = new HttpServletResponseWrapper(response) {
                @Override
                public void sendError(int status) throws IOException {
                    resetBuffer();
                    JsonRpcErrors.write(response, status, status >= 500 ? JsonRpcErrors.INTERNAL_ERROR
                            : JsonRpcErrors.INVALID_REQUEST, status >= 500 ? "Internal error" : "Request refused", null);
                }

                @Override
                public void sendError(int status, String ignoredMessage) throws IOException {
                    sendError(status);
                }
            };
            try {
                chain.doFilter(request, noSendError);
            } catch (IOException | ServletException | RuntimeException failure) {
                if (response.isCommitted()) {
                    throw failure;
                }
                response.resetBuffer();
                JsonRpcErrors.write(response, 500, JsonRpcErrors.INTERNAL_ERROR, "Internal error", null);
            }
        }
    }
    // end::mcp-guards[]
}
