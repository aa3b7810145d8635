package dev.mcpoauth.cookbook.tokengateway.inbound;

import dev.mcpoauth.cookbook.tokengateway.audit.AuditLog;
import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.config.GatewayConfig;
import dev.mcpoauth.cookbook.tokengateway.inbound.AccessTokenValidator.InvalidTokenException;
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

/**
 * The gateway as a resource server for one backend's path {@code /mcp/<backend>} (the cookbook's
 * resource-server contract): each path is its own protected resource and gets its own filter. In the
 * order a request meets it:
 * <ol>
 *   <li>no token in the URL (OAuth 2.1: URLs get logged);</li>
 *   <li>a well-formed {@code Authorization: Bearer} header of sane size (RFC 6750 section 2.1);</li>
 *   <li>a valid client token for exactly this path's resource ({@link AccessTokenValidator}: a token for
 *       {@code /mcp/notes} does not open {@code /mcp/calendar}), else 401 with the challenge that leads
 *       the client to this resource's metadata (RFC 9728 section 5.1);</li>
 *   <li>the base scope, else 403 {@code insufficient_scope}.</li>
 * </ol>
 * A path with no backend ({@code /mcp} itself, an unknown name) has no filter: no resource there to get a
 * token for, so no challenge either. The Origin, per-tool scopes, policy and sessions come next, in
 * {@code forward.GatewayServlet}.
 */
public final class ClientTokenFilter extends HttpFilter {

    static final int MAX_TOKEN_LENGTH = 8 * 1024;

    private final GatewayConfig config;
    private final Backend backend;
    /** Accepts only tokens whose audience is this backend's resource URL. */
    private final AccessTokenValidator validator;
    private final BearerChallenges challenges;
    private final AuditLog audit;

    public ClientTokenFilter(GatewayConfig config, Backend backend, AccessTokenValidator validator,
                             BearerChallenges challenges, AuditLog audit) {
        this.config = config;
        this.backend = backend;
        this.validator = validator;
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
        String refusal = authenticate(request, response);
        if (refusal == null) {
            chain.doFilter(request, response);
            return;
        }
        // Refused requests are audited too: they are what an operator looks for after an attack.
        AuthenticatedUser user = AuthenticatedUser.ofNullable(request);
        audit.record(new AuditLog.Entry(Instant.now(), user == null ? null : user.subject(),
                user == null ? null : user.clientId(), backend.name(), request.getMethod(),
                null, refusal, response.getStatus(), (System.nanoTime() - started) / 1_000_000));
    }

    /** Null when the user may go on (and is on the request); otherwise the refusal, already answered. */
    private String authenticate(HttpServletRequest request, HttpServletResponse response) {
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
        if (!isB64Token(token)) {
            challenges.bearer(response, backend, 401, "invalid_token", "Bearer token is malformed", null);
            return "invalid_token";
        }
        AuthenticatedUser user;
        try {
            // RFC 8707: aud must be exactly this path's resource; a token for another path is refused here.
            user = AuthenticatedUser.from(validator.validate(token), token);
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
        return null;
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
                    "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID, "
                            + "Mcp-Method, Mcp-Name");
            response.setHeader("Access-Control-Expose-Headers", "WWW-Authenticate, Mcp-Session-Id, Retry-After");
            response.setHeader("Vary", "Origin");
        }
    }
}
