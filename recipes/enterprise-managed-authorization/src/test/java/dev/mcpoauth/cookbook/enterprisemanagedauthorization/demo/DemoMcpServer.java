package dev.mcpoauth.cookbook.enterprisemanagedauthorization.demo;

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
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
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
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
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
import java.util.function.Function;
import java.util.stream.Collectors;
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
 * <p>
 * It speaks both MCP revisions on {@code /mcp}, as the cookbook's resource servers do (the tools written
 * once, the SDK's 2025-11-25 and 2026-07-28 transports behind {@link RevisionRouter}), or, for the
 * client's fallback tests, only one of them ({@link #speak(Revisions)}).
 */
public final class DemoMcpServer implements AutoCloseable {

    public static final String BASE_SCOPE = "mcp:tools";
    public static final String NOTES_WRITE = "notes:write";
    /** What {@code list_notes} needs: granted to agents that ask for it, the scope their step-up gets. */
    public static final String NOTES_READ = "notes:read";

    /** Which MCP revisions {@code /mcp} speaks. */
    public enum Revisions {
        /** 2026-07-28 and 2025-11-25, routed by {@link RevisionRouter}. */
        BOTH,
        /** A server of the initialize era: every request goes to the SDK's 2025-11-25 transport. */
        ONLY_2025_11_25,
        /** A 2026-07-28-only server: every request goes to the SDK's 2026-07-28 transport (initialize refused, -32022). */
        ONLY_2026_07_28,
        /** A server of the 2026-07-28 era that supports only a later version: -32022 to everything. */
        ONLY_A_LATER_VERSION
    }

    /** The version {@link Revisions#ONLY_A_LATER_VERSION} claims. */
    public static final String LATER_VERSION = "2099-01-01";

    private final Server jetty;
    private final McpSyncServer mcp;
    private final URI url;
    private final List<String> acceptedTokens = new CopyOnWriteArrayList<>();
    private final List<String> receivedMethods = new CopyOnWriteArrayList<>();
    private volatile Revisions revisions = Revisions.BOTH;

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
        HttpServletMcpTransport modern = modernTransport(json, List.of("2026-07-28"));
        HttpServletMcpTransport later = modernTransport(json, List.of(LATER_VERSION));

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
        ServletHolder mcpServlet = new ServletHolder(server.new RevisionSwitch(new RevisionRouter(modern, transport),
                transport, modern, later));
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

    /** From now on {@code /mcp} speaks these revisions. */
    public void speak(Revisions revisions) {
        this.revisions = revisions;
    }

    /** The JSON-RPC method of every POST to {@code /mcp}, authorized or not, in order. */
    public List<String> receivedMethods() {
        return List.copyOf(receivedMethods);
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

    /** The tools, written once: name, description, input schema, and the answer from the caller's claims. */
    private record DemoTool(String name, String description, String inputSchema, Function<JWTClaimsSet, String> answer) {
    }

    private static final List<DemoTool> TOOLS = List.of(
            new DemoTool("whoami", "Who the access token says you are.", "{\"type\":\"object\",\"properties\":{}}",
                    claims -> "You are " + claims.getClaim("preferred_username") + ", scopes " + claims.getClaim("scope")
                            // Keycloak's client credentials tokens name the agent: a client, no person behind it.
                            + (claims.getClaim("client_id") == null ? "" : ", an agent: client " + claims.getClaim("client_id"))),
            new DemoTool("add_note", "Saves a note. Needs " + NOTES_WRITE + ".",
                    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}", claims -> "Saved."),
            new DemoTool("list_notes", "Lists the notes. Needs " + NOTES_READ + ".", "{\"type\":\"object\",\"properties\":{}}",
                    claims -> "No notes yet."));

    /** The tools for 2025-11-25 clients. */
    private static List<SyncToolSpecification> tools(McpJsonMapper json) {
        return TOOLS.stream().map(tool -> SyncToolSpecification.builder()
                .tool(Tool.builder().name(tool.name()).description(tool.description()).inputSchema(json, tool.inputSchema())
                        .build())
                .callHandler((exchange, request) -> CallToolResult.builder()
                        .addTextContent(tool.answer().apply((JWTClaimsSet) exchange.transportContext().get("claims")))
                        .build())
                .build()).toList();
    }

    /** The same tools for 2026-07-28 clients: the SDK's modern server, its transport, the same claims. */
    private static HttpServletMcpTransport modernTransport(McpJsonMapper json, List<String> versions) {
        Map<String, McpSyncTool> byName = TOOLS.stream().collect(Collectors.toUnmodifiableMap(DemoTool::name,
                tool -> McpSyncTool.of(io.modelcontextprotocol.modern.McpSchema.Tool
                        .builder(tool.name(), json, tool.inputSchema()).description(tool.description()).build(),
                        (context, request) -> McpSyncResponse.result(io.modelcontextprotocol.modern.McpSchema.CallToolResult
                                .builder().addContent(io.modelcontextprotocol.modern.McpSchema.TextContent.builder(
                                        tool.answer().apply((JWTClaimsSet) context.transportContext().get("claims")))
                                        .build())
                                .build()))));
        List<io.modelcontextprotocol.modern.McpSchema.Tool> listed =
                TOOLS.stream().map(tool -> byName.get(tool.name()).definition()).toList();
        io.modelcontextprotocol.modern.server.McpServer server = io.modelcontextprotocol.modern.server.McpServer.builder()
                .serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
                        .builder("keycloak-dcr-demo-server", "0.1.0").build())
                .supportedVersions(versions)
                .jsonMapper(json)
                .feature(ToolsFeature.ofSync(new McpSyncToolRepository() {
                    @Override
                    public ToolsPage list(McpRequestContext context, String cursor) {
                        return ToolsPage.of(listed);
                    }

                    @Override
                    public McpSyncTool find(McpRequestContext context, String name) {
                        return byName.get(name);
                    }
                }))
                .requestStateCodec(NO_REQUEST_STATE)
                .build();
        return HttpServletMcpTransport.builder(server)
                .jsonMapper(json)
                .endpoint("/mcp")
                .contextExtractor(request -> McpTransportContext.create(
                        Map.of("claims", request.getAttribute(JWTClaimsSet.class.getName()))))
                .build();
    }

    /** No tool asks for input, so no request state is ever issued, and any a request carries is refused. */
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

    /** {@code /mcp}: the revisions {@link #speak(Revisions)} chose. */
    private final class RevisionSwitch extends HttpServlet {
        private final HttpServlet both;
        private final HttpServlet legacy;
        private final HttpServlet modern;
        private final HttpServlet later;

        RevisionSwitch(HttpServlet both, HttpServlet legacy, HttpServlet modern, HttpServlet later) {
            this.both = both;
            this.legacy = legacy;
            this.modern = modern;
            this.later = later;
        }

        @Override
        public void init(ServletConfig config) throws ServletException {
            super.init(config);
            both.init(config); // the router initializes the 2025-11-25 and 2026-07-28 transports
            later.init(config);
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException,
                IOException {
            (switch (revisions) {
                case BOTH -> both;
                case ONLY_2025_11_25 -> legacy;
                case ONLY_2026_07_28 -> modern;
                case ONLY_A_LATER_VERSION -> later;
            }).service(request, response);
        }

        @Override
        public void destroy() {
            both.destroy();
            later.destroy();
        }
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
            byte[] body = request.getInputStream().readNBytes(1 << 20);
            if ("POST".equals(request.getMethod())) {
                receivedMethods.add(method(body));
            }
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
            if (!scopes.contains(NOTES_WRITE) && callsTool(body, "add_note")) {
                challenge(response, 403, "insufficient_scope", BASE_SCOPE + " " + NOTES_WRITE);
                return;
            }
            if (!scopes.contains(NOTES_READ) && callsTool(body, "list_notes")) {
                challenge(response, 403, "insufficient_scope", BASE_SCOPE + " " + NOTES_READ);
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

        private static String method(byte[] body) {
            try {
                return JsonMapper.shared().readTree(body).path("method").asString("");
            } catch (RuntimeException notJson) {
                return "";
            }
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
