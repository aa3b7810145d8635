package dev.mcpoauth.cookbook.resourceserverjavalin;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.mcpoauth.cookbook.resourceserverjavalin.AccessTokenValidator.InvalidTokenException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole security path of {@code /mcp}, in the order a request meets it:
 * <ol>
 *   <li>no token in the URL (OAuth 2.1: URLs get logged);</li>
 *   <li>a well-formed {@code Authorization: Bearer} header, of sane size (RFC 6750 section 2.1);</li>
 *   <li>a valid token ({@link AccessTokenValidator}), else 401 with the challenge that leads the client
 *       to the metadata (RFC 9728 section 5.1);</li>
 *   <li>the server's scope, and the extra scope of the tool being called, else 403
 *       {@code insufficient_scope} naming the scopes to ask for (MCP step-up);</li>
 *   <li>the MCP session, if any, belongs to this user (MCP security best practices, session hijacking).</li>
 * </ol>
 * Then the MCP SDK's servlet handles the request, with the user attached for the tools.
 */
final class McpAuthFilter extends HttpFilter {

    static final int MAX_TOKEN_LENGTH = 8 * 1024;
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final String SESSION_HEADER = "Mcp-Session-Id";
    /** RFC 6750 section 2.1 b64token. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
    private static final Duration SESSION_IDLE_LIMIT = Duration.ofHours(1);

    private record SessionOwner(String subject, Instant lastSeen) {
    }

    private final ServerConfig config;
    private final AccessTokenValidator validator;
    private final McpTools tools;
    private final Map<String, SessionOwner> ownerBySession = new ConcurrentHashMap<>();
    private volatile Instant lastSweep = Instant.now();

    McpAuthFilter(ServerConfig config, AccessTokenValidator validator, McpTools tools) {
        this.config = config;
        this.validator = validator;
        this.tools = tools;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        allowCorsFromListedOrigins(request, response);
        if ("OPTIONS".equals(request.getMethod())) {
            response.setStatus(HttpServletResponse.SC_NO_CONTENT); // CORS preflight: headers above say the rest
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
        if (!B64TOKEN.matcher(token).matches()) {
            challenge(response, 401, "invalid_token", "Bearer token is malformed");
            return;
        }

        AuthenticatedUser user;
        try {
            JWTClaimsSet claims = validator.validate(token);
            user = AuthenticatedUser.from(claims);
        } catch (InvalidTokenException | ParseException invalid) {
            challenge(response, 401, "invalid_token", invalid.getMessage());
            return;
        }
        if (!user.scopes().contains(config.requiredScope())) {
            challenge(response, 403, "insufficient_scope", config.requiredScope());
            return;
        }
        String sessionId = request.getHeader(SESSION_HEADER);
        if (sessionId != null && !sessionBelongsTo(sessionId, user.subject(), request.getMethod())) {
            writeSessionNotFound(response);
            return;
        }

        HttpServletRequest forwarded = request;
        if ("POST".equals(request.getMethod())) {
            byte[] body = request.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
                return;
            }
            Set<String> missing = missingToolScopes(body, user.scopes());
            if (!missing.isEmpty()) {
                Set<String> needed = new LinkedHashSet<>(List.of(config.requiredScope()));
                needed.addAll(missing);
                challenge(response, 403, "insufficient_scope", String.join(" ", needed));
                return;
            }
            forwarded = new ReplayableBodyRequest(request, body);
        }
        user.attachTo(forwarded);
        chain.doFilter(forwarded, recordingNewSessions(response, user.subject()));
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

    static boolean hasAccessTokenInQuery(String query) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&")) {
            String name = pair.split("=", 2)[0];
            if (name.equalsIgnoreCase("access_token") || name.equalsIgnoreCase("access%5Ftoken")) {
                return true;
            }
        }
        return false;
    }

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

    // ---- per-tool scopes -------------------------------------------------------------------------

    /** Scopes the called tools need and the token lacks; the tool's name is in the JSON-RPC body. */
    private Set<String> missingToolScopes(byte[] body, List<String> granted) {
        JsonNode message;
        try {
            message = JsonMapper.shared().readTree(body);
        } catch (JacksonException notJson) {
            return Set.of(); // the MCP transport answers a parse error itself
        }
        Set<String> missing = new LinkedHashSet<>();
        for (JsonNode each : message.isArray() ? message.values() : List.of(message)) {
            if ("tools/call".equals(each.path("method").asString(""))) {
                tools.requiredScope(each.path("params").path("name").asString(""))
                        .filter(scope -> !granted.contains(scope))
                        .ifPresent(missing::add);
            }
        }
        return missing;
    }

    // ---- sessions ----------------------------------------------------------------------------------

    /** A session the SDK created for another subject does not exist for this one. */
    private boolean sessionBelongsTo(String sessionId, String subject, String method) {
        SessionOwner owner = ownerBySession.get(sessionId);
        if (owner == null) {
            return true; // unknown here: the SDK answers 404 itself
        }
        if (!owner.subject().equals(subject)) {
            return false;
        }
        if ("DELETE".equals(method)) {
            ownerBySession.remove(sessionId);
        } else {
            ownerBySession.put(sessionId, new SessionOwner(subject, Instant.now()));
        }
        return true;
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

    private static void writeSessionNotFound(HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setContentType("application/json");
        response.getOutputStream().write("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Session not found\"}}"
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The request with its already-read body served again to the MCP transport. */
    private static final class ReplayableBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        ReplayableBodyRequest(HttpServletRequest request, byte[] body) {
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
                    throw new UnsupportedOperationException("Body already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
