package dev.mcpoauth.cookbook.githubproxy.mcp;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
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
 * The MCP server in the same process: the MCP Java SDK's Streamable HTTP transports for MCP 2025-11-25
 * and 2026-07-28, plain servlets mounted together at {@code /mcp} ({@link RevisionRouter}), and the
 * GitHub tools. Its security (bearer tokens, scopes, sessions, the JSON-RPC body) is in
 * {@link McpSecurityConfig} and {@link McpAuthFilter}.
 */
@Configuration
class McpServerConfig {

    private static final String SERVER_NAME = "mcp-oauth-cookbook-github-proxy";
    private static final String SERVER_VERSION = "0.1.0";

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
                .serverInfo(SERVER_NAME, SERVER_VERSION)
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.specifications())
                // Run each tool on the request's own servlet thread (which waits for the answer anyway)
                // instead of handing it to Reactor's boundedElastic pool: one thread hop less per call.
                .immediateExecution(true)
                .build();
    }

    // tag::modern-transport[]
    /** MCP 2026-07-28: stateless, the same tools ({@link ModernTools}) for the same signed-in user. */
    @Bean(destroyMethod = "closeGracefully")
    HttpServletMcpTransport modernMcpTransport(McpJsonMapper json, ProxyProperties properties, GitHubTools tools) {
        return HttpServletMcpTransport.builder(io.modelcontextprotocol.modern.server.McpServer.builder()
                        .serverInfo(McpSchema.Implementation.builder(SERVER_NAME, SERVER_VERSION).build())
                        .jsonMapper(json)
                        .feature(ToolsFeature.ofSync(new ModernTools(tools, json)))
                        .requestStateCodec(NO_REQUEST_STATE)
                        .build())
                .jsonMapper(json)
                .endpoint("/mcp")
                .contextExtractor(AuthenticatedUser::toTransportContext) // the same user, from Spring Security
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(properties.allowedOrigins())
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
