package dev.mcpoauth.cookbook.multiuserstore;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Refuses {@code ?access_token=} (RFC 6750 section 2.3) before any other code of this server sees the
 * request: OAuth 2.1 drops tokens in URLs because URLs get logged. The first filter in front of /mcp:
 * the client gets the same 401 challenge as a request without a token, and no later filter, tool or
 * log statement ever handles that URL. (The container's access log, off by default, is another
 * matter: see the README.)
 */
final class QueryStringTokenFilter extends HttpFilter {

    private final BearerChallenge challenge;

    QueryStringTokenFilter(BearerChallenge challenge) {
        this.challenge = challenge;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (hasAccessTokenParameter(request.getQueryString())) {
            challenge.noToken(response);
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
