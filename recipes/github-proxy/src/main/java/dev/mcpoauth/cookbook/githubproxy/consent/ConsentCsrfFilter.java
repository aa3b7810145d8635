package dev.mcpoauth.cookbook.githubproxy.consent;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;
import org.springframework.security.web.csrf.XorCsrfTokenRequestAttributeHandler;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CSRF protection for the consent form. Spring Authorization Server exempts its own endpoints from
 * CSRF, and the consent answer is a POST to one of them ({@code /oauth2/authorize}); only the
 * {@code state} guards it there. This filter requires the consent page's CSRF token too, so another
 * site cannot submit "Allow" in the user's browser.
 */
public final class ConsentCsrfFilter extends OncePerRequestFilter {

    private final HttpSessionCsrfTokenRepository tokens = new HttpSessionCsrfTokenRepository();
    private final XorCsrfTokenRequestAttributeHandler masking = new XorCsrfTokenRequestAttributeHandler();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean consentAnswer = "POST".equals(request.getMethod()) && request.getRequestURI().endsWith("/oauth2/authorize")
                && request.getParameter(OAuth2ParameterNames.RESPONSE_TYPE) == null;
        if (consentAnswer && !carriesSessionToken(request)) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "Missing or wrong CSRF token");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean carriesSessionToken(HttpServletRequest request) {
        CsrfToken expected = tokens.loadToken(request);
        if (expected == null) {
            return false;
        }
        String sent = masking.resolveCsrfTokenValue(request, expected);
        return sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                expected.getToken().getBytes(StandardCharsets.UTF_8));
    }
}
