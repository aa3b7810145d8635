package dev.mcpoauth.cookbook.githubproxy;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Binds each MCP session to the user who created it (MCP security best practices, "Session
 * Hijacking": key session data on user and session id). The SDK keeps sessions by id alone, so a
 * leaked {@code Mcp-Session-Id} would let another user's valid token continue someone else's
 * session. This filter records the token subject when the SDK issues a session id, and answers 404
 * (no such session, for this user) when a different subject presents it. Every request is still
 * authorized on its own token first; sessions never authenticate anyone.
 */
final class SessionBindingFilter extends OncePerRequestFilter {

    static final String SESSION_HEADER = "Mcp-Session-Id";
    /** Longer than the SDK's idle-session sweep (30 min): a binding never outlives its session by much. */
    private static final Duration IDLE_LIMIT = Duration.ofHours(1);

    private record Binding(String subject, Instant lastSeen) {
    }

    private final Map<String, Binding> ownerBySession = new ConcurrentHashMap<>();
    private volatile Instant lastSweep = Instant.now();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String subject = currentSubject();
        String sessionId = request.getHeader(SESSION_HEADER);
        if (sessionId != null) {
            Binding binding = ownerBySession.get(sessionId);
            if (binding != null && !binding.subject().equals(subject)) {
                writeSessionNotFound(response);
                return;
            }
            if (binding != null) {
                ownerBySession.put(sessionId, new Binding(subject, Instant.now()));
            }
            if ("DELETE".equals(request.getMethod())) {
                ownerBySession.remove(sessionId);
            }
        }
        chain.doFilter(request, new HttpServletResponseWrapper(response) {
            @Override
            public void setHeader(String name, String value) {
                recordNewSession(name, value, subject);
                super.setHeader(name, value);
            }

            @Override
            public void addHeader(String name, String value) {
                recordNewSession(name, value, subject);
                super.addHeader(name, value);
            }
        });
    }

    private void recordNewSession(String header, String sessionId, String subject) {
        if (SESSION_HEADER.equalsIgnoreCase(header) && sessionId != null) {
            ownerBySession.putIfAbsent(sessionId, new Binding(subject, Instant.now()));
            sweepIdleBindings();
        }
    }

    private void sweepIdleBindings() {
        Instant now = Instant.now();
        if (lastSweep.isBefore(now.minus(Duration.ofMinutes(1)))) {
            lastSweep = now;
            ownerBySession.values().removeIf(binding -> binding.lastSeen().isBefore(now.minus(IDLE_LIMIT)));
        }
    }

    /** Same answer as for an unknown session: the client starts its own, and learns nothing about others'. */
    private static void writeSessionNotFound(HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setContentType("application/json");
        response.getOutputStream().write(
                "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Session not found\"}}"
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static String currentSubject() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        // Only reached behind hasAuthority(...): always a JWT subject here.
        return authentication == null ? "" : authentication.getName();
    }
}
