package dev.mcpoauth.cookbook.githubproxy.mcp;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
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
 * The MCP server in the same process: the MCP Java SDK's Streamable HTTP servlet at {@code /mcp} and
 * the GitHub tools. Its security (bearer tokens, scopes, sessions, the JSON-RPC body) is in
 * {@link McpSecurityConfig} and {@link McpAuthFilter}.
 */
@Configuration
class McpServerConfig {

    @Bean
    McpJsonMapper mcpJsonMapper() {
        return new JacksonMcpJsonMapper(JsonMapper.shared());
    }

    @Bean
    HttpServletStreamableServerTransportProvider mcpTransport(McpJsonMapper json, ProxyProperties properties) {
        return HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .contextExtractor(AuthenticatedUser::toTransportContext)
                // MCP transport spec: refuse browser requests from unknown origins (DNS rebinding).
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(properties.allowedOrigins())
                        .build())
                .build();
    }

    @Bean(destroyMethod = "closeGracefully")
    McpSyncServer mcpServer(HttpServletStreamableServerTransportProvider transport, GitHubTools tools) {
        return McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-github-proxy", "0.1.0")
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
