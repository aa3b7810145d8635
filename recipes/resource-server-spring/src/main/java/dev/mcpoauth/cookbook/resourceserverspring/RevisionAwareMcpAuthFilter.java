package dev.mcpoauth.cookbook.resourceserverspring;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.web.filter.OncePerRequestFilter;

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
 *       leave unchanged. What the transport leaves to the container ({@code sendError}) or throws is answered
 *       as a JSON-RPC error by the security configuration's {@code NoErrorPageOnMcp}, never by Spring Boot's error page.</li>
 * </ul>
 */
final class RevisionAwareMcpAuthFilter extends OncePerRequestFilter {

    private final McpAuthFilter checks;

    RevisionAwareMcpAuthFilter(McpAuthFilter checks) {
        this.checks = checks;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!RevisionRouter.isModern(request)) {
            checks.doFilter(request, response, chain);
            return;
        }
        // McpAuthFilter answers a refusal itself; a request it lets through is handed on (the body it read,
        // replayed), here caught instead of forwarded, so that nothing of the transport's answer passes its rewriting.
        AtomicReference<ServletRequest> passed = new AtomicReference<>();
        checks.doFilter(request, response, (checked, ignoredResponse) -> passed.set(checked));
        if (passed.get() != null) {
            chain.doFilter(passed.get(), response);
        }
    }
}
