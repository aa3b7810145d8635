package dev.mcpoauth.cookbook.resourceserverjavalin;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import jakarta.servlet.DispatcherType;
import java.net.MalformedURLException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.databind.json.JsonMapper;

/**
 * An MCP server that is an OAuth 2.1 resource server only, in plain Javalin: the RFC 9728
 * metadata as two Javalin routes, and the MCP Java SDK's Streamable HTTP servlets for MCP
 * 2025-11-25 and 2026-07-28 at {@code /mcp} ({@link RevisionRouter}) behind {@link McpAuthFilter}.
 * See README.md.
 */
public final class JavalinResourceServer {

    private final Javalin app;
    private final McpSyncServer mcp;
    private final HttpServletMcpTransport modernTransport;

    private JavalinResourceServer(Javalin app, McpSyncServer mcp, HttpServletMcpTransport modernTransport) {
        this.app = app;
        this.mcp = mcp;
        this.modernTransport = modernTransport;
    }

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.fromEnvironment(System.getenv());
        // Behind a load balancer each instance listens on its own port (PORT) and serves the public URL (MCP_RESOURCE).
        String port = System.getenv("PORT");
        start(config, port == null ? config.port() : Integer.parseInt(port));
    }

    public static JavalinResourceServer start(ServerConfig config) throws MalformedURLException {
        return start(config, config.port());
    }

    /** Listens on {@code port} while serving {@code config.resource()}, as an instance behind a load balancer does. */
    public static JavalinResourceServer start(ServerConfig config, int port) throws MalformedURLException {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        McpTools tools = new McpTools(json);
        // tag::transport[]
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .contextExtractor(AuthenticatedUser::toTransportContext) // the user McpAuthFilter attached
                // MCP transport spec: refuse browser requests from unknown origins (DNS rebinding).
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(config.allowedOrigins())
                        .build())
                .build();
        // end::transport[]
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-resource-server-javalin", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.specifications())
                .build();
        // tag::modern-transport[]
        HttpServletMcpTransport modernTransport = HttpServletMcpTransport.builder(
                        io.modelcontextprotocol.modern.server.McpServer.builder()
                                .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
                                        .builder("mcp-oauth-cookbook-resource-server-javalin", "0.1.0").build())
                                .jsonMapper(json)
                                .feature(ToolsFeature.ofSync(new ModernTools(tools, json)))
                                .requestStateCodec(NO_REQUEST_STATE)
                                .build())
                .jsonMapper(json)
                .endpoint("/mcp")
                .contextExtractor(AuthenticatedUser::toTransportContext) // the same user, from the same filter
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(config.allowedOrigins())
                        .build())
                .build();
        // end::modern-transport[]
        McpAuthFilter auth = new McpAuthFilter(config, new AccessTokenValidator(config), tools);
        String metadata = JsonMapper.shared().writeValueAsString(protectedResourceMetadata(config, tools));

        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = config.bindAddress();
            javalin.jetty.port = port;
            // Room for an Authorization header up to the filter's own token limit (8 KiB).
            javalin.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize(16 * 1024);
                // Jetty caches a connection's repeated header lines in a 1024-character trie; a bearer token does not
                // fit, so every request cleared and refilled it (found in a flight recording). Off: lines parsed as sent.
                http.setHeaderCacheSize(0);
            });
            // RFC 9728 section 3: the path-suffixed URL for /mcp and, for clients that fall back to it, the root one.
            for (String path : List.of("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource")) {
                javalin.routes.get(path, ctx -> serveMetadata(ctx, metadata));
                javalin.routes.options(path, JavalinResourceServer::answerPreflight);
            }
            javalin.jetty.modifyServletContextHandler(context -> {
                ServletHolder servlet = new ServletHolder(new RevisionRouter(modernTransport, transport));
                servlet.setAsyncSupported(true); // SSE responses are written asynchronously
                context.addServlet(servlet, "/mcp");
                FilterHolder filter = new FilterHolder(auth);
                filter.setAsyncSupported(true);
                context.addFilter(filter, "/mcp", EnumSet.of(DispatcherType.REQUEST));
            });
        }).start();
        return new JavalinResourceServer(app, mcp, modernTransport);
    }

    public void stop() {
        mcp.closeGracefully();
        modernTransport.closeGracefully();
        app.stop();
    }

    // tag::no-request-state[]
    /**
     * MCP 2026-07-28 multi round-trip: a tool may answer "input required" with a state the client sends
     * back. No tool here does, so no state is ever issued, and any a request carries is refused (-32602).
     * The SDK's default codec would instead sign with a random per-process key and log a warning.
     */
    private static final RequestStateCodec NO_REQUEST_STATE = new RequestStateCodec() {
        @Override
        public String seal(McpRequestContext context, String state) {
            throw new IllegalStateException("No tool of this server asks for input");
        }

        @Override
        public String open(McpRequestContext context, String sealed) {
            return null;
        }
    };
    // end::no-request-state[]

    /** RFC 9728 section 2. {@code resource} is the configured public URL, never the request's Host. */
    private static Map<String, Object> protectedResourceMetadata(ServerConfig config, McpTools tools) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("resource", config.resource().toString());
        document.put("authorization_servers", List.of(config.authorizationServer().toString()));
        document.put("scopes_supported", tools.scopesSupported(config.requiredScope()));
        document.put("bearer_methods_supported", List.of("header"));
        document.put("resource_name", "MCP OAuth Cookbook: Javalin resource server");
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
