package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads every token exchange request at the token endpoint (this IdP exchanges ID tokens for ID-JAGs and nothing
 * else): {@code subject_token_type} must be an ID token and {@code requested_token_type} an ID-JAG; {@code audience}
 * and {@code resource} exactly once each, absolute URIs; no actor token. Parameters in the query string are refused:
 * a token request is a form body (OAuth 2.1 §3.2.2), and a servlet merges the two.
 */
public final class IdJagRequestConverter implements AuthenticationConverter {

    /** Longest resource, audience or scope accepted: a URL or a scope list, not a payload. */
    static final int MAX_LENGTH = 2048;
    /** Longest subject token accepted (an ID token of this IdP is about 1 KB). */
    static final int MAX_TOKEN_LENGTH = 16384;
    /** RFC 6749 §3.3: scope tokens of %x21 / %x23-5B / %x5D-7E, separated by single spaces (extra spaces tolerated). */
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E ]*");

    @Override
    public Authentication convert(HttpServletRequest request) {
        if (!AuthorizationGrantType.TOKEN_EXCHANGE.getValue().equals(request.getParameter("grant_type"))) {
            return null;
        }
        if (request.getQueryString() != null) {
            throw invalidRequest("Token request parameters belong in the form body, not the query string");
        }
        String requestedType = single(request, "requested_token_type");
        if (!IdJagRequest.ID_JAG_TOKEN_TYPE.equals(requestedType)) {
            throw invalidRequest("This IdP exchanges tokens for ID-JAGs only: requested_token_type must be "
                    + IdJagRequest.ID_JAG_TOKEN_TYPE);
        }
        if (!IdJagRequest.ID_TOKEN_TYPE.equals(single(request, "subject_token_type"))) {
            throw invalidRequest("subject_token_type must be " + IdJagRequest.ID_TOKEN_TYPE);
        }
        if (request.getParameter("actor_token") != null) {
            throw invalidRequest("actor_token is not supported: an ID-JAG is issued for the signed-in user only");
        }
        String subjectToken = single(request, "subject_token");
        URI audience = absolute(single(request, "audience"), "audience", OAuth2ErrorCodes.INVALID_REQUEST);
        URI resource = absolute(single(request, "resource"), "resource", "invalid_target");
        Set<String> scopes = new LinkedHashSet<>();
        String[] scope = request.getParameterValues("scope");
        if (scope != null) {
            if (scope.length != 1 || scope[0].length() > MAX_LENGTH) {
                throw invalidRequest("scope must appear once, at most " + MAX_LENGTH + " characters");
            }
            if (!SCOPE.matcher(scope[0]).matches()) {
                throw new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_SCOPE,
                        "scope is malformed (RFC 6749 section 3.3)", null));
            }
            Arrays.stream(scope[0].split(" ")).filter(s -> !s.isEmpty()).forEach(scopes::add);
        }
        Authentication client = SecurityContextHolder.getContext().getAuthentication();
        return new IdJagRequest(client, subjectToken, audience, resource, scopes);
    }

    private static String single(HttpServletRequest request, String name) {
        String[] values = request.getParameterValues(name);
        if (values == null || values.length != 1 || values[0].isBlank()) {
            throw invalidRequest(name + " must appear exactly once");
        }
        int limit = "subject_token".equals(name) ? MAX_TOKEN_LENGTH : MAX_LENGTH;
        if (values[0].length() > limit) {
            // Refused before anything echoes it (error_description, audit line).
            throw invalidRequest(name + " is longer than " + limit + " characters");
        }
        return values[0];
    }

    /** An absolute URI without a fragment (RFC 8707 §2 for resource; the authorization server's issuer for audience). */
    private static URI absolute(String value, String name, String errorCode) {
        try {
            URI uri = new URI(value);
            if (uri.isAbsolute() && uri.getFragment() == null && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new OAuth2AuthenticationException(new OAuth2Error(errorCode, name + " must be an absolute URI without a fragment", null));
    }

    private static OAuth2AuthenticationException invalidRequest(String description) {
        return new OAuth2AuthenticationException(new OAuth2Error(OAuth2ErrorCodes.INVALID_REQUEST, description, null));
    }
}
