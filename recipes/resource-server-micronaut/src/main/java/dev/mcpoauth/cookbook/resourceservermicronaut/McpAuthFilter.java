package dev.mcpoauth.cookbook.resourceservermicronaut;

import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.validator.TokenValidator;
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
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The whole security path of {@code /mcp}, in the order a request meets it:
 * <ol>
 *   <li>CORS headers for the listed browser origins, and their preflight (Fetch standard);</li>
 *   <li>only the methods of Streamable HTTP: GET, POST, DELETE (and CORS preflights), else 405;</li>
 *   <li>no token in the URL (OAuth 2.1: URLs get logged);</li>
 *   <li>a well-formed {@code Authorization: Bearer} header, of sane size (RFC 6750 section 2.1);</li>
 *   <li>a valid token: Micronaut Security's {@link TokenValidator} with the signature and claims
 *       checks of {@link AccessTokenValidation}, else 401 with the challenge that leads the client to
 *       the metadata (RFC 9728 section 5.1);</li>
 *   <li>the server's scope, else 403 {@code insufficient_scope} naming it (MCP step-up);</li>
 *   <li>the MCP session, if any, belongs to this user (MCP security best practices, session hijacking);</li>
 *   <li>a POST body the transport will read exactly as this filter does ({@link JsonRpcBody}), else a
 *       JSON-RPC error and the transport never sees it;</li>
 *   <li>the extra scope of the tool being called, else 403 {@code insufficient_scope} naming the scopes
 *       to ask for.</li>
 * </ol>
 * Then the MCP SDK's servlet handles the request, with the user attached for the tools; its error
 * answers leave as JSON-RPC errors ({@link JsonRpcErrors}). Micronaut Security guards Micronaut's own
 * routes only: the MCP SDK's servlet sits next to Micronaut's in the container, so this filter is what
 * stands in front of it.
 */
final class McpAuthFilter extends HttpFilter {

    static final int MAX_TOKEN_LENGTH = 8 * 1024;
    private static final Set<String> MCP_METHODS = Set.of("GET", "POST", "DELETE");
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    private static final Duration SESSION_IDLE_LIMIT = Duration.ofHours(1);
    /** Micronaut Security's validator is reactive; a servlet filter simply waits for its answer. */
    private static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(30);

    private record SessionOwner(String subject, Instant lastSeen) {
    }

    private final McpConfiguration config;
    private final TokenValidator<HttpServletRequest> validator;
    private final Function<String, Optional<String>> scopeOfTool;
    private final Map<String, SessionOwner> ownerBySession = new ConcurrentHashMap<>();
    private volatile Instant lastSweep = Instant.now();

    /**
     * @param scopeOfTool the extra scope a tool needs beyond the server's, by tool name (empty: none)
     */
    McpAuthFilter(McpConfiguration config, TokenValidator<HttpServletRequest> validator,
                  Function<String, Optional<String>> scopeOfTool) {
        this.config = config;
        this.validator = validator;
        this.scopeOfTool = scopeOfTool;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        try {
            checkThenForward(request, response, chain);
        } catch (IOException | RuntimeException failure) {
            // A body that broke off, or a check that threw: still an answer without Java internals.
            if (response.isCommitted()) {
                throw failure;
            }
            JsonRpcErrors.write(response, failure instanceof IOException ? 400 : 500, failure instanceof IOException
                    ? JsonRpcErrors.PARSE_ERROR : JsonRpcErrors.INTERNAL_ERROR, "The request could not be read", null);
        }
    }

    private void checkThenForward(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        allowCorsFromListedOrigins(request, response);
        if ("OPTIONS".equals(request.getMethod())) {
            response.setStatus(HttpServletResponse.SC_NO_CONTENT); // CORS preflight: headers above say the rest
            return;
        }
        if (!MCP_METHODS.contains(request.getMethod())) {
            // Streamable HTTP has GET, POST and DELETE. Not TRACE: the servlet default echoes the request,
            // Authorization header included, in the body.
            response.setHeader("Allow", "GET, POST, DELETE, OPTIONS");
            JsonRpcErrors.write(response, 405, JsonRpcErrors.INVALID_REQUEST, "Method not allowed", null);
            return;
        }
        if (hasAccessTokenInQuery(request.getQueryString())) {
            challenge(response, 401, null, null); // treated as no credentials; never read, never logged
            return;
        }
        String header = request.getHeader("Authorization");
        if (header == null || !isBearerScheme(header)) {
            challenge(response, 401, null, null); // RFC 6750 section 3.1: no error code without credentials
            return;
        }
        if (header.length() > MAX_TOKEN_LENGTH) {
            challenge(response, 401, "invalid_token", "Bearer token is too large");
            return;
        }
        String token = header.length() > 7 ? header.substring(7) : "";
        if (!isB64Token(token)) {
            challenge(response, 401, "invalid_token", "Bearer token is malformed");
            return;
        }

        // tag::validate[]
        // Signature, then claims: Micronaut Security's JWT validator asks the beans of AccessTokenValidation.
        Optional<Authentication> authentication = Mono.from(validator.validateToken(token, request))
                .blockOptional(VALIDATION_TIMEOUT);
        if (authentication.isEmpty()) {
            challenge(response, 401, "invalid_token", "The access token is invalid or expired");
            return;
        }
        AuthenticatedUser user = AuthenticatedUser.from(authentication.get());
        // end::validate[]
        if (!user.scopes().contains(config.requiredScope())) {
            challenge(response, 403, "insufficient_scope", config.requiredScope());
            return;
        }
        String sessionId = request.getHeader(SESSION_HEADER);
        if (sessionId != null && !sessionBelongsTo(sessionId, user.subject())) {
            JsonRpcErrors.write(response, 404, JsonRpcErrors.INVALID_REQUEST, "Session not found", null);
            return;
        }

        JsonNode requestId = null;
        HttpServletRequest forwarded = request;
        if ("POST".equals(request.getMethod())) {
            byte[] body = request.getInputStream().readNBytes(JsonRpcBody.MAX_BYTES + 1);
            JsonRpcBody.Reading reading = JsonRpcBody.read(Collections.list(request.getHeaders("Content-Type")),
                    Collections.list(request.getHeaders("Content-Encoding")), body);
            if (reading instanceof JsonRpcBody.Refusal refusal) {
                JsonRpcErrors.write(response, refusal.status(), refusal.code(), refusal.message(), null);
                return;
            }
            JsonRpcBody.Message message = (JsonRpcBody.Message) reading;
            Optional<String> toolScope = message.toolName() == null ? Optional.empty()
                    : scopeOfTool.apply(message.toolName()).filter(scope -> !user.scopes().contains(scope));
            if (toolScope.isPresent()) {
                challenge(response, 403, "insufficient_scope", config.requiredScope() + " " + toolScope.get());
                return;
            }
            requestId = message.id();
            forwarded = JsonRpcBody.forwarded(request, body);
        }
        user.attachTo(forwarded);
        JsonRpcErrors.TransportResponse transportResponse = new JsonRpcErrors.TransportResponse(
                recordingNewSessions(response, user.subject()), requestId);
        try {
            chain.doFilter(forwarded, transportResponse);
        } catch (IOException | ServletException | RuntimeException failure) {
            if (response.isCommitted()) {
                throw failure;
            }
            transportResponse.failed();
        }
        transportResponse.finish();
        forgetEndedSession(sessionId, request.getMethod(), response.getStatus());
    }

    // ---- challenges (RFC 6750 section 3, RFC 9728 section 5.1) -----------------------------------

    /**
     * {@code WWW-Authenticate: Bearer ...}. For 401 the {@code scope} is the server's; for 403
     * {@code detail} is the scope list the client must ask for.
     */
    private void challenge(HttpServletResponse response, int status, String error, String detail) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (error != null) {
            parameters.put("error", error);
            parameters.put("error_description", status == 403
                    ? "This request needs scope: " + detail
                    : safeForHeader(detail));
        }
        parameters.put("resource_metadata", config.resourceMetadataUrl().toString());
        parameters.put("scope", status == 403 ? detail : config.requiredScope());
        StringBuilder value = new StringBuilder("Bearer ");
        parameters.forEach((name, text) -> value.append(value.length() > 7 ? ", " : "")
                .append(name).append("=\"").append(text).append('"'));
        response.setStatus(status);
        response.setHeader("WWW-Authenticate", value.toString());
    }

    /** RFC 6750 section 3: error_description uses printable ASCII without quote or backslash. */
    private static String safeForHeader(String text) {
        String cleaned = text == null ? "Invalid token" : text.replaceAll("[^\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]", "?");
        return cleaned.length() > 200 ? cleaned.substring(0, 200) : cleaned;
    }

    private static boolean isBearerScheme(String header) {
        return header.regionMatches(true, 0, "Bearer", 0, 6) && (header.length() == 6 || header.charAt(6) == ' ');
    }

    // tag::b64token[]
    /**
     * RFC 6750 section 2.1 {@code b64token}: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. A loop,
     * not a regular expression: one regex step per character of a 1 KiB token cost more than the cached token check.
     */
    static boolean isB64Token(String token) {
        int i = 0;
        while (i < token.length() && isB64TokenCharacter(token.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false; // at least one character before any padding
        }
        while (i < token.length() && token.charAt(i) == '=') {
            i++;
        }
        return i == token.length();
    }

    private static boolean isB64TokenCharacter(char c) {
        return c < B64TOKEN_CHARACTERS.length && B64TOKEN_CHARACTERS[c];
    }

    /** {@code ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"}, indexed by character: one lookup per character. */
    private static final boolean[] B64TOKEN_CHARACTERS = new boolean[128];

    static {
        for (char c = 0; c < B64TOKEN_CHARACTERS.length; c++) {
            B64TOKEN_CHARACTERS[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        }
    }
    // end::b64token[]

    // tag::query-token[]
    /** Any parameter named {@code access_token}, however its name is percent-encoded (as the container decodes it). */
    static boolean hasAccessTokenInQuery(String query) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            String name = pair.split("=", 2)[0];
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                // compared as sent
            }
            if (name.strip().equalsIgnoreCase("access_token")) {
                return true;
            }
        }
        return false;
    }
    // end::query-token[]

    private void allowCorsFromListedOrigins(HttpServletRequest request, HttpServletResponse response) {
        String origin = request.getHeader("Origin");
        if (origin != null && config.allowedOrigins().contains(origin)) {
            response.setHeader("Access-Control-Allow-Origin", origin);
            response.setHeader("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
            response.setHeader("Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID");
            response.setHeader("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id");
            response.setHeader("Vary", "Origin");
        }
        // Foreign origins: the MCP SDK's Origin validator answers 403 once the token checks pass.
    }

    // ---- sessions ----------------------------------------------------------------------------------

    // tag::session-binding[]
    /**
     * A session belongs to the subject whose initialize created it; for anyone else it does not exist.
     * A session this filter has no owner for is unknown too: fail closed, the client starts a new one.
     */
    private boolean sessionBelongsTo(String sessionId, String subject) {
        SessionOwner owner = ownerBySession.get(sessionId);
        if (owner == null || !owner.subject().equals(subject)) {
            return false;
        }
        ownerBySession.put(sessionId, new SessionOwner(subject, Instant.now()));
        return true;
    }

    /** Forgets a session once its owner's DELETE succeeded; a refused DELETE leaves the session bound. */
    private void forgetEndedSession(String sessionId, String method, int status) {
        if (sessionId != null && "DELETE".equals(method) && status >= 200 && status < 300) {
            ownerBySession.remove(sessionId);
        }
    }

    /** Records the subject when the SDK hands out a new session id. */
    private HttpServletResponse recordingNewSessions(HttpServletResponse response, String subject) {
        return new HttpServletResponseWrapper(response) {
            @Override
            public void setHeader(String name, String value) {
                record(name, value);
                super.setHeader(name, value);
            }

            @Override
            public void addHeader(String name, String value) {
                record(name, value);
                super.addHeader(name, value);
            }

            private void record(String name, String sessionId) {
                if (SESSION_HEADER.equalsIgnoreCase(name) && sessionId != null) {
                    ownerBySession.putIfAbsent(sessionId, new SessionOwner(subject, Instant.now()));
                    sweepIdleSessions();
                }
            }
        };
    }

    /** At most once a minute, not on every new session: the sweep walks every binding. */
    private void sweepIdleSessions() {
        Instant now = Instant.now();
        if (lastSweep.isBefore(now.minus(Duration.ofMinutes(1)))) {
            lastSweep = now;
            ownerBySession.values().removeIf(owner -> owner.lastSeen().isBefore(now.minus(SESSION_IDLE_LIMIT)));
        }
    }
    // end::session-binding[]

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
