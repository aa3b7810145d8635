package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.tokengateway.TokenExchanger.ExchangeException;
import dev.mcpoauth.cookbook.tokengateway.TokenExchanger.ExchangedToken;
import dev.mcpoauth.cookbook.tokengateway.ToolPolicy.Decision;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /mcp/<backend>}: everything after authentication, in order: which backend, rate limit,
 * session owner, the JSON-RPC message and the policy's decision on it, the token exchange, the
 * forward with an allow-list of headers, and the response relayed as it arrives.
 */
final class GatewayServlet extends HttpServlet {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    static final int MAX_BODY_BYTES = 1024 * 1024;
    /** A backend silent this long (no answer yet, or nothing on a stream) is given up on: 502. */
    private static final Duration BACKEND_IDLE_TIMEOUT = Duration.ofMinutes(5);
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    /** The only request headers a backend gets from the client; never Authorization, Cookie or hop-by-hop ones. */
    private static final List<String> FORWARDED_REQUEST_HEADERS =
            List.of("Content-Type", "Accept", SESSION_HEADER, "MCP-Protocol-Version", "Last-Event-ID");
    /** The only response headers a client gets from a backend. */
    private static final List<String> FORWARDED_RESPONSE_HEADERS =
            List.of(SESSION_HEADER, "MCP-Protocol-Version", "Cache-Control");
    /** A parser that refuses duplicate keys: the gateway must read a message exactly as the backend will. */
    private static final JsonMapper STRICT_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final GatewayConfig config;
    private final ToolPolicy policy;
    private final TokenExchanger exchanger;
    private final RateLimiter rateLimiter;
    private final SessionOwners sessions;
    private final Challenges challenges;
    private final AuditLog audit;
    private final Clock clock;
    private final BackendClient backendHttp;

    GatewayServlet(GatewayConfig config, ToolPolicy policy, TokenExchanger exchanger, Challenges challenges,
                   AuditLog audit, Clock clock) {
        this.config = config;
        this.policy = policy;
        this.exchanger = exchanger;
        this.rateLimiter = new RateLimiter(config.rateLimit(), config.rateLimitWindow(), clock);
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
        Caller caller = Caller.of(request);
        Outcome outcome = new Outcome();
        try {
            handle(request, response, caller, outcome);
        } finally {
            audit.record(new AuditLog.Entry(clock.instant(), caller.subject(), caller.clientId(), outcome.backend,
                    outcome.method == null ? request.getMethod() : outcome.method, outcome.tool, outcome.decision,
                    outcome.status, (System.nanoTime() - started) / 1_000_000));
        }
    }

    private void handle(HttpServletRequest request, HttpServletResponse response, Caller caller, Outcome outcome)
            throws IOException {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        Backend backend = path.length() > 1 ? config.backends().get(path.substring(1)) : null;
        if (backend == null || !policy.knows(backend.name())) {
            reject(outcome, "unknown_backend", 404);
            Challenges.jsonRpcError(response, 404, null, -32601, "No MCP server at this path");
            return;
        }
        outcome.backend = backend.name();

        Optional<Duration> wait = rateLimiter.acquire(caller.clientId());
        if (wait.isPresent()) {
            reject(outcome, "rate_limited", 429);
            response.setHeader("Retry-After", Long.toString(Math.max(1, (wait.get().toMillis() + 999) / 1000)));
            Challenges.jsonRpcError(response, 429, null, -32000, "Too many requests from this client; slow down");
            return;
        }

        String sessionId = request.getHeader(SESSION_HEADER);
        if (sessionId != null && !sessions.belongsTo(backend.name(), sessionId, caller.subject())) {
            reject(outcome, "unknown_session", 404);
            Challenges.jsonRpcError(response, 404, null, -32600, "Session not found");
            return;
        }

        byte[] body = null;
        JsonNode message = null;
        if ("POST".equals(request.getMethod())) {
            body = request.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                reject(outcome, "too_large", 413);
                Challenges.jsonRpcError(response, 413, null, -32600, "Request body too large");
                return;
            }
            message = parseMessage(body);
            if (message == null) {
                reject(outcome, "malformed", 400);
                Challenges.jsonRpcError(response, 400, null, -32700,
                        "Expected one JSON-RPC message (a JSON object without duplicate keys)");
                return;
            }
            outcome.method = message.path("method").asString(null);
            if ("tools/call".equals(outcome.method)) {
                outcome.tool = message.path("params").path("name").asString("");
                // tag::policy[]
                Decision decision = policy.decide(backend.name(), outcome.tool, caller);
                if (decision instanceof Decision.Deny deny) {
                    reject(outcome, "denied", 200);
                    Challenges.jsonRpcError(response, 200, message.get("id"), -32001, deny.reason());
                    return;
                }
                if (decision instanceof Decision.NeedsScopes needs) {
                    reject(outcome, "insufficient_scope", 403);
                    String scopes = String.join(" ", needs.scopes());
                    challenges.bearer(response, 403, "insufficient_scope", "This request needs scope: " + scopes, scopes);
                    return;
                }
                // end::policy[]
            }
        }
        forward(request, response, caller, backend, body, message, outcome);
    }

    // tag::forward[]
    private void forward(HttpServletRequest request, HttpServletResponse response, Caller caller, Backend backend,
                         byte[] body, JsonNode message, Outcome outcome) throws IOException {
        Set<String> scopes = policy.exchangeScopes(backend.name(), caller.scopes());
        BackendClient.Answer answer = null;
        for (int attempt = 1; attempt <= 2 && answer == null; attempt++) {
            ExchangedToken token;
            try {
                token = exchanger.tokenFor(caller, backend, scopes);
            } catch (ExchangeException failed) {
                answerExchangeFailure(response, failed, message, outcome);
                return;
            }
            BackendClient.Answer candidate = send(request, backend, token, body, outcome, response);
            if (candidate == null) {
                return; // backend unreachable: answered already
            }
            if (candidate.status() == 401 && attempt == 1) {
                // The backend refused a cached token (revoked, its keys rotated): exchange afresh, once.
                candidate.close();
                exchanger.forget(caller, backend, scopes);
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
            Challenges.jsonRpcError(response, 502, message == null ? null : message.get("id"), -32603,
                    "The MCP server behind the gateway refused the gateway's credentials");
            return;
        }
        relay(answer, request, response, caller, backend, message, outcome);
    }

    private BackendClient.Answer send(HttpServletRequest request, Backend backend, ExchangedToken token, byte[] body,
                                      Outcome outcome, HttpServletResponse response) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + token.value()); // the backend's own token, never the client's
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = request.getHeader(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        try {
            return backendHttp.send(request.getMethod(), backend.url(), headers, body);
        } catch (IOException unreachable) {
            Throwable cause = unreachable.getCause() == null ? unreachable : unreachable.getCause();
            LOG.warn("Backend {} unreachable: {}", backend.name(), cause.getClass().getSimpleName());
            reject(outcome, "backend_unreachable", 502);
            Challenges.jsonRpcError(response, 502, null, -32603, "The MCP server behind the gateway is unreachable");
            return null;
        }
    }
    // end::forward[]

    private void relay(BackendClient.Answer answer, HttpServletRequest request, HttpServletResponse response,
                       Caller caller, Backend backend, JsonNode message, Outcome outcome) throws IOException {
        response.setStatus(answer.status());
        for (String name : FORWARDED_RESPONSE_HEADERS) {
            answer.header(name).ifPresent(value -> response.setHeader(name, value));
        }
        answer.header(SESSION_HEADER).ifPresent(id -> sessions.created(backend.name(), id, caller.subject()));
        String endedSession = request.getHeader(SESSION_HEADER);
        if ("DELETE".equals(request.getMethod()) && answer.status() / 100 == 2 && endedSession != null) {
            sessions.ended(backend.name(), endedSession);
        }
        outcome.decision = "allowed";
        outcome.status = answer.status();
        String contentType = answer.header("Content-Type").orElse("");
        ResponseRelay.ToolFilter filter = "tools/list".equals(outcome.method) && message != null
                ? tool -> policy.isListed(backend.name(), tool, caller)
                : null;
        try (InputStream in = answer.body()) {
            if (contentType.startsWith("text/event-stream")) {
                response.setContentType(contentType);
                response.setHeader("X-Accel-Buffering", "no"); // a reverse proxy in front must not buffer the stream either
                ResponseRelay.events(in, response, message, filter);
            } else if (contentType.startsWith("application/json")) {
                response.setContentType(contentType);
                ResponseRelay.json(in, response, message, filter);
            } else {
                if (!contentType.isEmpty()) {
                    response.setContentType(contentType);
                }
                in.transferTo(response.getOutputStream());
            }
        }
    }

    private void answerExchangeFailure(HttpServletResponse response, ExchangeException failed, JsonNode message,
                                       Outcome outcome) throws IOException {
        JsonNode id = message == null ? null : message.get("id");
        switch (failed.kind()) {
            case SUBJECT_REFUSED -> {
                reject(outcome, "subject_token_refused", 401);
                challenges.bearer(response, 401, "invalid_token", failed.getMessage(), null);
            }
            case UNAVAILABLE -> {
                reject(outcome, "authorization_server_unavailable", 503);
                response.setHeader("Retry-After", "5");
                Challenges.jsonRpcError(response, 503, id, -32603,
                        "The gateway cannot reach its authorization server; try again shortly");
            }
            case MISCONFIGURED -> {
                reject(outcome, "exchange_misconfigured", 502);
                Challenges.jsonRpcError(response, 502, id, -32603, failed.getMessage());
            }
        }
    }

    /** One JSON-RPC object, parsed the strict way; null if it is anything else (a batch, a duplicate key, not JSON). */
    private static JsonNode parseMessage(byte[] body) {
        try {
            JsonNode message = STRICT_JSON.readTree(body);
            return message != null && message.isObject() ? message : null;
        } catch (JacksonException malformed) {
            return null;
        }
    }

    private static void reject(Outcome outcome, String decision, int status) {
        outcome.decision = decision;
        outcome.status = status;
    }
}
