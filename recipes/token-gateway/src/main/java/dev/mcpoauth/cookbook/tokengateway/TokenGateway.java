package dev.mcpoauth.cookbook.tokengateway;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.mcpoauth.cookbook.tokengateway.audit.AuditLog;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger;
import dev.mcpoauth.cookbook.tokengateway.forward.GatewayServlet;
import dev.mcpoauth.cookbook.tokengateway.inbound.AccessTokenValidator;
import dev.mcpoauth.cookbook.tokengateway.inbound.BearerChallenges;
import dev.mcpoauth.cookbook.tokengateway.inbound.ClientTokenFilter;
import dev.mcpoauth.cookbook.tokengateway.inbound.VerifiedTokenCache;
import dev.mcpoauth.cookbook.tokengateway.policy.RateLimiter;
import dev.mcpoauth.cookbook.tokengateway.policy.SharedBuckets;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.DispatcherType;
import java.net.MalformedURLException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token gateway: the only MCP endpoints clients see, one per MCP server behind it, at
 * {@code /mcp/<backend>}. Each is its own protected resource: its URL is the {@code resource} of its
 * RFC 9728 metadata (a Javalin route), the {@code aud} its client tokens must carry, and the client the
 * gateway exchanges them with. {@code /mcp} itself is no resource and serves no MCP. A request passes
 * its own {@link ClientTokenFilter} (the client's token), then {@link GatewayServlet} (policy, RFC 8693
 * exchange, forward). See README.md.
 */
public final class TokenGateway {

    /**
     * Client tokens each protected resource keeps the verdict of: far more than the clients one gateway serves at
     * once; a flood of distinct valid tokens only clears it (VerifiedTokenCache).
     */
    static final int VERIFIED_TOKENS = 10_000;
    /** How long a verdict is kept at most, however far off the token's exp is. */
    static final Duration VERIFIED_TOKEN_MAX_AGE = Duration.ofSeconds(60);

    private final Javalin app;
    private final TokenExchanger exchanger;
    private final RateLimiter rateLimiter;

    private TokenGateway(Javalin app, TokenExchanger exchanger, RateLimiter rateLimiter) {
        this.app = app;
        this.exchanger = exchanger;
        this.rateLimiter = rateLimiter;
    }

    public static void main(String[] args) throws Exception {
        GatewayConfig config = GatewayConfig.fromEnvironment(System.getenv());
        start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));
    }

    public static TokenGateway start(GatewayConfig config, ToolPolicy policy) throws MalformedURLException {
        return start(config, policy, Clock.systemUTC());
    }

    /**
     * @param clock what the exchange cache, the rate limit, the session owners and the audit read the time
     *              from (a test moves it on instead of waiting)
     */
    public static TokenGateway start(GatewayConfig config, ToolPolicy policy, Clock clock) throws MalformedURLException {
        return start(config, policy, clock, AccessTokenValidator.cachedKeys(config.jwksUri()));
    }

    /** With the issuer's keys from {@code keys} rather than fetched from the configured JWKS URL (a test's key set). */
    static TokenGateway start(GatewayConfig config, ToolPolicy policy, Clock clock, JWKSource<SecurityContext> keys) {
        for (String backend : config.backends().keySet()) {
            if (!policy.knows(backend)) {
                throw new IllegalArgumentException("The policy file has no entry for backend " + backend);
            }
        }
        BearerChallenges challenges = new BearerChallenges(config);
        AuditLog audit = new AuditLog();
        Map<String, ClientTokenFilter> clientTokens = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Backend backend : config.backends().values()) {
            // RFC 8707: each path accepts only tokens whose aud is exactly its own resource URL.
            AccessTokenValidator validator = new AccessTokenValidator(config.authorizationServer(), keys,
                    config.resource(backend).toString(), config.clockSkew(), null, clock,
                    new VerifiedTokenCache<>(VERIFIED_TOKENS, VERIFIED_TOKEN_MAX_AGE, clock));
            clientTokens.put(config.resource(backend).getPath(),
                    new ClientTokenFilter(config, backend, validator, challenges, audit));
            metadata.put(config.resourceMetadataUrl(backend).getPath(),
                    JsonMapper.shared().writeValueAsString(protectedResourceMetadata(config, policy, backend)));
        }
        TokenExchanger exchanger = new TokenExchanger(config.tokenEndpoint(), config::clientId, config.clientSecret(),
                config.exchangeTimeout(), config.exchangeRenewBefore(), clock);
        RateLimiter rateLimiter = rateLimiter(config, clock);
        GatewayServlet gateway = new GatewayServlet(config, policy, exchanger, rateLimiter, challenges, audit, clock);

        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = config.bindAddress();
            javalin.jetty.port = config.port();
            // Room for an Authorization header up to the filter's own token limit (8 KiB).
            javalin.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize(16 * 1024);
                // Jetty caches a connection's repeated header lines in a 1024-character trie; a bearer token does not
                // fit, so every request cleared and refilled it (found in a flight recording). Off: lines parsed as sent.
                http.setHeaderCacheSize(0);
            });
            // RFC 9728 section 3.1: one path-suffixed URL per resource, the one the challenges name too. Nothing
            // at the root or for /mcp: no resource is there, and a document naming one of the backends would
            // send clients of the others for a token that does not open them (section 3.3).
            metadata.forEach((path, document) -> {
                javalin.routes.get(path, ctx -> serveMetadata(ctx, document));
                javalin.routes.options(path, TokenGateway::answerPreflight);
            });
            javalin.jetty.modifyServletContextHandler(context -> {
                String base = config.mcpBaseUrl().getPath();
                // /mcp itself too, so that it gets the servlet's JSON-RPC 404 rather than the container's page.
                for (String mapping : List.of(base + "/*", base)) {
                    context.addServlet(new ServletHolder(gateway), mapping);
                }
                // The client's token is checked on exactly the backends' paths (/mcp/notes): the same paths the
                // servlet serves a backend at. Every other path gets its 404 and no challenge.
                clientTokens.forEach((path, filter) -> context.addFilter(new FilterHolder(filter), path,
                        EnumSet.of(DispatcherType.REQUEST)));
            });
        }).start();
        return new TokenGateway(app, exchanger, rateLimiter);
    }

    /** One instance counts in memory; several count in the database GATEWAY_JDBC_URL names. */
    private static RateLimiter rateLimiter(GatewayConfig config, Clock clock) {
        if (config.rateLimitDatabase() == null) {
            return RateLimiter.inMemory(config.rateLimit(), config.rateLimitWindow(), clock);
        }
        return RateLimiter.shared(config.rateLimit(), config.rateLimitWindow(), clock,
                SharedBuckets.open(config.rateLimitDatabase(), clock));
    }

    public void stop() {
        app.stop();
        rateLimiter.close();
    }

    /** RFC 8693 requests sent so far; cached exchanged tokens keep this flat on the hot path. */
    public long exchangesPerformed() {
        return exchanger.exchangesPerformed();
    }

    /**
     * RFC 9728 section 2, for the resource at {@code /mcp/<backend>}. {@code resource} is exactly that URL
     * (section 3.3), built from the configured public URL, never from the request's Host.
     */
    private static Map<String, Object> protectedResourceMetadata(GatewayConfig config, ToolPolicy policy,
                                                                 Backend backend) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("resource", config.resource(backend).toString());
        document.put("authorization_servers", List.of(config.authorizationServer().toString()));
        document.put("scopes_supported", policy.scopesSupported(backend.name()));
        document.put("bearer_methods_supported", List.of("header"));
        document.put("resource_name", "MCP OAuth Cookbook: token gateway, " + backend.name());
        return document;
    }

    /** Public, and readable by browser clients such as MCP Inspector (CORS). */
    private static void serveMetadata(Context ctx, String metadata) {
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.contentType("application/json").result(metadata);
    }

    /** Browser clients send MCP-Protocol-Version with discovery, so the browser asks first (CORS preflight). */
    private static void answerPreflight(Context ctx) {
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.header("Access-Control-Allow-Methods", "GET, OPTIONS");
        ctx.header("Access-Control-Allow-Headers", "MCP-Protocol-Version, Accept");
        ctx.status(204);
    }
}
