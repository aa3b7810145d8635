package dev.mcpoauth.cookbook.resourceserverspring;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP server itself: the MCP Java SDK's Streamable HTTP transport is a plain servlet, mounted
 * at {@code /mcp} behind Spring Security's filter chain.
 */
@Configuration
class McpServerConfig {

    @Bean
    McpJsonMapper mcpJsonMapper() {
        return new JacksonMcpJsonMapper(JsonMapper.shared());
    }

    // tag::transport[]
    @Bean
    HttpServletStreamableServerTransportProvider mcpTransport(McpJsonMapper json, McpServerProperties mcp) {
        return HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                // Hands the user Spring Security authenticated to the tools (see AuthenticatedUser).
                .contextExtractor(AuthenticatedUser::toTransportContext)
                // MCP transport spec: refuse browser requests from unknown origins (DNS rebinding).
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(mcp.allowedOrigins())
                        .build())
                .build();
    }
    // end::transport[]

    @Bean(destroyMethod = "closeGracefully")
    McpSyncServer mcpServer(HttpServletStreamableServerTransportProvider transport, McpTools tools) {
        return McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-resource-server-spring", "0.1.0")
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
