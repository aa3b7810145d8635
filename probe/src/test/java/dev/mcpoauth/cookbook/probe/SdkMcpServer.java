package dev.mcpoauth.cookbook.probe;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import tools.jackson.databind.json.JsonMapper;

/**
 * An MCP server of the MCP Java SDK's own transports on Jetty, behind a Bearer filter: the 2026-07-28
 * {@code HttpServletMcpTransport}, the 2025-11-25 {@code HttpServletStreamableServerTransportProvider}, or
 * both on one /mcp, routed by {@code MCP-Protocol-Version} as the cookbook's recipes do. Everything the
 * probe judges on the wire is the SDK's; the filter and the metadata documents are the least a protected
 * server serves. The probe must find every MUST met.
 */
final class SdkMcpServer implements AutoCloseable {

    static final String GOOD_TOKEN = "sdk-server-good-token-0123456789";
    static final String SCOPE = "mcp:tools";
    /** The revisions that open with initialize (MCP 2026-07-28 Versioning, "Terminology"). */
    private static final Set<String> LEGACY_VERSIONS = Set.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");

    enum Revisions { BOTH, STATELESS_ONLY, INITIALIZE_ONLY }

    private final Server jetty;
    private final McpSyncServer legacyServer;
    private final HttpServletMcpTransport modernTransport;

    SdkMcpServer(Revisions revisions) throws Exception {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        HttpServletStreamableServerTransportProvider legacy = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json).mcpEndpoint("/mcp").build();
        legacyServer = McpServer.sync(legacy).serverInfo("probe-test-sdk-server", "1")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(SyncToolSpecification.builder()
                        .tool(Tool.builder().name("whoami").description("who you are")
                                .inputSchema(json, "{\"type\":\"object\"}").build())
                        .callHandler((exchange, request) -> CallToolResult.builder().addTextContent("you").build())
                        .build())
                .build();
        McpSyncTool whoami = McpSyncTool.of(McpSchema.Tool.builder("whoami", Map.of("type", "object"))
                        .description("who you are").build(),
                (context, request) -> McpSyncResponse.result(McpSchema.CallToolResult.builder()
                        .addContent(McpSchema.TextContent.builder("you").build()).build()));
        modernTransport = HttpServletMcpTransport.builder(io.modelcontextprotocol.modern.server.McpServer.builder()
                        .serverInfo(McpSchema.Implementation.builder("probe-test-sdk-server", "1").build())
                        .jsonMapper(json)
                        .feature(ToolsFeature.ofSync(new McpSyncToolRepository() {
                            @Override
                            public ToolsPage list(McpRequestContext context, String cursor) {
                                return ToolsPage.of(List.of(whoami.definition()));
                            }

                            @Override
                            public McpSyncTool find(McpRequestContext context, String name) {
                                return "whoami".equals(name) ? whoami : null;
                            }
                        }))
                        .build())
                .jsonMapper(json).endpoint("/mcp").build();
        HttpServlet mcp = switch (revisions) {
            case BOTH -> new HttpServlet() {
                @Override
                protected void service(HttpServletRequest request, HttpServletResponse response) throws
                        jakarta.servlet.ServletException, IOException {
                    String version = request.getHeader("MCP-Protocol-Version");
                    boolean stateless = "POST".equals(request.getMethod()) && version != null
                            && !LEGACY_VERSIONS.contains(version);
                    (stateless ? modernTransport : legacy).service(request, response);
                }
            };
            case STATELESS_ONLY -> modernTransport;
            case INITIALIZE_ONLY -> legacy;
        };

        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder holder = new ServletHolder(mcp);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        context.addServlet(new ServletHolder(new Metadata()), "/.well-known/*");
        FilterHolder bearer = new FilterHolder(new BearerFilter());
        bearer.setAsyncSupported(true);
        context.addFilter(bearer, "/mcp", EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
    }

    URI origin() {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort());
    }

    URI mcpUrl() {
        return URI.create(origin() + "/mcp");
    }

    private String metadataUrl() {
        return origin() + "/.well-known/oauth-protected-resource/mcp";
    }

    /** 401 with a challenge unless the token is the good one (RFC 6750 section 3, RFC 9728 section 5.1). */
    private final class BearerFilter extends HttpFilter {
        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, jakarta.servlet.ServletException {
            String authorization = request.getHeader("Authorization");
            if (("Bearer " + GOOD_TOKEN).equals(authorization)) {
                chain.doFilter(request, response);
                return;
            }
            response.setHeader("WWW-Authenticate", "Bearer " + (authorization == null ? "" : "error=\"invalid_token\", ")
                    + "resource_metadata=\"" + metadataUrl() + "\", scope=\"" + SCOPE + "\"");
            response.setStatus(401);
        }
    }

    /** RFC 9728 and RFC 8414 documents: this origin is the authorization server too. */
    private final class Metadata extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Map<String, Object> document = new LinkedHashMap<>();
            switch (request.getRequestURI()) {
                case "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource" -> {
                    document.put("resource", mcpUrl().toString());
                    document.put("authorization_servers", List.of(origin().toString()));
                    document.put("scopes_supported", List.of(SCOPE));
                    document.put("bearer_methods_supported", List.of("header"));
                    response.setHeader("Access-Control-Allow-Origin", "*");
                }
                case "/.well-known/oauth-authorization-server" -> {
                    document.put("issuer", origin().toString());
                    document.put("authorization_endpoint", origin() + "/authorize");
                    document.put("token_endpoint", origin() + "/token");
                    document.put("code_challenge_methods_supported", List.of("S256"));
                    document.put("client_id_metadata_document_supported", true);
                    document.put("authorization_response_iss_parameter_supported", true);
                }
                default -> {
                    response.setStatus(404);
                    return;
                }
            }
            response.setContentType("application/json");
            response.getWriter().write(JsonMapper.shared().writeValueAsString(document));
        }
    }

    @Override
    public void close() throws Exception {
        legacyServer.closeGracefully();
        modernTransport.closeGracefully();
        jetty.stop();
    }
}
