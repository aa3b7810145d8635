package dev.mcpoauth.cookbook.tokengateway.backends;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.mcpoauth.cookbook.tokengateway.AccessTokenValidator;
import dev.mcpoauth.cookbook.tokengateway.AccessTokenValidator.InvalidTokenException;
import io.javalin.Javalin;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small MCP server behind the gateway. It accepts exactly one kind of token: issued by the realm,
 * {@code aud} = its own URL only, {@code azp} = the gateway. A client's own token (aud = gateway) and
 * a token exchanged for another backend both fail the audience check: 401.
 *
 * <p>It keeps a record of what reached it (headers and token claims, never the token) so the tests
 * and the demo can show what a backend sees.
 */
public final class BackendServer {

    /** One request as the backend saw it. */
    public record ReceivedRequest(String method, Map<String, String> headers, Map<String, Object> tokenClaims) {
    }

    private final Javalin app;
    private final McpSyncServer mcp;
    private final List<ReceivedRequest> received;

    private BackendServer(Javalin app, McpSyncServer mcp, List<ReceivedRequest> received) {
        this.app = app;
        this.mcp = mcp;
        this.received = received;
    }

    /**
     * @param url            the backend's MCP endpoint and its audience ({@code http://host:port/mcp})
     * @param gatewayClientId the only client whose tokens this backend accepts
     */
    public static BackendServer start(String name, URI url, URI issuer, URI jwksUri, String gatewayClientId,
                                      Function<McpJsonMapper, List<SyncToolSpecification>> tools)
            throws MalformedURLException {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(url.getPath())
                .contextExtractor(BackendUser::toTransportContext)
                // Pings keep an idle event stream provably alive, and let the gateway notice a client that left.
                .keepAliveInterval(Duration.ofSeconds(15))
                .build();
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("mcp-oauth-cookbook-backend-" + name, "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools.apply(json))
                .build();
        AccessTokenValidator validator = new AccessTokenValidator(issuer, jwksUri, url.toString(), Duration.ofSeconds(30),
                gatewayClientId);
        List<ReceivedRequest> received = new CopyOnWriteArrayList<>();
        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = "127.0.0.1"; // reachable by the gateway only, not published
            javalin.jetty.port = url.getPort();
            javalin.jetty.modifyServletContextHandler(context -> {
                ServletHolder servlet = new ServletHolder(transport);
                servlet.setAsyncSupported(true);
                context.addServlet(servlet, url.getPath());
                FilterHolder filter = new FilterHolder(new GatewayTokenFilter(validator, received));
                filter.setAsyncSupported(true);
                context.addFilter(filter, url.getPath(), EnumSet.of(DispatcherType.REQUEST));
            });
        }).start();
        return new BackendServer(app, mcp, received);
    }

    /** What reached this backend, oldest first (a snapshot). */
    public List<ReceivedRequest> received() {
        return List.copyOf(received);
    }

    public void stop() {
        mcp.closeGracefully();
        app.stop();
    }

    /** Only the gateway's exchanged tokens for this backend. No discovery metadata: clients never come here. */
    private static final class GatewayTokenFilter extends HttpFilter {

        private static final int MAX_RECORDED = 1000;

        private final AccessTokenValidator validator;
        private final List<ReceivedRequest> received;

        GatewayTokenFilter(AccessTokenValidator validator, List<ReceivedRequest> received) {
            this.validator = validator;
            this.received = received;
        }

        @Override
        protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            Map<String, String> headers = new LinkedHashMap<>();
            Collections.list(request.getHeaderNames()).forEach(name -> headers.put(name.toLowerCase(),
                    name.equalsIgnoreCase("Authorization") ? "(recorded as claims)" : request.getHeader(name)));
            String header = request.getHeader("Authorization");
            JWTClaimsSet claims = null;
            BackendUser user = null;
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                try {
                    claims = validator.validate(header.substring(7));
                    user = BackendUser.from(claims);
                } catch (InvalidTokenException | ParseException invalid) {
                    claims = null;
                }
            }
            received.add(new ReceivedRequest(request.getMethod(), headers,
                    claims == null ? Map.of() : claims.toJSONObject()));
            if (received.size() > MAX_RECORDED) {
                received.remove(0);
            }
            if (user == null) {
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                return;
            }
            user.attachTo(request);
            chain.doFilter(request, response);
        }
    }
}
