package dev.mcpoauth.cookbook.tokengateway.forward;

import dev.mcpoauth.cookbook.tokengateway.audit.AuditLog;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger.ExchangeException;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger.ExchangedToken;
import dev.mcpoauth.cookbook.tokengateway.exchange.TokenExchanger;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import dev.mcpoauth.cookbook.tokengateway.inbound.BearerChallenges;
import dev.mcpoauth.cookbook.tokengateway.policy.RateLimiter;
import dev.mcpoauth.cookbook.tokengateway.policy.SessionOwners;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy.Decision;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import io.modelcontextprotocol.modern.server.transport.McpHeaderDecoder;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /mcp} and everything under it. A path with no backend ({@code /mcp} itself, an unknown name, a
 * deeper path) is answered 404 with no challenge: no resource there to get a token for. At
 * {@code /mcp/<backend>}, everything after the client's token ({@code inbound.ClientTokenFilter}, which
 * has checked the token is for that backend's resource), in the order a request meets it:
 * <ol>
 *   <li>a browser {@code Origin} the gateway knows (MCP transport spec, DNS rebinding), else 403;</li>
 *   <li>an MCP method (GET, POST, DELETE), else 405;</li>
 *   <li>the client's rate limit, else 429 with {@code Retry-After};</li>
 *   <li>the MCP session, if the request names one, belongs to this user (MCP security best practices,
 *       session hijacking), else 404 "Session not found", whichever protocol revision the request claims;</li>
 *   <li>a POST body the backend will read exactly as the gateway does ({@link JsonRpcBody}), else a
 *       JSON-RPC error and the backend never sees it;</li>
 *   <li>the policy's decision on the called tool ({@link ToolPolicy}), named by the body in both protocol
 *       revisions: 403 {@code insufficient_scope} to step up, or a JSON-RPC error for a denied tool;</li>
 *   <li>for MCP 2026-07-28, an {@code Mcp-Name} header that names the tool the policy judged, else 400
 *       {@code -32020};</li>
 *   <li>the backend's own token (RFC 8693 exchange), the forward with an allow-list of headers and the
 *       judged bytes declared {@code application/json}, and the answer relayed as it arrives.</li>
 * </ol>
 * Every answer of the gateway's own is an RFC 6750 challenge ({@link BearerChallenges}) or a JSON-RPC
 * error ({@link JsonRpcErrors}); so is every error answer relayed from a backend.
 *
 * <p>Both MCP revisions pass the same way; the backends serve both on one URL and route by the same
 * header ({@link #speaksMcp2026}). A 2026-07-28 request is stateless: no session is forwarded or
 * recorded, and its {@code Mcp-Method} and {@code Mcp-Name} go to the backend, which checks them
 * against the body again.
 */
public final class GatewayServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    /** A backend silent this long (no answer yet, or nothing on a stream) is given up on: 502. */
    private static final Duration BACKEND_IDLE_TIMEOUT = Duration.ofMinutes(5);
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    /** The only request headers a backend gets from the client; never Authorization, Cookie or hop-by-hop ones. */
    private static final List<String> FORWARDED_REQUEST_HEADERS =
            List.of("Accept", SESSION_HEADER, "MCP-Protocol-Version", "Last-Event-ID");
    /**
     * The same for an MCP 2026-07-28 request: no session (the revision is stateless), and the headers
     * that mirror the body the gateway judged (Streamable HTTP, "Standard Request Headers").
     */
    private static final List<String> FORWARDED_MCP_2026_REQUEST_HEADERS =
            List.of("Accept", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name");
    /** The revisions that open with {@code initialize} (2026-07-28 Versioning, "Terminology": legacy). */
    private static final Set<String> LEGACY_VERSIONS = Set.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");
    /** MCP 2026-07-28: a header that disagrees with the body. */
    private static final int HEADER_MISMATCH = -32020;
    /** MCP 2026-07-28: a protocol version the server does not support. */
    private static final int UNSUPPORTED_VERSION = -32022;
    /**
     * What a forwarded body is declared as, whatever the client declared: the bytes the gateway judged
     * are UTF-8 JSON, and RFC 8259 section 11 gives application/json no charset parameter.
     */
    private static final Set<String> MCP_METHODS = Set.of("GET", "POST", "DELETE");
    static final String FORWARDED_CONTENT_TYPE = "application/json";
    /** The only response headers a client gets from a backend. */
    private static final List<String> FORWARDED_RESPONSE_HEADERS =
            List.of(SESSION_HEADER, "MCP-Protocol-Version", "Cache-Control");
    /** A backend's error answer is small; a larger one is not a JSON-RPC error the gateway passes on. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final GatewayConfig config;
    private final ToolPolicy policy;
    private final TokenExchanger exchanger;
    private final RateLimiter rateLimiter;
    private final SessionOwners sessions;
    private final BearerChallenges challenges;
    private final AuditLog audit;
    private final Clock clock;
    private final BackendClient backendHttp;

    public GatewayServlet(GatewayConfig config, ToolPolicy policy, TokenExchanger exchanger, RateLimiter rateLimiter,
                          BearerChallenges challenges, AuditLog audit, Clock clock) {
        this.config = config;
        this.policy = policy;
        this.exchanger = exchanger;
        this.rateLimiter = rateLimiter;
        this.sessions = new SessionOwners(clock);
        this.challenges = challenges;
        this.audit = audit;
        this.clock = clock;
        this.backendHttp = new BackendClient(Duration.ofSeconds(5), BACKEND_IDLE_TIMEOUT);
    }

    @Override
    public void destroy() {
        backendHttp.close();
    }

    /** What one request was, for the audit line; filled in as the request goes. */
    private static final class Outcome {
        String backend;
        String method;
        String tool;
        String decision = "error";
        int status = 500;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long started = System.nanoTime();
        Backend backend = backendOf(request);
        if (backend == null) {
            // No protected resource here: a challenge would send the client for a token that opens nothing.
            JsonRpcErrors.write(response, 404, -32601, "No MCP server at this path", null);
            audit.record(new AuditLog.Entry(clock.instant(), null, null, null, request.getMethod(), null,
                    "unknown_backend", 404, (System.nanoTime() - started) / 1_000_000));
            return;
        }
        // Unreachable without one: TokenGateway puts a ClientTokenFilter on every backend's path.
        AuthenticatedUser user = AuthenticatedUser.of(request);
        Outcome outcome = new Outcome();
        outcome.backend = backend.name();
        try {
            handle(request, response, user, backend, outcome);
        } catch (IOException | RuntimeException failure) {
            if (response.isCommitted()) {
                throw failure; // mid-stream: the client sees the stream end
            }
            // Never the container's error page or the exception: a JSON-RPC internal error, the cause in the log.
            LOG.warn("Request to backend {} failed: {}", outcome.backend, failure.getClass().getSimpleName());
            reject(outcome, "error", 500);
            response.resetBuffer();
            JsonRpcErrors.write(response, 500, JsonRpcErrors.INTERNAL_ERROR, "Internal error", null);
        } finally {
            audit.record(new AuditLog.Entry(clock.instant(), user.subject(), user.clientId(), outcome.backend,
                    outcome.method == null ? request.getMethod() : outcome.method, outcome.tool, outcome.decision,
                    outcome.status, (System.nanoTime() - started) / 1_000_000));
        }
    }

    /**
     * The backends' routing rule ({@code backends.RevisionRouter}): a POST whose {@code MCP-Protocol-Version}
     * is present and not a legacy version is MCP 2026-07-28, everything else 2025-11-25. The gateway
     * forwards that header unchanged, so each request reaches the transport of the revision judged here.
     */
    static boolean speaksMcp2026(HttpServletRequest request) {
        String version = request.getHeader("MCP-Protocol-Version");
        return "POST".equals(request.getMethod()) && version != null && !LEGACY_VERSIONS.contains(version);
    }

    /**
     * 2026-07-28 Streamable HTTP, "Standard Request Headers": a {@code tools/call} carries exactly one
     * {@code Mcp-Name}, the tool's name as it is or as {@code =?base64?...?=}, equal to the body's.
     */
    private static boolean mcpNameIs(HttpServletRequest request, String tool) {
        List<String> values = Collections.list(request.getHeaders("Mcp-Name"));
        return values.size() == 1 && tool.equals(McpHeaderDecoder.decodeValue(values.get(0)));
    }

    /** The backend {@code /mcp/<backend>} names, or null ({@code /mcp} itself, an unknown name, a deeper path). */
    private Backend backendOf(HttpServletRequest request) {
        String path = request.getPathInfo();
        return path == null || path.length() < 2 ? null : config.backends().get(path.substring(1));
    }

    private void handle(HttpServletRequest request, HttpServletResponse response, AuthenticatedUser user,
                        Backend backend, Outcome outcome) throws IOException {
        String origin = request.getHeader("Origin");
        if (origin != null && !config.allowedOrigins().contains(origin)) {
            reject(outcome, "origin_refused", 403);
            JsonRpcErrors.write(response, 403, JsonRpcErrors.INVALID_REQUEST, "Origin not allowed", null);
            return;
        }
        if (!MCP_METHODS.contains(request.getMethod())) {
            // Streamable HTTP has GET, POST and DELETE. Forwarding TRACE would have the backend echo the
            // request, exchanged token included, back to the client; HEAD would open a GET stream.
            reject(outcome, "method_not_allowed", 405);
            response.setHeader("Allow", "GET, POST, DELETE, OPTIONS");
            JsonRpcErrors.write(response, 405, JsonRpcErrors.INVALID_REQUEST, "Method not allowed", null);
            return;
        }

        Optional<Duration> wait = rateLimiter.acquire(user.clientId());
        if (wait.isPresent()) {
            reject(outcome, "rate_limited", 429);
            response.setHeader("Retry-After", Long.toString(Math.max(1, (wait.get().toMillis() + 999) / 1000)));
            JsonRpcErrors.write(response, 429, -32000, "Too many requests from this client; slow down", null);
            return;
        }

        String sessionId = request.getHeader(SESSION_HEADER);
        if (sessionId != null && !sessions.belongsTo(backend.name(), sessionId, user.subject())) {
            reject(outcome, "unknown_session", 404);
            JsonRpcErrors.write(response, 404, JsonRpcErrors.INVALID_REQUEST, "Session not found", null);
            return;
        }

        // tag::policy[]
        byte[] body = null;
        JsonRpcBody.Message message = null;
        if ("POST".equals(request.getMethod())) {
            // One reading for the policy and the backend: what passes is forwarded as these very bytes.
            body = request.getInputStream().readNBytes(JsonRpcBody.MAX_BYTES + 1);
            JsonRpcBody.Reading reading = JsonRpcBody.read(Collections.list(request.getHeaders("Content-Type")),
                    Collections.list(request.getHeaders("Content-Encoding")), body);
            if (reading instanceof JsonRpcBody.Refusal refusal) {
                reject(outcome, "unreadable_body", refusal.status());
                JsonRpcErrors.write(response, refusal.status(), refusal.code(), refusal.message(), null);
                return;
            }
            message = (JsonRpcBody.Message) reading;
            outcome.method = message.method();
            outcome.tool = message.toolName();
            if (message.toolName() != null) {
                // The tool the body calls, in both revisions: never the Mcp-Name header, which is checked below.
                Decision decision = policy.decide(backend.name(), message.toolName(), user);
                if (decision instanceof Decision.Deny deny) {
                    if (speaksMcp2026(request) && !policy.names(backend.name(), message.toolName())) {
                        // 2026-07-28 answers a tool the server does not have as its SDK servers do: 400, -32602.
                        reject(outcome, "unknown_tool", 400);
                        JsonRpcErrors.write(response, 400, JsonRpcErrors.INVALID_PARAMS, deny.reason(), message.id());
                    } else {
                        reject(outcome, "denied", 200);
                        JsonRpcErrors.write(response, 200, -32001, deny.reason(), message.id());
                    }
                    return;
                }
                if (decision instanceof Decision.NeedsScopes needs) {
                    reject(outcome, "insufficient_scope", 403);
                    String scopes = String.join(" ", needs.scopes());
                    challenges.bearer(response, backend, 403, "insufficient_scope", "This request needs scope: " + scopes,
                            scopes);
                    return;
                }
                if (speaksMcp2026(request) && !mcpNameIs(request, message.toolName())) {
                    // The backend would refuse it too, but the decision was taken here, on the body: what is
                    // forwarded must say what was judged, to the backend and to anything on the way.
                    reject(outcome, "mcp_name_mismatch", 400);
                    JsonRpcErrors.write(response, 400, HEADER_MISMATCH,
                            "The Mcp-Name header does not name the tool the body calls", message.id());
                    return;
                }
            }
        }
        // end::policy[]
        forward(request, response, user, backend, body, message, outcome);
    }

    // tag::forward[]
    private void forward(HttpServletRequest request, HttpServletResponse response, AuthenticatedUser user,
                         Backend backend, byte[] body, JsonRpcBody.Message message, Outcome outcome)
            throws IOException {
        JsonNode id = message == null ? null : message.id();
        Set<String> scopes = policy.exchangeScopes(backend.name(), user.scopes());
        BackendClient.Answer answer = null;
        for (int attempt = 1; attempt <= 2 && answer == null; attempt++) {
            ExchangedToken token;
            try {
                token = exchanger.tokenFor(user, backend, scopes);
            } catch (ExchangeException failed) {
                answerExchangeFailure(response, backend, failed, id, outcome);
                return;
            }
            BackendClient.Answer candidate = send(request, backend, token, body, outcome, response);
            if (candidate == null) {
                return; // backend unreachable: answered already
            }
            if (candidate.status() == 401 && attempt == 1) {
                // The backend refused a cached token (revoked, its keys rotated): exchange afresh, once.
                candidate.close();
                exchanger.forget(user, backend, scopes);
                continue;
            }
            answer = candidate;
        }
        if (answer == null || answer.status() == 401 || answer.status() == 403) {
            // A backend must accept what the gateway obtained for it; if not, that is the gateway's problem to report.
            if (answer != null) {
                answer.close();
            }
            LOG.error("Backend {} refused the gateway's exchanged token", backend.name());
            reject(outcome, "backend_refused_token", 502);
            JsonRpcErrors.write(response, 502, JsonRpcErrors.INTERNAL_ERROR,
                    "The MCP server behind the gateway refused the gateway's credentials", id);
            return;
        }
        relay(answer, request, response, user, backend, message, outcome);
    }

    private BackendClient.Answer send(HttpServletRequest request, Backend backend, ExchangedToken token, byte[] body,
                                      Outcome outcome, HttpServletResponse response) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + token.value()); // the backend's own token, never the client's
        for (String name : speaksMcp2026(request) ? FORWARDED_MCP_2026_REQUEST_HEADERS : FORWARDED_REQUEST_HEADERS) {
            String value = request.getHeader(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        if (body != null) {
            // The bytes judged above, declared as what they are: never the client's Content-Type or Content-Encoding.
            headers.put("Content-Type", FORWARDED_CONTENT_TYPE);
        }
        try {
            return backendHttp.send(request.getMethod(), backend.url(), headers, body);
        } catch (IOException unreachable) {
            Throwable cause = unreachable.getCause() == null ? unreachable : unreachable.getCause();
            LOG.warn("Backend {} unreachable: {}", backend.name(), cause.getClass().getSimpleName());
            reject(outcome, "backend_unreachable", 502);
            JsonRpcErrors.write(response, 502, JsonRpcErrors.INTERNAL_ERROR,
                    "The MCP server behind the gateway is unreachable", null);
            return null;
        }
    }
    // end::forward[]

    private void relay(BackendClient.Answer answer, HttpServletRequest request, HttpServletResponse response,
                       AuthenticatedUser user, Backend backend, JsonRpcBody.Message message, Outcome outcome)
            throws IOException {
        response.setStatus(answer.status());
        for (String name : FORWARDED_RESPONSE_HEADERS) {
            answer.header(name).ifPresent(value -> response.setHeader(name, value));
        }
        if (!speaksMcp2026(request)) { // 2026-07-28 has no sessions to own
            answer.header(SESSION_HEADER).ifPresent(id -> sessions.created(backend.name(), id, user.subject()));
        }
        String endedSession = request.getHeader(SESSION_HEADER);
        if ("DELETE".equals(request.getMethod()) && answer.status() / 100 == 2 && endedSession != null) {
            sessions.ended(backend.name(), endedSession);
        }
        outcome.decision = "allowed";
        outcome.status = answer.status();
        if (answer.status() >= 400) {
            relayError(answer, response, message == null ? null : message.id());
            return;
        }
        String contentType = answer.header("Content-Type").orElse("");
        ResponseRelay.ToolFilter filter = "tools/list".equals(outcome.method)
                ? tool -> policy.isListed(backend.name(), tool, user)
                : null;
        try (InputStream in = answer.body()) {
            if (contentType.startsWith("text/event-stream")) {
                response.setContentType(contentType);
                response.setHeader("X-Accel-Buffering", "no"); // a reverse proxy in front must not buffer the stream either
                ResponseRelay.events(in, response, filter);
            } else if (contentType.startsWith("application/json")) {
                response.setContentType(contentType);
                ResponseRelay.json(in, response, filter);
            } else {
                if (!contentType.isEmpty()) {
                    response.setContentType(contentType);
                }
                in.transferTo(response.getOutputStream());
            }
        } catch (IOException cutOff) {
            if (response.isCommitted()) {
                throw cutOff; // mid-stream: the client sees the stream end
            }
            // The backend died after its headers (an instance killed mid-answer): the backend failed, not the
            // gateway, so 502 as for one that cannot be reached, and nothing of the half answer.
            LOG.warn("Backend {} stopped mid-answer: {}", backend.name(), cutOff.getClass().getSimpleName());
            reject(outcome, "backend_unreachable", 502);
            response.reset();
            JsonRpcErrors.write(response, 502, JsonRpcErrors.INTERNAL_ERROR,
                    "The MCP server behind the gateway is unreachable", message == null ? null : message.id());
        }
    }

    /**
     * A backend's error answer reaches the client only as a JSON-RPC error object, which is all the
     * backends here write; anything else (a container's error page, a serialized exception) is
     * replaced by one, with the backend's status.
     */
    private static void relayError(BackendClient.Answer answer, HttpServletResponse response, JsonNode id)
            throws IOException {
        byte[] body;
        try (InputStream in = answer.body()) {
            body = in.readNBytes(MAX_ERROR_BYTES + 1);
        }
        if (body.length <= MAX_ERROR_BYTES && isJsonRpcError(body)) {
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            return;
        }
        boolean failed = answer.status() >= 500;
        JsonRpcErrors.write(response, answer.status(),
                failed ? JsonRpcErrors.INTERNAL_ERROR : JsonRpcErrors.INVALID_REQUEST,
                failed ? "The MCP server behind the gateway failed" : "The MCP server behind the gateway refused the request",
                id);
    }

    /**
     * {@code {"jsonrpc":"2.0","id":...,"error":{"code":<integer>,"message":"..."}}} and nothing more, but
     * for MCP 2026-07-28's unsupported version (-32022), whose {@code data} names the versions the backend
     * supports and the one requested (Versioning, "Protocol Version Negotiation"): the client retries with them.
     */
    private static boolean isJsonRpcError(byte[] body) {
        JsonNode answer;
        try {
            answer = JsonMapper.shared().readTree(body);
        } catch (JacksonException notJson) {
            return false;
        }
        if (answer == null || !answer.isObject() || !Set.of("jsonrpc", "id", "error").containsAll(answer.propertyNames())
                || !"2.0".equals(answer.path("jsonrpc").asString(null))) {
            return false;
        }
        JsonNode error = answer.path("error");
        if (!error.isObject() || !(error.path("code").isIntegralNumber() && error.path("message").isString())) {
            return false;
        }
        return Set.of("code", "message").equals(Set.copyOf(error.propertyNames()))
                || error.path("code").asInt() == UNSUPPORTED_VERSION && isUnsupportedVersionData(error);
    }

    /** Exactly {@code {"supported":["<version>",...],"requested":"<version>"}}, and nothing else in the error. */
    private static boolean isUnsupportedVersionData(JsonNode error) {
        JsonNode data = error.path("data");
        return Set.of("code", "message", "data").equals(Set.copyOf(error.propertyNames())) && data.isObject()
                && Set.of("supported", "requested").equals(Set.copyOf(data.propertyNames()))
                && data.path("requested").isString() && data.path("supported").isArray()
                && data.path("supported").valueStream().allMatch(JsonNode::isString);
    }

    private void answerExchangeFailure(HttpServletResponse response, Backend backend, ExchangeException failed,
                                       JsonNode id, Outcome outcome) throws IOException {
        switch (failed.kind()) {
            case SUBJECT_REFUSED -> {
                reject(outcome, "subject_token_refused", 401);
                challenges.bearer(response, backend, 401, "invalid_token", failed.getMessage(), null);
            }
            case UNAVAILABLE -> {
                reject(outcome, "authorization_server_unavailable", 503);
                response.setHeader("Retry-After", "5");
                JsonRpcErrors.write(response, 503, JsonRpcErrors.INTERNAL_ERROR,
                        "The gateway cannot reach its authorization server; try again shortly", id);
            }
            case MISCONFIGURED -> {
                reject(outcome, "exchange_misconfigured", 502);
                JsonRpcErrors.write(response, 502, JsonRpcErrors.INTERNAL_ERROR, failed.getMessage(), id);
            }
        }
    }

    private static void reject(Outcome outcome, String decision, int status) {
        outcome.decision = decision;
        outcome.status = status;
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
