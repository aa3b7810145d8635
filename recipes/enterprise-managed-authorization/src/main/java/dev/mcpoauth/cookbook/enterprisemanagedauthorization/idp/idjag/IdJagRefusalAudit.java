package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.AuditLog;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.http.converter.OAuth2ErrorHttpMessageConverter;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2ErrorAuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

/**
 * The audit lines for refusals {@link IdJagExchangeProvider} never sees: a token exchange request the converter
 * refused (query string, wrong token type, a duplicated parameter), and a client that failed to authenticate at the
 * token endpoint (a wrong secret: someone guessing). Spring answers as before; this only writes the line.
 */
public final class IdJagRefusalAudit implements AuthenticationFailureHandler {

    /** Longest client id written to the audit log: it is whatever the caller sent. */
    private static final int MAX_CLIENT_ID = 128;

    private final AuditLog audit;
    private final String event;
    private final boolean tokenExchangeOnly;
    private final AuthenticationFailureHandler respond = new OAuth2ErrorAuthenticationFailureHandler();

    private IdJagRefusalAudit(AuditLog audit, String event, boolean tokenExchangeOnly) {
        this.audit = audit;
        this.event = event;
        this.tokenExchangeOnly = tokenExchangeOnly;
    }

    /** For the token endpoint: refused token exchange requests. */
    public static IdJagRefusalAudit tokenEndpoint(AuditLog audit) {
        return new IdJagRefusalAudit(audit, "id_jag_refused", true);
    }

    /** For client authentication: every failure, whatever the grant. */
    public static IdJagRefusalAudit clientAuthentication(AuditLog audit) {
        return new IdJagRefusalAudit(audit, "client_authentication_failed", false);
    }

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException failure) throws IOException, ServletException {
        boolean tokenExchange = AuthorizationGrantType.TOKEN_EXCHANGE.getValue().equals(request.getParameter("grant_type"));
        if (!(failure instanceof IdJagExchangeProvider.AuditedRefusal) && (tokenExchange || !tokenExchangeOnly)) {
            String error = failure instanceof OAuth2AuthenticationException oauth ? oauth.getError().getErrorCode() : "server_error";
            Map<String, String> details = new LinkedHashMap<>();
            details.put("client", claimedClientId(request));
            details.put("endpoint", request.getRequestURI());
            if (failure instanceof OAuth2AuthenticationException oauth && oauth.getError().getDescription() != null) {
                details.put("reason", oauth.getError().getDescription());
            }
            audit.record(event, error, details);
        }
        if (!tokenExchangeOnly && failure instanceof OAuth2AuthenticationException oauth) {
            // As Spring's client authentication answers: 401 for invalid_client (RFC 6749 §5.2), 400 otherwise.
            ServletServerHttpResponse http = new ServletServerHttpResponse(response);
            http.setStatusCode(OAuth2ErrorCodes.INVALID_CLIENT.equals(oauth.getError().getErrorCode())
                    ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST);
            new OAuth2ErrorHttpMessageConverter().write(oauth.getError(), null, http);
            return;
        }
        respond.onAuthenticationFailure(request, response, failure);
    }

    /** The client id the caller claimed (HTTP Basic user, or client_id), not verified, cut to length; never the secret. */
    static String claimedClientId(HttpServletRequest request) {
        String claimed = request.getParameter("client_id");
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                claimed = java.net.URLDecoder.decode(colon < 0 ? decoded : decoded.substring(0, colon), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException unreadable) {
                claimed = "(unreadable Basic credentials)";
            }
        }
        if (claimed == null) {
            return null;
        }
        return claimed.length() > MAX_CLIENT_ID ? claimed.substring(0, MAX_CLIENT_ID) + "..." : claimed;
    }
}
