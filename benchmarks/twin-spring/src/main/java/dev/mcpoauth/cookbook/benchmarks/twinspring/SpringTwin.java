package dev.mcpoauth.cookbook.benchmarks.twinspring;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/**
 * The baseline of the Spring auth-overhead figure: what {@code resource-server-spring} is without
 * Spring Security (not on the classpath at all, so nothing to switch off). Same Boot version, same
 * servlet container, the MCP SDK servlet mounted the same way, a {@code whoami} tool answering the same
 * shape. Benchmark-only: a real MCP server never runs like this.
 */
@SpringBootApplication
public class SpringTwin {

    public static void main(String[] args) {
        SpringApplication.run(SpringTwin.class, args);
    }

    @Bean
    HttpServletStreamableServerTransportProvider mcpTransport() {
        return HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json()).mcpEndpoint("/mcp").build();
    }

    @Bean(destroyMethod = "closeGracefully")
    McpSyncServer mcpServer(HttpServletStreamableServerTransportProvider transport) {
        Tool whoami = Tool.builder().name("whoami").description("Who you are")
                .inputSchema(json(), "{\"type\":\"object\",\"properties\":{}}").build();
        return McpServer.sync(transport).serverInfo("unauthenticated-spring-twin", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(SyncToolSpecification.builder().tool(whoami).callHandler((exchange, request) ->
                        CallToolResult.builder().addTextContent("You are nobody: this server checks no token.")
                                .structuredContent(Map.of("subject", "anonymous", "username", "anonymous",
                                        "client", "none", "scopes", List.of("mcp:tools")))
                                .build()).build())
                .build();
    }

    @Bean
    ServletRegistrationBean<HttpServletStreamableServerTransportProvider> mcpServlet(
            HttpServletStreamableServerTransportProvider transport) {
        ServletRegistrationBean<HttpServletStreamableServerTransportProvider> registration =
                new ServletRegistrationBean<>(transport, "/mcp");
        registration.setAsyncSupported(true);
        return registration;
    }

    private static McpJsonMapper json() {
        return new JacksonMcpJsonMapper(JsonMapper.shared());
    }
}
