package dev.mcpoauth.cookbook.tokengateway;

import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.DispatcherType;
import java.net.MalformedURLException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token gateway: the only MCP endpoint clients see. One protected resource ({@code /mcp}, RFC 9728
 * metadata as two Javalin routes), one MCP server behind it per {@code /mcp/<backend>}. A request
 * passes {@link ClientTokenFilter} (the client's token), then {@link GatewayServlet} (policy, RFC 8693
 * exchange, forward). See README.md.
 */
public final class TokenGateway {

    private final Javalin app;
    private final TokenExchanger exchanger;

    private TokenGateway(Javalin app, TokenExchanger exchanger) {
        this.app = app;
        this.exchanger = exchanger;
    }

    public static void main(String[] args) throws Exception {
        GatewayConfig config = GatewayConfig.fromEnvironment(System.getenv());
        start(config, ToolPolicy.load(config.policyFile(), config.requiredScope()));
    }

    public static TokenGateway start(GatewayConfig config, ToolPolicy policy) throws MalformedURLException {
        Clock clock = Clock.systemUTC();
        for (String backend : config.backends().keySet()) {
            if (!policy.knows(backend)) {
                throw new IllegalArgumentException("The policy file has no entry for backend " + backend);
            }
        }
        BearerChallenges challenges = new BearerChallenges(config);
        AuditLog audit = new AuditLog();
        ClientTokenFilter clientTokens = new ClientTokenFilter(config, new AccessTokenValidator(
                config.authorizationServer(), config.jwksUri(), config.resource().toString(), config.clockSkew(), null),
                challenges, audit);
        TokenExchanger exchanger = new TokenExchanger(config.tokenEndpoint(), config.clientId(), config.clientSecret(),
                config.exchangeTimeout(), config.exchangeRenewBefore(), clock);
        GatewayServlet gateway = new GatewayServlet(config, policy, exchanger, challenges, audit, clock);
        String metadata = JsonMapper.shared().writeValueAsString(protectedResourceMetadata(config, policy));

        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = config.bindAddress();
            javalin.jetty.port = config.port();
            // Room for an Authorization header up to the filter's own token limit (8 KiB).
            javalin.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(16 * 1024));
            // RFC 9728 section 3: the path-suffixed URL for /mcp and, for clients that fall back to it, the root one.
            for (String path : List.of("/.well-known/oauth-protected-resource" + config.resource().getPath(),
                    "/.well-known/oauth-protected-resource")) {
                javalin.routes.get(path, ctx -> serveMetadata(ctx, metadata));
                javalin.routes.options(path, TokenGateway::answerPreflight);
            }
            javalin.jetty.modifyServletContextHandler(context -> {
                String backends = config.resource().getPath() + "/*";
                context.addServlet(new ServletHolder(gateway), backends);
                context.addFilter(new FilterHolder(clientTokens), backends, EnumSet.of(DispatcherType.REQUEST));
                // The bare resource URL serves no MCP; it still answers with the challenge that leads to discovery.
                context.addServlet(new ServletHolder(gateway), config.resource().getPath());
                context.addFilter(new FilterHolder(clientTokens), config.resource().getPath(),
                        EnumSet.of(DispatcherType.REQUEST));
            });
        }).start();
        return new TokenGateway(app, exchanger);
    }

    public void stop() {
        app.stop();
    }

    /** RFC 8693 requests sent so far; cached exchanged tokens keep this flat on the hot path. */
    public long exchangesPerformed() {
        return exchanger.exchangesPerformed();
    }

    /** RFC 9728 section 2. {@code resource} is the configured public URL, never the request's Host. */
    private static Map<String, Object> protectedResourceMetadata(GatewayConfig config, ToolPolicy policy) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("resource", config.resource().toString());
        document.put("authorization_servers", List.of(config.authorizationServer().toString()));
        document.put("scopes_supported", policy.scopesSupported());
        document.put("bearer_methods_supported", List.of("header"));
        document.put("resource_name", "MCP OAuth Cookbook: token gateway");
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
