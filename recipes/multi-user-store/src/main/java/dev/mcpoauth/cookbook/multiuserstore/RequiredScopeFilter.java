package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.security.authentication.Authentication;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The base scope every MCP request needs, after authentication: a valid token without it gets 403
 * {@code insufficient_scope} (RFC 6750 section 3.1), which MCP clients answer by stepping up. This
 * server's tools need nothing more: what a user may do upstream is decided by the upstream grant.
 */
final class RequiredScopeFilter extends HttpFilter {

    private final String requiredScope;
    private final BearerChallenge challenge;

    RequiredScopeFilter(String requiredScope, BearerChallenge challenge) {
        this.requiredScope = requiredScope;
        this.challenge = challenge;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Authentication authentication = AuthenticatedUser.authentication(request);
        // Micronaut Security maps the token's `scope` claim to the roles (application.yml).
        if (authentication == null || !authentication.getRoles().contains(requiredScope)) {
            challenge.insufficientScope(response, requiredScope);
            return;
        }
        chain.doFilter(request, response);
    }
}
