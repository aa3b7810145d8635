package dev.mcpoauth.cookbook.resourceservermicronaut;

import io.micronaut.security.token.validator.TokenValidator;
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
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletRequest;
import java.util.EnumSet;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP endpoint: the MCP Java SDK's Streamable HTTP transports for MCP 2025-11-25 and 2026-07-28,
 * plain servlets, mounted together at {@code /mcp} ({@link RevisionRouter}) in Micronaut's servlet
 * container (Jetty) next to Micronaut's own servlet, behind {@link McpAuthFilter}
 * ({@link RevisionAwareMcpAuthFilter}), which makes them an OAuth resource server. Micronaut hands every
 * {@link ServletContainerInitializer} bean the servlet context at startup.
 */
@Singleton
final class McpEndpoint implements ServletContainerInitializer {

    static final String PATH = "/mcp";
    private static final String SERVLET_NAME = "mcp";

    private final HttpServletStreamableServerTransportProvider transport;
    private final McpSyncServer server;
    private final HttpServletMcpTransport modernTransport;
    private final CachingTokenValidator validator;
    private final RevisionAwareMcpAuthFilter authFilter;

    McpEndpoint(McpConfiguration mcp, McpTools tools, TokenValidator<HttpServletRequest> tokenValidator,
                AccessTokenValidation.JwksSignature signature, AccessTokenValidation.ValidationClock time) {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        // tag::transport[]
        transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(PATH)
                // Hands the user McpAuthFilter authenticated to the tools (see AuthenticatedUser).
                .contextExtractor(AuthenticatedUser::toTransportContext)
                // MCP transport spec: refuse browser requests from unknown origins (DNS rebinding).
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(mcp.allowedOrigins())
                        .build())
                .build();
        // end::transport[]
        server = McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-resource-server-micronaut", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.specifications(json))
                .build();

        // tag::modern-transport[]
        // MCP 2026-07-28: stateless, the same tools (ModernTools) and the same user.
        modernTransport = HttpServletMcpTransport.builder(io.modelcontextprotocol.modern.server.McpServer.builder()
                        .serverInfo(McpSchema.Implementation.builder("mcp-oauth-cookbook-resource-server-micronaut", "0.1.0").build())
                        .jsonMapper(json)
                        .feature(ToolsFeature.ofSync(new ModernTools(tools, json)))
                        .requestStateCodec(NO_REQUEST_STATE)
                        .build())
                .jsonMapper(json)
                .endpoint(PATH)
                .contextExtractor(AuthenticatedUser::toTransportContext) // the same user, from McpAuthFilter
                .httpHeaderValidator(DefaultServerTransportSecurityValidator.builder()
                        .allowedOrigins(mcp.allowedOrigins())
                        .build())
                .build();
        // end::modern-transport[]

        // tag::filters[]
        // Every check in front of the MCP servlet, in one filter, for both revisions; Micronaut Security validates the
        // token, once per token and minute (CachingTokenValidator).
        validator = new CachingTokenValidator(tokenValidator, signature, time);
        authFilter = new RevisionAwareMcpAuthFilter(new McpAuthFilter(mcp, validator, tools::requiredScope));
        // end::filters[]
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        // One servlet at /mcp; each request goes to the transport of the revision it speaks.
        ServletRegistration.Dynamic servlet = context.addServlet(SERVLET_NAME, new RevisionRouter(modernTransport, transport));
        servlet.addMapping(PATH);
        servlet.setAsyncSupported(true); // SSE responses are written asynchronously
        FilterRegistration.Dynamic filter = context.addFilter("mcp-auth", authFilter);
        filter.setAsyncSupported(true);
        filter.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), true, SERVLET_NAME);
    }

    /** How many verified tokens the filter remembers now (tests of the cache's bound). */
    int verifiedTokens() {
        return validator.size();
    }

    @PreDestroy
    void close() {
        modernTransport.closeGracefully();
        server.closeGracefully();
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
