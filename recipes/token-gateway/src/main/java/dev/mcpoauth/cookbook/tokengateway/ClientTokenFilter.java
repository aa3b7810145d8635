package dev.mcpoauth.cookbook.tokengateway;

import dev.mcpoauth.cookbook.tokengateway.AccessTokenValidator.InvalidTokenException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gateway as a resource server (the cookbook's resource-server contract), in the order a
 * request meets it:
 * <ol>
 *   <li>a backend at the path: each {@code /mcp/<backend>} is its own protected resource, else 404
 *       with no challenge ({@code /mcp} itself, an unknown name: no resource there to get a token for);</li>
 *   <li>no token in the URL (OAuth 2.1: URLs get logged);</li>
 *   <li>a well-formed {@code Authorization: Bearer} header of sane size (RFC 6750 section 2.1);</li>
 *   <li>a valid client token for exactly this path's resource ({@link AccessTokenValidator}: a token for
 *       {@code /mcp/notes} does not open {@code /mcp/calendar}), else 401 with the challenge that leads
 *       the client to this resource's metadata (RFC 9728 section 5.1);</li>
 *   <li>the base scope, else 403 {@code insufficient_scope};</li>
 *   <li>a browser {@code Origin} the gateway knows (MCP transport spec, DNS rebinding), else 403.</li>
 * </ol>
 * Per-tool scopes, policy and sessions are per backend: {@link GatewayServlet} checks them.
 */
final class ClientTokenFilter extends HttpFilter {

    static final int MAX_TOKEN_LENGTH = 8 * 1024;
    /** RFC 6750 section 2.1 b64token. */
    private static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private final GatewayConfig config;
    /** One per backend: the audience each accepts is its own resource URL. */
    private final Map<String, AccessTokenValidator> validators;
    private final BearerChallenges challenges;
    private final AuditLog audit;

    ClientTokenFilter(GatewayConfig config, Map<String, AccessTokenValidator> validators, BearerChallenges challenges,
                      AuditLog audit) {
        this.config = config;
        this.validators = Map.copyOf(validators);
        this.challenges = challenges;
        this.audit = audit;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        long started = System.nanoTime();
        allowCorsFromListedOrigins(request, response);
        if ("OPTIONS".equals(request.getMethod())) {
            response.setStatus(HttpServletResponse.SC_NO_CONTENT); // CORS preflight: headers above say the rest
            return;
        }
        Backend backend = backendOf(request);
        String refusal = authenticate(request, response, backend);
        if (refusal == null) {
            chain.doFilter(request, response);
            return;
        }
        // Refused requests are audited too: they are what an operator looks for after an attack.
        AuthenticatedUser user = AuthenticatedUser.ofNullable(request);
        audit.record(new AuditLog.Entry(Instant.now(), user == null ? null : user.subject(),
                user == null ? null : user.clientId(), backend == null ? null : backend.name(), request.getMethod(),
                null, refusal, response.getStatus(), (System.nanoTime() - started) / 1_000_000));
    }

    /** The backend {@code /mcp/<backend>} names, or null ({@code /mcp} itself, an unknown name, a deeper path). */
    private Backend backendOf(HttpServletRequest request) {
        String path = request.getPathInfo();
        return path == null || path.length() < 2 ? null : config.backends().get(path.substring(1));
    }

    /** Null when the user may go on (and is on the request); otherwise the refusal, already answered. */
    private String authenticate(HttpServletRequest request, HttpServletResponse response, Backend backend)
            throws IOException {
        if (backend == null) {
            // No protected resource here: a challenge would send the client for a token that opens nothing.
            GatewayServlet.JsonRpcErrors.write(response, 404, -32601, "No MCP server at this path", null);
            return "unknown_backend";
        }
        if (hasAccessTokenInQuery(request.getQueryString())) {
            challenges.bearer(response, backend, 401, null, null, null); // no credentials; never read, never logged
            return "token_in_url";
        }
        String header = request.getHeader("Authorization");
        if (header == null || !isBearerScheme(header)) {
            challenges.bearer(response, backend, 401, null, null, null); // RFC 6750 section 3.1: no error code
            return "no_token";
        }
        if (header.length() > MAX_TOKEN_LENGTH) {
            challenges.bearer(response, backend, 401, "invalid_token", "Bearer token is too large", null);
            return "invalid_token";
        }
        String token = header.length() > 7 ? header.substring(7) : "";
        if (!B64TOKEN.matcher(token).matches()) {
            challenges.bearer(response, backend, 401, "invalid_token", "Bearer token is malformed", null);
            return "invalid_token";
        }
        AuthenticatedUser user;
        try {
            // RFC 8707: aud must be exactly this path's resource; a token for another path is refused here.
            user = AuthenticatedUser.from(validators.get(backend.name()).validate(token), token);
        } catch (InvalidTokenException | ParseException invalid) {
            challenges.bearer(response, backend, 401, "invalid_token", invalid.getMessage(), null);
            return "invalid_token";
        }
        user.attachTo(request);
        if (!user.scopes().contains(config.requiredScope())) {
            challenges.bearer(response, backend, 403, "insufficient_scope",
                    "This request needs scope: " + config.requiredScope(), config.requiredScope());
            return "insufficient_scope";
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !config.allowedOrigins().contains(origin)) {
            GatewayServlet.JsonRpcErrors.write(response, 403, GatewayServlet.JsonRpcErrors.INVALID_REQUEST,
                    "Origin not allowed", null);
            return "origin_refused";
        }
        return null;
    }

    private static boolean isBearerScheme(String header) {
        return header.regionMatches(true, 0, "Bearer", 0, 6) && (header.length() == 6 || header.charAt(6) == ' ');
    }

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
            response.setHeader("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id, Retry-After");
            response.setHeader("Vary", "Origin");
        }
    }
}
