package dev.mcpoauth.cookbook.tokengateway.backends;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.mcpoauth.cookbook.tokengateway.inbound.AccessTokenValidator.InvalidTokenException;
import dev.mcpoauth.cookbook.tokengateway.inbound.AccessTokenValidator;
import io.javalin.Javalin;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.modern.McpSchema.Implementation;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import io.modelcontextprotocol.modern.server.feature.ToolsFeature;
import io.modelcontextprotocol.modern.server.transport.HttpServletMcpTransport;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small MCP server behind the gateway. It accepts exactly one kind of token: issued by the realm,
 * {@code aud} = its own URL only, {@code azp} = the gateway. A client's own token (aud = gateway) and
 * a token exchanged for another backend both fail the audience check: 401.
 *
 * <p>It reads a POST body by the gateway's rule ({@link JsonRpcBody}, the same code): what the
 * gateway judged passes here unchanged, and a body it would read differently never reaches the
 * MCP SDK's servlets. It speaks MCP 2025-11-25 and 2026-07-28 on its one URL ({@link RevisionRouter}), the
 * tools written once ({@link BackendTools}); the 2025-11-25 servlet's error answers leave as JSON-RPC
 * errors ({@link JsonRpcErrors}), the 2026-07-28 one writes its own.
 *
 * <p>It keeps a record of what reached it (headers, token claims and body, never the token) so the
 * tests and the demo can show what a backend sees.
 */
public final class BackendServer {

    /**
     * One request as the backend saw it.
     *
     * @param body the POST body as it arrived (null for other methods, or without a valid token)
     */
    public record ReceivedRequest(String method, Map<String, String> headers, Map<String, Object> tokenClaims,
                                  byte[] body) {
    }

    private final Javalin app;
    private final McpSyncServer mcp;
    private final HttpServletMcpTransport modernTransport;
    private final List<ReceivedRequest> received;

    private BackendServer(Javalin app, McpSyncServer mcp, HttpServletMcpTransport modernTransport,
                          List<ReceivedRequest> received) {
        this.app = app;
        this.mcp = mcp;
        this.modernTransport = modernTransport;
        this.received = received;
    }

    /**
     * @param url            the backend's MCP endpoint and its audience ({@code http://host:port/mcp})
     * @param gatewayClientId the only client whose tokens this backend accepts
     */
    public static BackendServer start(String name, URI url, URI issuer, URI jwksUri, String gatewayClientId,
                                      BackendTools tools)
            throws MalformedURLException {
        return start(name, url, url.getPort(), issuer, jwksUri, gatewayClientId, tools);
    }

    /**
     * One of several instances behind a load balancer: {@code url} is the balancer's (the audience every
     * instance accepts), {@code port} this instance's own.
     */
    public static BackendServer start(String name, URI url, int port, URI issuer, URI jwksUri, String gatewayClientId,
                                      BackendTools tools)
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
                .tools(tools.specifications(json))
                .build();
        HttpServletMcpTransport modernTransport = HttpServletMcpTransport.builder(
                        io.modelcontextprotocol.modern.server.McpServer.builder()
                                .serverInfo(Implementation.builder("mcp-oauth-cookbook-backend-" + name, "0.1.0").build())
                                .jsonMapper(json)
                                .feature(ToolsFeature.ofSync(new ModernTools(tools, json)))
                                .requestStateCodec(NO_REQUEST_STATE)
                                .build())
                .jsonMapper(json)
                .endpoint(url.getPath())
                .contextExtractor(BackendUser::toTransportContext) // the same user, from the same filter
                .build();
        AccessTokenValidator validator = new AccessTokenValidator(issuer, jwksUri, url.toString(), Duration.ofSeconds(30),
                gatewayClientId);
        List<ReceivedRequest> received = new CopyOnWriteArrayList<>();
        Javalin app = Javalin.create(javalin -> {
            javalin.jetty.host = "127.0.0.1"; // reachable by the gateway only, not published
            javalin.jetty.port = port;
            javalin.jetty.modifyServletContextHandler(context -> {
                ServletHolder servlet = new ServletHolder(new RevisionRouter(modernTransport, transport));
                servlet.setAsyncSupported(true);
                context.addServlet(servlet, url.getPath());
                FilterHolder filter = new FilterHolder(new GatewayTokenFilter(validator, received));
                filter.setAsyncSupported(true);
                context.addFilter(filter, url.getPath(), EnumSet.of(DispatcherType.REQUEST));
            });
        }).start();
        return new BackendServer(app, mcp, modernTransport, received);
    }

    /** What reached this backend, oldest first (a snapshot). */
    public List<ReceivedRequest> received() {
        return List.copyOf(received);
    }

    public void stop() {
        mcp.closeGracefully();
        modernTransport.closeGracefully();
        app.stop();
    }

    /**
     * MCP 2026-07-28 multi round-trip: a tool may answer "input required" with a state the client sends
     * back. No tool here does, so no state is ever issued, and any a request carries is refused (-32602).
     * The SDK's default codec would instead sign with a random per-process key and log a warning.
     */
    private static final RequestStateCodec NO_REQUEST_STATE = new RequestStateCodec() {
        @Override
        public String seal(McpRequestContext context, String state) {
            throw new IllegalStateException("No tool of this backend asks for input");
        }

        @Override
        public String open(McpRequestContext context, String sealed) {
            return null;
        }
    };

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
            boolean post = "POST".equals(request.getMethod());
            byte[] body = user != null && post ? request.getInputStream().readNBytes(JsonRpcBody.MAX_BYTES + 1) : null;
            received.add(new ReceivedRequest(request.getMethod(), headers,
                    claims == null ? Map.of() : claims.toJSONObject(), body));
            if (received.size() > MAX_RECORDED) {
                received.remove(0);
            }
            if (user == null) {
                response.setStatus(401);
                response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                return;
            }
            if (!post && !"GET".equals(request.getMethod()) && !"DELETE".equals(request.getMethod())) {
                // Not TRACE: the servlet default would echo the request, this backend's token included.
                response.setHeader("Allow", "GET, POST, DELETE");
                JsonRpcErrors.write(response, 405, JsonRpcErrors.INVALID_REQUEST, "Method not allowed", null);
                return;
            }

            JsonNode requestId = null;
            HttpServletRequest forwarded = request;
            if (post) {
                JsonRpcBody.Reading reading = JsonRpcBody.read(Collections.list(request.getHeaders("Content-Type")),
                        Collections.list(request.getHeaders("Content-Encoding")), body);
                if (reading instanceof JsonRpcBody.Refusal refusal) {
                    JsonRpcErrors.write(response, refusal.status(), refusal.code(), refusal.message(), null);
                    return;
                }
                requestId = ((JsonRpcBody.Message) reading).id();
                forwarded = JsonRpcBody.forwarded(request, body);
            }
            user.attachTo(forwarded);
            if (RevisionRouter.isModern(request)) {
                forwardToModernTransport(forwarded, response, chain, requestId);
                return;
            }
            JsonRpcErrors.TransportResponse transportResponse = new JsonRpcErrors.TransportResponse(response, requestId);
            try {
                chain.doFilter(forwarded, transportResponse);
            } catch (IOException | ServletException | RuntimeException failure) {
                if (response.isCommitted()) {
                    throw failure;
                }
                transportResponse.failed();
            }
            transportResponse.finish();
        }

        /**
         * A 2026-07-28 request: the SDK's modern transport writes its refusals itself as JSON-RPC errors
         * whose codes clients act on (-32020, -32022, -32601), so they pass through unchanged, and the
         * gateway relays them as they are; only what it leaves to the container (sendError) or a failure
         * is answered here, as a JSON-RPC error without Java internals.
         */
        private static void forwardToModernTransport(HttpServletRequest request, HttpServletResponse response,
                                                     FilterChain chain, JsonNode requestId)
                throws IOException, ServletException {
            HttpServletResponse noErrorPages = new HttpServletResponseWrapper(response) {
                @Override
                public void sendError(int status) throws IOException {
                    JsonRpcErrors.write(response, status, status >= 500 ? JsonRpcErrors.INTERNAL_ERROR
                            : JsonRpcErrors.INVALID_REQUEST, status == 403 ? "Forbidden" : "Request refused", requestId);
                }

                @Override
                public void sendError(int status, String ignoredMessage) throws IOException {
                    sendError(status);
                }
            };
            try {
                chain.doFilter(request, noErrorPages);
            } catch (IOException | ServletException | RuntimeException failure) {
                if (response.isCommitted()) {
                    throw failure;
                }
                response.resetBuffer();
                JsonRpcErrors.write(response, 500, JsonRpcErrors.INTERNAL_ERROR, "Internal error", requestId);
            }
        }
    }

    // tag::json-rpc-body[]
    /**
     * A POST body read exactly as the MCP transport will read it, or refused: one reading for every
     * decision on the body (which tool is called) and for the transport that executes it. The
     * transport decodes the bytes with the charset the request declares, while Jackson reading raw
     * bytes guesses UTF-8, 16 or 32; a tools/call declared as EBCDIC got past a scope check that way.
     * So only this passes: {@code application/json} in UTF-8 (RFC 8259 section 8.1), no byte order
     * mark, one JSON object (MCP has had no batches since 2025-06-18), no duplicate keys, nothing
     * after the object. Anything else is answered here with a JSON-RPC error and never reaches the
     * transport; what passes reaches it as the same bytes, declared UTF-8.
     */
    static final class JsonRpcBody {

        /** MCP messages are small; a larger body is refused rather than buffered. */
        static final int MAX_BYTES = 1024 * 1024;
        private static final String UTF_8_JSON = "application/json; charset=utf-8";
        private static final JsonMapper STRICT = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();

        private JsonRpcBody() {
        }

        /** One JSON-RPC message, or why the body is refused. */
        sealed interface Reading permits Message, Refusal {
        }

        /**
         * @param id       the request id ({@code null} for a notification)
         * @param method   the JSON-RPC method ({@code null} for a response)
         * @param toolName {@code params.name} of a {@code tools/call}, else {@code null}
         */
        record Message(JsonNode id, String method, String toolName) implements Reading {
        }

        /** The answer instead of the transport's: the HTTP status and the JSON-RPC error. */
        record Refusal(int status, int code, String message) implements Reading {
        }

        /**
         * @param contentTypes     every {@code Content-Type} header of the request
         * @param contentEncodings every {@code Content-Encoding} header of the request
         * @param body             the body, at most {@link #MAX_BYTES} + 1 bytes of it
         */
        static Reading read(List<String> contentTypes, List<String> contentEncodings, byte[] body) {
            if (contentTypes.size() != 1 || !isJsonInUtf8(contentTypes.get(0))) {
                return new Refusal(415, JsonRpcErrors.PARSE_ERROR, "The body must be application/json in UTF-8");
            }
            for (String encoding : contentEncodings) {
                if (!encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
                    return new Refusal(415, JsonRpcErrors.PARSE_ERROR, "Content-Encoding is not supported");
                }
            }
            if (body.length > MAX_BYTES) {
                return new Refusal(413, JsonRpcErrors.INVALID_REQUEST, "The body is larger than " + MAX_BYTES + " bytes");
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException notUtf8) {
                return new Refusal(400, JsonRpcErrors.PARSE_ERROR, "The body is not valid UTF-8");
            }
            if (text.startsWith("\uFEFF")) { // RFC 8259 section 8.1: senders MUST NOT add one
                return new Refusal(400, JsonRpcErrors.PARSE_ERROR, "The body starts with a byte order mark");
            }
            JsonNode json;
            try {
                json = STRICT.readTree(text);
            } catch (JacksonException notOneJsonValue) {
                return new Refusal(400, JsonRpcErrors.PARSE_ERROR,
                        "The body is not one JSON value, or has a duplicate key");
            }
            if (json == null || !json.isObject()) {
                return new Refusal(400, json == null || json.isMissingNode() ? JsonRpcErrors.PARSE_ERROR
                        : JsonRpcErrors.INVALID_REQUEST, "The body must be one JSON-RPC message object (no batches)");
            }
            JsonNode method = json.get("method");
            if (method != null && !method.isString()) {
                return new Refusal(400, JsonRpcErrors.INVALID_REQUEST, "method must be a string");
            }
            String toolName = null;
            if (method != null && "tools/call".equals(method.stringValue())) {
                JsonNode name = json.path("params").get("name");
                if (name == null || !name.isString()) {
                    return new Refusal(400, JsonRpcErrors.INVALID_PARAMS, "tools/call needs params.name, a string");
                }
                toolName = name.stringValue();
            }
            return new Message(json.get("id"), method == null ? null : method.stringValue(), toolName);
        }

        /** {@code application/json}, optionally with {@code charset=utf-8}, and no other parameter. */
        static boolean isJsonInUtf8(String contentType) {
            String[] parts = contentType.split(";", -1);
            if (!parts[0].trim().equalsIgnoreCase("application/json")) {
                return false;
            }
            if (parts.length == 1) {
                return true; // RFC 8259 section 11: application/json has no charset parameter; UTF-8 it is
            }
            String[] parameter = parts[1].split("=", 2);
            if (parts.length > 2 || parameter.length != 2 || !parameter[0].trim().equalsIgnoreCase("charset")) {
                return false;
            }
            String value = parameter[1].trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            return value.equalsIgnoreCase("utf-8");
        }

        /** The request as the transport gets it: the bytes judged above, declared as what they are. */
        static HttpServletRequest forwarded(HttpServletRequest request, byte[] body) {
            return new HttpServletRequestWrapper(request) {
                @Override
                public ServletInputStream getInputStream() {
                    ByteArrayInputStream in = new ByteArrayInputStream(body);
                    return new ServletInputStream() {
                        @Override
                        public int read() {
                            return in.read();
                        }

                        @Override
                        public int read(byte[] buffer, int offset, int length) {
                            return in.read(buffer, offset, length);
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
                            throw new UnsupportedOperationException("The body was read before the transport");
                        }
                    };
                }

                @Override
                public BufferedReader getReader() {
                    return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
                }

                @Override
                public String getCharacterEncoding() {
                    return StandardCharsets.UTF_8.name();
                }

                @Override
                public void setCharacterEncoding(String ignored) {
                    // decided above: UTF-8, whatever a later component would like
                }

                @Override
                public String getContentType() {
                    return UTF_8_JSON;
                }

                @Override
                public String getHeader(String name) {
                    return "Content-Type".equalsIgnoreCase(name) ? UTF_8_JSON : super.getHeader(name);
                }

                @Override
                public Enumeration<String> getHeaders(String name) {
                    return "Content-Type".equalsIgnoreCase(name)
                            ? Collections.enumeration(List.of(UTF_8_JSON)) : super.getHeaders(name);
                }

                @Override
                public int getContentLength() {
                    return body.length;
                }

                @Override
                public long getContentLengthLong() {
                    return body.length;
                }
            };
        }
    }
    // end::json-rpc-body[]

    // tag::json-rpc-errors[]
    /**
     * Every error {@code /mcp} answers after the token checks is a JSON-RPC error object: never a
     * container's error page and never what the MCP SDK's servlet writes on its own, a serialized
     * exception with its cause and stack trace.
     */
    static final class JsonRpcErrors {

        static final int PARSE_ERROR = -32700;
        static final int INVALID_REQUEST = -32600;
        static final int INVALID_PARAMS = -32602;
        static final int INTERNAL_ERROR = -32603;
        /** The MCP SDK's own texts for a refused request: they help a client and show nothing inside. */
        private static final Set<String> SDK_TEXTS = Set.of("Session ID required in mcp-session-id header",
                "text/event-stream required in Accept header", "application/json required in Accept header");

        private JsonRpcErrors() {
        }

        static void write(HttpServletResponse response, int status, int code, String message, JsonNode id)
                throws IOException {
            ObjectNode answer = JsonMapper.shared().createObjectNode().put("jsonrpc", "2.0");
            answer.set("id", id == null ? NullNode.getInstance() : id);
            answer.putObject("error").put("code", code).put("message", message);
            byte[] bytes = JsonMapper.shared().writeValueAsBytes(answer);
            response.setStatus(status);
            response.setContentType("application/json");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }

        /**
         * The response the transport writes into. A success passes straight through (JSON, or SSE
         * written later); an error answer (a status of 400 or more, or {@code sendError}) is held
         * back, and {@link #finish()} writes it as a JSON-RPC error instead.
         */
        static final class TransportResponse extends HttpServletResponseWrapper {

            private final JsonNode id;
            private int status = SC_OK;
            private ByteArrayOutputStream heldBack;
            private PrintWriter heldBackWriter;

            TransportResponse(HttpServletResponse response, JsonNode id) {
                super(response);
                this.id = id;
            }

            @Override
            public void setStatus(int status) {
                this.status = status;
                super.setStatus(status);
            }

            @Override
            public void sendError(int status) {
                setStatus(status);
                holdBack();
            }

            @Override
            public void sendError(int status, String ignoredMessage) {
                sendError(status);
            }

            @Override
            public ServletOutputStream getOutputStream() throws IOException {
                if (status < 400) {
                    return super.getOutputStream();
                }
                ByteArrayOutputStream sink = holdBack();
                return new ServletOutputStream() {
                    @Override
                    public void write(int b) {
                        sink.write(b);
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        throw new UnsupportedOperationException("Error answers are written at once");
                    }
                };
            }

            @Override
            public PrintWriter getWriter() throws IOException {
                if (status < 400) {
                    return super.getWriter();
                }
                if (heldBackWriter == null) {
                    heldBackWriter = new PrintWriter(new OutputStreamWriter(holdBack(), StandardCharsets.UTF_8));
                }
                return heldBackWriter;
            }

            @Override
            public void flushBuffer() throws IOException {
                if (heldBack == null) {
                    super.flushBuffer();
                }
            }

            @Override
            public void setContentLength(int length) {
                if (status < 400) {
                    super.setContentLength(length);
                }
            }

            @Override
            public void setContentLengthLong(long length) {
                if (status < 400) {
                    super.setContentLengthLong(length);
                }
            }

            /** The transport threw before it answered: a JSON-RPC internal error, nothing of the exception. */
            void failed() {
                setStatus(SC_INTERNAL_SERVER_ERROR);
                holdBack();
            }

            /** Writes the error answer, if the transport gave one, as a JSON-RPC error object. */
            void finish() throws IOException {
                if (isCommitted() || (heldBack == null && status < 400)) {
                    return; // a success, or too late: a stream that already started cannot be answered again
                }
                if (heldBackWriter != null) {
                    heldBackWriter.flush();
                }
                HttpServletResponse response = (HttpServletResponse) getResponse();
                response.resetBuffer();
                write(response, status, status >= 500 ? INTERNAL_ERROR : INVALID_REQUEST, message(), id);
            }

            private ByteArrayOutputStream holdBack() {
                if (heldBack == null) {
                    heldBack = new ByteArrayOutputStream();
                }
                return heldBack;
            }

            /** A fixed text per status; the SDK's own text only where it is one of its known refusals. */
            private String message() {
                String sdkText = sdkText();
                return switch (status) {
                    case SC_BAD_REQUEST -> sdkText != null ? "Bad Request: " + sdkText : "Bad Request";
                    case SC_FORBIDDEN -> "Forbidden";
                    case SC_NOT_FOUND -> "Session not found";
                    case SC_METHOD_NOT_ALLOWED -> "Method not allowed";
                    case SC_REQUEST_ENTITY_TOO_LARGE -> "The body is larger than " + JsonRpcBody.MAX_BYTES + " bytes";
                    case SC_SERVICE_UNAVAILABLE -> "Service unavailable";
                    default -> status >= 500 ? "Internal error" : "Request refused";
                };
            }

            private String sdkText() {
                if (heldBack == null) {
                    return null;
                }
                try {
                    JsonNode written = JsonMapper.shared().readTree(heldBack.toByteArray());
                    String text = written.path("jsonRpcError").path("message").asString("");
                    return !text.isEmpty() && SDK_TEXTS.containsAll(List.of(text.split("; "))) ? text : null;
                } catch (JacksonException notJson) {
                    return null;
                }
            }
        }
    }
    // end::json-rpc-errors[]
}
