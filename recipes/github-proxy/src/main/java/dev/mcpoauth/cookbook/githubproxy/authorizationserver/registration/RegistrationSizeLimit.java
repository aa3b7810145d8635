package dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Anonymous registration reads a JSON body of any size by default. Real client metadata is a few
 * hundred bytes; anything over 16 KiB, or of unknown length, is refused before it is parsed.
 */
public final class RegistrationSizeLimit extends OncePerRequestFilter {

    static final int MAX_BYTES = 16 * 1024;

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if ("POST".equals(request.getMethod()) && request.getRequestURI().endsWith("/oauth2/register")) {
            long length = request.getContentLengthLong();
            if (length < 0 || length > MAX_BYTES) {
                response.setStatus(413);
                response.setContentType("application/json");
                response.getOutputStream().write(("{\"error\":\"invalid_client_metadata\",\"error_description\":"
                        + "\"The registration request must have a Content-Length of at most " + MAX_BYTES + " bytes\"}")
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
