package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link McpAuthFilter} for both protocol revisions on {@code /mcp} ({@link RevisionRouter}): one set of
 * checks, in one place, whichever revision a request speaks.
 * <ul>
 *   <li>A 2025-11-25 request goes through McpAuthFilter as it always has, its transport's error answers
 *       rewritten as JSON-RPC errors.</li>
 *   <li>A 2026-07-28 request meets the same checks (its session, if it names one, must be the caller's; its
 *       body read once and strictly; the extra scope of the tool the <em>body</em> calls, never the
 *       {@code Mcp-Name} header). Once they pass, it reaches the SDK's modern transport outside McpAuthFilter's
 *       rewriting: the modern transport writes its refusals itself as JSON-RPC errors whose codes clients act
 *       on (-32020 a header that disagrees with the body, -32022 an unsupported version), and they must
 *       leave unchanged. What the transport leaves to the container ({@code sendError}: a refused Origin,
 *       413, 415, 503) or throws is answered here as a JSON-RPC error, never as Jetty's error page.</li>
 * </ul>
 * CORS preflights also name the two headers 2026-07-28 adds, {@code Mcp-Method} and {@code Mcp-Name}.
 */
final class RevisionAwareMcpAuthFilter extends HttpFilter {

    private static final String ALLOW_HEADERS = "Access-Control-Allow-Headers";

    private final McpAuthFilter checks;

    RevisionAwareMcpAuthFilter(McpAuthFilter checks) {
        this.checks = checks;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!RevisionRouter.isModern(request)) {
            checks.doFilter(request, response, chain);
            if ("OPTIONS".equals(request.getMethod()) && response.containsHeader(ALLOW_HEADERS)) {
                // A listed origin's preflight: the headers a 2026-07-28 client mirrors the method and tool name into.
                response.setHeader(ALLOW_HEADERS, response.getHeader(ALLOW_HEADERS) + ", Mcp-Method, Mcp-Name");
            }
            return;
        }
        // McpAuthFilter answers a refusal itself; a request it lets through is handed on (the body it read,
        // replayed), here caught instead of forwarded, so that nothing of the transport's answer passes its rewriting.
        AtomicReference<ServletRequest> passed = new AtomicReference<>();
        checks.doFilter(request, response, (checked, ignoredResponse) -> passed.set(checked));
        if (passed.get() == null) {
            return;
        }
        HttpServletResponse noErrorPages = new HttpServletResponseWrapper(response) {
            @Override
            public void sendError(int status) throws IOException {
                response.resetBuffer();
                McpAuthFilter.JsonRpcErrors.write(response, status,
                        status >= 500 ? McpAuthFilter.JsonRpcErrors.INTERNAL_ERROR : McpAuthFilter.JsonRpcErrors.INVALID_REQUEST,
                        status == 403 ? "Forbidden" : "Request refused", null);
            }

            @Override
            public void sendError(int status, String ignoredMessage) throws IOException {
                sendError(status);
            }
        };
        try {
            chain.doFilter(passed.get(), noErrorPages);
        } catch (IOException | ServletException | RuntimeException failure) {
            if (response.isCommitted()) {
                throw failure;
            }
            response.resetBuffer();
            McpAuthFilter.JsonRpcErrors.write(response, 500, McpAuthFilter.JsonRpcErrors.INTERNAL_ERROR, "Internal error", null);
        }
    }
}
