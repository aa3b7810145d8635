package dev.mcpoauth.cookbook.resourceserverspring;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.mcpoauth.cookbook.resourceserverspring.CachingJwtDecoder.KeyRecordingJwkSource;
import dev.mcpoauth.cookbook.resourceserverspring.McpAuthFilter.JsonRpcErrors;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.config.ObjectPostProcessor;
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
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * The security path of {@code /mcp}, first half: what Spring Security does, in the order a request
 * meets it.
 * <ol>
 *   <li>{@link QueryStringTokenRefusal}: no token in the URL (401), before Spring Security logs the URL;</li>
 *   <li>CORS: listed browser origins only, preflights answered (Spring's {@code CorsFilter});</li>
 *   <li>the bearer token from the {@code Authorization} header only, of sane size (RFC 6750 section 2.1),
 *       validated by the {@link #jwtDecoder JWT decoder}: signature, issuer, audience, expiry; else 401
 *       with the challenge that leads the client to the metadata (RFC 9728 section 5.1);</li>
 *   <li>the server's base scope, else 403 {@code insufficient_scope} naming it (MCP step-up).</li>
 * </ol>
 * The second half is {@link McpAuthFilter}: the MCP session and the JSON-RPC body, which Spring
 * Security cannot see, for both protocol revisions ({@link RevisionAwareMcpAuthFilter}). Spring Security
 * also serves the RFC 9728 metadata.
 */
@Configuration
class SecurityConfig {

    /** Larger than any real access token, far smaller than the container's header limit: refuse before parsing. */
    static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** Verified tokens kept at once: far more than the users one instance serves within {@link #VERIFIED_TOKEN_MAX_AGE}. */
    static final int VERIFIED_TOKENS_KEPT = 10_000;
    /** A verified token is checked in full again at least this often, whatever its {@code exp}. */
    static final Duration VERIFIED_TOKEN_MAX_AGE = Duration.ofSeconds(60);

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

    /**
     * First on every request, before Spring Security's filter chain, which logs the URL at DEBUG
     * ("Securing POST /mcp?access_token=..."; this recipe's tests caught exactly that). Then, on
     * {@code /mcp} only, the guard that keeps Spring Boot's error page from answering there.
     */
    @Bean
    FilterRegistrationBean<QueryStringTokenRefusal> queryStringTokenRefusal(
            BearerTokenAuthenticationEntryPoint bearerChallenge, McpServerProperties mcp) {
        FilterRegistrationBean<QueryStringTokenRefusal> registration = new FilterRegistrationBean<>(
                new QueryStringTokenRefusal(withScope(bearerChallenge, mcp.requiredScope())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
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

    /** Spring Security's firewall with its default rules, its header checks without regular expressions. */
    @Bean
    WebSecurityCustomizer firewall() {
        return web -> web.httpFirewall(FirewallCharacterRules.strictHttpFirewall());
    }

    // tag::filter-chain[]
    @Bean
    SecurityFilterChain mcpSecurity(HttpSecurity http, McpServerProperties mcp, McpTools tools,
                                    BearerTokenAuthenticationEntryPoint bearerChallenge) throws Exception {
        http
            // Bearer tokens in a header, no cookies: CSRF does not apply, and a tokenless POST must get 401, not 403.
            .csrf(csrf -> csrf.disable())
            .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            // Pure overhead on every request for a token-only API: no login page to return to, no logout URL.
            .requestCache(requestCache -> requestCache.disable())
            .logout(logout -> logout.disable())
            // The same security headers, written before the request goes on instead of on commit: no response
            // wrapper that watches every write of the MCP transport for the moment the response commits.
            .headers(headers -> headers.withObjectPostProcessor(new ObjectPostProcessor<HeaderWriterFilter>() {
                @Override
                public <F extends HeaderWriterFilter> F postProcess(F filter) {
                    filter.setShouldWriteHeadersEagerly(true);
                    return filter;
                }
            }))
            .cors(cors -> cors.disable()).addFilter(corsFilter(mcp)) // Spring's CORS, with a JSON-RPC refusal
            .authorizeHttpRequests(authorize -> authorize
                .requestMatchers("/mcp", "/mcp/**").hasAuthority("SCOPE_" + mcp.requiredScope())
                .anyRequest().denyAll())
            .oauth2ResourceServer(resourceServer -> resourceServer
                .jwt(jwt -> {})
                .bearerTokenResolver(new BearerHeaderResolver(MAX_TOKEN_LENGTH)) // RFC 6750 section 2.1 only
                .authenticationEntryPoint(withScope(bearerChallenge, mcp.requiredScope()))
                .accessDeniedHandler(insufficientScope(bearerChallenge, mcp))
                // RFC 9728: served at /.well-known/oauth-protected-resource and .../mcp, before authorization.
                .protectedResourceMetadata(metadata -> metadata.protectedResourceMetadataCustomizer(document -> document
                    .resource(mcp.resource().toString())
                    .authorizationServer(mcp.authorizationServer().toString())
                    .scopes(scopes -> scopes.addAll(tools.scopesSupported(mcp.requiredScope())))
                    .resourceName("MCP OAuth Cookbook: Spring resource server")
                    .tlsClientCertificateBoundAccessTokens(false))))
            // What Spring Security cannot see: the MCP session and the JSON-RPC body (the tool called),
            // for both protocol revisions (RevisionRouter).
            .addFilterAfter(new RevisionAwareMcpAuthFilter(
                    new McpAuthFilter(bearerChallenge, mcp.requiredScope(), tools::requiredScope)),
                    AuthorizationFilter.class);
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
        // Nimbus's default HTTP timeouts (500 ms) can fail a first fetch on a busy host, and the rate limit below
        // would then refuse valid tokens for 10 s: connect 2 s, read 5 s, at most 50 KiB.
        JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(mcp.jwksUri().toURL(),
                        new DefaultResourceRetriever(2_000, 5_000, 50 * 1024))
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
        KeyRecordingJwkSource trustedKeys = new KeyRecordingJwkSource(keys);
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(trustedKeys)
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
        // Clients send the same token on every request: verify it once, then until its exp (at most a minute),
        // while its key is still in the JWKS above, reuse the verdict (CachingJwtDecoder, VerifiedTokenCache).
        return new CachingJwtDecoder(decoder, trustedKeys,
                new VerifiedTokenCache<>(VERIFIED_TOKENS_KEPT, VERIFIED_TOKEN_MAX_AGE, Clock.systemUTC()));
    }
    // end::jwt-decoder[]

    /** 401 challenge plus {@code scope}: the MCP spec's hint of what to ask the authorization server for. */
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
    private static AccessDeniedHandler insufficientScope(BearerTokenAuthenticationEntryPoint challenge, McpServerProperties mcp) {
        return (request, response, denied) -> challenge.commence(request, response, new OAuth2AuthenticationException(
                BearerTokenErrors.insufficientScope("This request needs scope: " + mcp.requiredScope(), mcp.requiredScope())));
    }

    /**
     * Spring's CORS processing, except that a foreign origin gets a JSON-RPC error instead of the
     * text "Invalid CORS request". The MCP SDK's Origin validator is the second line of defence.
     */
    private static CorsFilter corsFilter(McpServerProperties mcp) {
        CorsFilter filter = new CorsFilter(corsConfiguration(mcp));
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
    private static UrlBasedCorsConfigurationSource corsConfiguration(McpServerProperties mcp) {
        CorsConfiguration metadata = new CorsConfiguration();
        metadata.addAllowedOriginPattern("*");
        metadata.setAllowedMethods(List.of("GET", "OPTIONS"));
        // Browser clients send MCP-Protocol-Version with discovery; without this their preflight gets 403.
        metadata.setAllowedHeaders(List.of("MCP-Protocol-Version", "Accept"));

        CorsConfiguration endpoint = new CorsConfiguration();
        endpoint.setAllowedOrigins(mcp.allowedOrigins());
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
