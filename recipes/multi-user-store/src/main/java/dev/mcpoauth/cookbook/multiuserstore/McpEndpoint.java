package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.ResourceServer;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools;
import dev.mcpoauth.cookbook.multiuserstore.tools.ModernCalendarTools;
import dev.mcpoauth.cookbook.multiuserstore.tools.RequestStateConfiguration;
import io.micronaut.security.token.validator.TokenValidator;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema;
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
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP endpoint: the MCP Java SDK's Streamable HTTP transports for MCP 2025-11-25 and 2026-07-28,
 * plain servlets, mounted together at {@code /mcp} (the resource server's RevisionRouter,
 * {@link ResourceServer#revisionRouter}) in Micronaut's servlet container (Jetty) next to Micronaut's own
 * servlet, behind the resource server's McpAuthFilter ({@link ResourceServer#mcpAuthFilter}), which makes
 * them an OAuth resource server (the same files as the Micronaut resource-server recipe's). Micronaut
 * hands every {@link ServletContainerInitializer} bean the servlet context at startup.
 */
@Singleton
final class McpEndpoint implements ServletContainerInitializer {

    static final String PATH = "/mcp";
    private static final String SERVLET_NAME = "mcp";

    private final HttpServletStreamableServerTransportProvider transport;
    private final McpSyncServer server;
    private final HttpServletMcpTransport modernTransport;
    private final HttpFilter authFilter;

    McpEndpoint(McpConfiguration mcp, CalendarTools tools, TokenValidator<HttpServletRequest> tokenValidator,
                RequestStateConfiguration requestState, Clock clock) {
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
                .serverInfo("mcp-oauth-cookbook-multi-user-store", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.specifications(json))
                .build();

        // tag::modern-transport[]
        // MCP 2026-07-28: stateless, the same tools (ModernCalendarTools) and the same user; the connect link's
        // round trip carries a request state sealed with the key every instance shares.
        modernTransport = HttpServletMcpTransport.builder(io.modelcontextprotocol.modern.server.McpServer.builder()
                        .serverInfo(McpSchema.Implementation.builder("mcp-oauth-cookbook-multi-user-store", "0.1.0").build())
                        .jsonMapper(json)
                        .feature(ToolsFeature.ofSync(new ModernCalendarTools(tools, json)))
                        .requestStateCodec(requestState.codec(clock))
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
        // Every check in front of the MCP servlet, in one filter, for both revisions; Micronaut Security validates the token.
        // The tools' own map says which extra scope a tool needs (disconnect: calendar:disconnect).
        authFilter = ResourceServer.mcpAuthFilter(mcp, tokenValidator, CalendarTools::requiredScope);
        // end::filters[]
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        // One servlet at /mcp; each request goes to the transport of the revision it speaks.
        ServletRegistration.Dynamic servlet = context.addServlet(SERVLET_NAME, ResourceServer.revisionRouter(modernTransport, transport));
        servlet.addMapping(PATH);
        servlet.setAsyncSupported(true); // SSE responses are written asynchronously
        FilterRegistration.Dynamic filter = context.addFilter("mcp-auth", authFilter);
        filter.setAsyncSupported(true);
        filter.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), true, SERVLET_NAME);
    }

    @PreDestroy
    void close() {
        modernTransport.closeGracefully();
        server.closeGracefully();
    }
}
