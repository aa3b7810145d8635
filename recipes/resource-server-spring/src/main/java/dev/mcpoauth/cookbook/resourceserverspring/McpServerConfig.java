package dev.mcpoauth.cookbook.resourceserverspring;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
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
 * The MCP server itself: the MCP Java SDK's Streamable HTTP transports for MCP 2025-11-25 and
 * 2026-07-28 are plain servlets, mounted together at {@code /mcp} ({@link RevisionRouter}) behind
 * Spring Security's filter chain.
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

    // tag::modern-transport[]
    /** MCP 2026-07-28: stateless, the same tools ({@link ModernTools}) and the same user. */
    @Bean(destroyMethod = "closeGracefully")
    HttpServletMcpTransport modernMcpTransport(McpJsonMapper json, McpServerProperties mcp, McpTools tools) {
        return HttpServletMcpTransport.builder(io.modelcontextprotocol.modern.server.McpServer.builder()
                        .serverInfo(McpSchema.Implementation.builder("mcp-oauth-cookbook-resource-server-spring", "0.1.0").build())
                        .jsonMapper(json)
                        .feature(ToolsFeature.ofSync(new ModernTools(tools, json)))
                        .requestStateCodec(NO_REQUEST_STATE)
                        .build())
                .jsonMapper(json)
                .endpoint("/mcp")
                .contextExtractor(AuthenticatedUser::toTransportContext) // the same user, from Spring Security
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(mcp.allowedOrigins())
                        .build())
                .build();
    }
    // end::modern-transport[]

    /** One servlet at {@code /mcp}; each request goes to the transport of the revision it speaks. */
    @Bean
    ServletRegistrationBean<RevisionRouter> mcpServlet(HttpServletMcpTransport modernTransport,
                                                      HttpServletStreamableServerTransportProvider transport) {
        ServletRegistrationBean<RevisionRouter> registration =
                new ServletRegistrationBean<>(new RevisionRouter(modernTransport, transport), "/mcp");
        registration.setAsyncSupported(true); // SSE responses are written asynchronously
        return registration;
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
}
