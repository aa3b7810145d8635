package dev.mcpoauth.cookbook.githubproxy;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses {@code ?access_token=} before anything else sees the request. OAuth 2.1 forbids tokens
 * in URLs because URLs get logged: with Spring Security at DEBUG, its filter chain logs
 * "Securing POST /mcp?access_token=..." before any bearer-token code runs (this recipe's tests
 * caught exactly that). The client gets the same 401 challenge as a request without a token.
 */
final class QueryStringTokenFilter extends OncePerRequestFilter {

    private final AuthenticationEntryPoint challenge;

    QueryStringTokenFilter(AuthenticationEntryPoint challenge) {
        this.challenge = challenge;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (hasAccessTokenParameter(request.getQueryString())) {
            challenge.commence(request, response,
                    new InsufficientAuthenticationException("Access tokens are not accepted in the query string"));
            return;
        }
        chain.doFilter(request, response);
    }

    /** Looks at parameter names only (never reading the body, never decoding the value). */
    static boolean hasAccessTokenParameter(String query) {
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
}
