package dev.mcpoauth.cookbook.benchmarks;

import io.javalin.Javalin;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The baseline for the auth-overhead figure: the Javalin resource server's stack (Javalin 7, the MCP
 * SDK's Streamable HTTP servlet, a {@code whoami} tool answering the same shape) without
 * {@code McpAuthFilter}. Benchmark-only: a real MCP server never runs like this.
 */
final class UnauthenticatedTwin {

    private final Javalin app;
    private final McpSyncServer mcp;

    private UnauthenticatedTwin(Javalin app, McpSyncServer mcp) {
        this.app = app;
        this.mcp = mcp;
    }

    static UnauthenticatedTwin start(int port) {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json).mcpEndpoint("/mcp").build();
        Tool whoami = Tool.builder().name("whoami").description("Who you are")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        McpSyncServer mcp = McpServer.sync(transport).serverInfo("unauthenticated-twin", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(SyncToolSpecification.builder().tool(whoami).callHandler((exchange, request) ->
                        CallToolResult.builder().addTextContent("You are nobody: this server checks no token.")
                                .structuredContent(Map.of("subject", "anonymous", "username", "anonymous",
                                        "client", "none", "scopes", java.util.List.of("mcp:tools")))
                                .build()).build())
                .build();
        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = "127.0.0.1";
            javalin.jetty.port = port;
            javalin.jetty.modifyServletContextHandler(context -> {
                ServletHolder servlet = new ServletHolder(transport);
                servlet.setAsyncSupported(true);
                context.addServlet(servlet, "/mcp");
            });
        }).start();
        return new UnauthenticatedTwin(app, mcp);
    }

    void stop() {
        mcp.closeGracefully();
        app.stop();
    }
}
