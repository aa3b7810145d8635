package dev.mcpoauth.cookbook.benchmarks.twinmicronaut;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * The recipe's {@code McpEndpoint} without its filters: the MCP SDK servlet mounted at {@code /mcp} in
 * Micronaut's Jetty the same way (a {@link ServletContainerInitializer} bean), a {@code whoami} tool
 * answering the same shape, no token checked.
 */
@Singleton
final class TwinEndpoint implements ServletContainerInitializer {

    private final HttpServletStreamableServerTransportProvider transport;
    private final McpSyncServer server;

    TwinEndpoint() {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        transport = HttpServletStreamableServerTransportProvider.builder().jsonMapper(json).mcpEndpoint("/mcp").build();
        Tool whoami = Tool.builder().name("whoami").description("Who you are")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        server = McpServer.sync(transport).serverInfo("unauthenticated-micronaut-twin", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(SyncToolSpecification.builder().tool(whoami).callHandler((exchange, request) ->
                        CallToolResult.builder().addTextContent("You are nobody: this server checks no token.")
                                .structuredContent(Map.of("subject", "anonymous", "username", "anonymous",
                                        "client", "none", "scopes", List.of("mcp:tools")))
                                .build()).build())
                .build();
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        ServletRegistration.Dynamic servlet = context.addServlet("mcp", transport);
        servlet.addMapping("/mcp");
        servlet.setAsyncSupported(true);
    }

    @PreDestroy
    void close() {
        server.closeGracefully();
    }
}
