package dev.mcpoauth.cookbook.keycloakdcr.demo;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The MCP server this recipe's client talks to, so the recipe runs alone: a small but correct
 * resource server (Jetty + the MCP SDK servlet + Nimbus), the same rules as the resource-server
 * recipes in fewer lines. RFC 9728 metadata at both well-known URLs; 401 with
 * {@code resource_metadata} and {@code scope}; RS256 via the realm's JWKS, exact issuer, this
 * server as the only audience, {@code exp} required; tool {@code whoami} needs {@code mcp:tools},
 * {@code add_note} also {@code notes:write} (403 {@code insufficient_scope}, the client's step-up).
 * It records which access tokens reached it, for tests.
 */
public final class DemoMcpServer implements AutoCloseable {

    public static final String BASE_SCOPE = "mcp:tools";
    public static final String NOTES_WRITE = "notes:write";

    private final Server jetty;
    private final McpSyncServer mcp;
    private final URI url;
    private final List<String> acceptedTokens = new CopyOnWriteArrayList<>();

    private DemoMcpServer(Server jetty, McpSyncServer mcp, URI url) {
        this.jetty = jetty;
        this.mcp = mcp;
        this.url = url;
    }

    /** Starts on {@code 127.0.0.1:port}; {@code url} is its public {@code http://localhost:port/mcp}. */
    public static DemoMcpServer start(URI url, URI issuer, URI jwksUri) throws Exception {
        McpJsonMapper json = new JacksonMcpJsonMapper(JsonMapper.shared());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .contextExtractor(request -> McpTransportContext.create(
                        Map.of("claims", request.getAttribute(JWTClaimsSet.class.getName()))))
                .build();
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("keycloak-dcr-demo-server", "0.1.0")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools(json))
                .build();

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(url.getPort());
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        DemoMcpServer server = new DemoMcpServer(jetty, mcp, url);
        String metadata = JsonMapper.shared().writeValueAsString(Map.of(
                "resource", url.toString(),
                "authorization_servers", List.of(issuer.toString()),
                "scopes_supported", List.of(BASE_SCOPE, NOTES_WRITE),
                "bearer_methods_supported", List.of("header")));
        HttpServlet metadataServlet = new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("application/json");
                resp.getWriter().write(metadata);
            }
        };
        context.addServlet(new ServletHolder(metadataServlet), "/.well-known/oauth-protected-resource/mcp");
        context.addServlet(new ServletHolder(metadataServlet), "/.well-known/oauth-protected-resource");
        ServletHolder mcpServlet = new ServletHolder(transport);
        mcpServlet.setAsyncSupported(true);
        context.addServlet(mcpServlet, "/mcp");
        FilterHolder auth = new FilterHolder(server.new BearerFilter(issuer, jwksUri));
        auth.setAsyncSupported(true);
        context.addFilter(auth, "/mcp", EnumSet.of(DispatcherType.REQUEST));
        jetty.setHandler(context);
        jetty.start();
        return server;
    }

    public URI url() {
        return url;
    }

    /** Every access token this server accepted, in order. */
    public List<String> acceptedTokens() {
        return List.copyOf(acceptedTokens);
    }

    @Override
    public void close() throws Exception {
        mcp.close();
        jetty.stop();
    }

    private static List<SyncToolSpecification> tools(McpJsonMapper json) {
        String noArgs = "{\"type\":\"object\",\"properties\":{}}";
        SyncToolSpecification whoami = SyncToolSpecification.builder()
                .tool(Tool.builder().name("whoami").description("Who the access token says you are.")
                        .inputSchema(json, noArgs).build())
                .callHandler((exchange, request) -> {
                    JWTClaimsSet claims = (JWTClaimsSet) exchange.transportContext().get("claims");
                    return CallToolResult.builder()
                            .addTextContent("You are " + claims.getClaim("preferred_username") + ", scopes "
                                    + claims.getClaim("scope"))
                            .build();
                }).build();
        SyncToolSpecification addNote = SyncToolSpecification.builder()
                .tool(Tool.builder().name("add_note").description("Saves a note. Needs " + NOTES_WRITE + ".")
                        .inputSchema(json, "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}").build())
                .callHandler((exchange, request) -> CallToolResult.builder().addTextContent("Saved.").build())
                .build();
        return List.of(whoami, addNote);
    }

    /** The resource-server rules, in front of the MCP servlet. */
    private final class BearerFilter implements Filter {

        private final DefaultJWTProcessor<SecurityContext> jwt = new DefaultJWTProcessor<>();
        private final String resourceMetadataUrl;

        BearerFilter(URI issuer, URI jwksUri) throws Exception {
            // Cached and rate-limited. Nimbus' default 500 ms fetch timeouts refused fresh tokens when a loaded CI
            // machine answered the first JWKS fetch slowly (a fresh token refused with invalid_token).
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(jwksUri.toURL(),
                    new DefaultResourceRetriever(2_000, 2_000, 1 << 20)).build();
            jwt.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
            jwt.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(url.toString(),
                    new JWTClaimsSet.Builder().issuer(issuer.toString()).build(), Set.of("exp", "sub")));
            this.resourceMetadataUrl = url.resolve("/.well-known/oauth-protected-resource/mcp").toString();
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException,
                jakarta.servlet.ServletException {
            HttpServletRequest request = (HttpServletRequest) req;
            HttpServletResponse response = (HttpServletResponse) res;
            String header = request.getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                challenge(response, 401, null);
                return;
            }
            JWTClaimsSet claims;
            try {
                claims = jwt.process(header.substring(7).trim(), null);
                if (!List.of(url.toString()).equals(claims.getAudience())) {
                    throw new IllegalArgumentException("audience");
                }
            } catch (Exception invalid) {
                challenge(response, 401, "invalid_token");
                return;
            }
            Set<String> scopes = Set.of(String.valueOf(claims.getClaim("scope")).split(" "));
            if (!scopes.contains(BASE_SCOPE)) {
                challenge(response, 403, "insufficient_scope");
                return;
            }
            byte[] body = request.getInputStream().readNBytes(1 << 20);
            if (!scopes.contains(NOTES_WRITE) && callsTool(body, "add_note")) {
                challenge(response, 403, "insufficient_scope", BASE_SCOPE + " " + NOTES_WRITE);
                return;
            }
            acceptedTokens.add(header.substring(7).trim());
            request.setAttribute(JWTClaimsSet.class.getName(), claims);
            chain.doFilter(new CachedBody(request, body), response);
        }

        private void challenge(HttpServletResponse response, int status, String error) {
            challenge(response, status, error, BASE_SCOPE);
        }

        private void challenge(HttpServletResponse response, int status, String error, String scope) {
            List<String> params = new ArrayList<>();
            if (error != null) {
                params.add("error=\"" + error + "\"");
            }
            params.add("scope=\"" + scope + "\"");
            params.add("resource_metadata=\"" + resourceMetadataUrl + "\"");
            response.setStatus(status);
            response.setHeader("WWW-Authenticate", "Bearer " + String.join(", ", params));
        }

        private static boolean callsTool(byte[] body, String tool) {
            if (body.length == 0) {
                return false;
            }
            try {
                JsonNode message = JsonMapper.shared().readTree(body);
                return "tools/call".equals(message.path("method").asString(""))
                        && tool.equals(message.path("params").path("name").asString(""));
            } catch (RuntimeException notJson) {
                return false;
            }
        }
    }

    /** The body was read for the scope check; the MCP servlet reads it again from here. */
    private static final class CachedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        CachedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }
}
