package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.oidc.authentication.OidcLogoutAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.oidc.web.authentication.OidcLogoutAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;

/**
 * OpenID Connect RP-initiated logout ends the sign-in, not only the browser session: Spring ends the session and keeps
 * the stored sign-in (its ID token, its refresh token), with which a client could go on getting ID-JAGs. This removes
 * the sign-in the validated {@code id_token_hint} names, then lets Spring answer as it does.
 */
final class SignOut implements AuthenticationSuccessHandler {

    private static final OAuth2TokenType ID_TOKEN = new OAuth2TokenType(OidcParameterNames.ID_TOKEN);

    private final OAuth2AuthorizationService signIns;
    private final AuditLog audit;
    private final AuthenticationSuccessHandler respond = new OidcLogoutAuthenticationSuccessHandler();

    SignOut(OAuth2AuthorizationService signIns, AuditLog audit) {
        this.signIns = signIns;
        this.audit = audit;
    }

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication)
            throws IOException, ServletException {
        if (authentication instanceof OidcLogoutAuthenticationToken logout && logout.getIdToken() != null) {
            OAuth2Authorization signIn = signIns.findByToken(logout.getIdToken().getTokenValue(), ID_TOKEN);
            if (signIn != null) {
                signIns.remove(signIn);
                Map<String, String> details = new LinkedHashMap<>();
                details.put("user", signIn.getPrincipalName());
                details.put("client", logout.getClientId());
                audit.record("signed_out", "ok", details);
            }
        }
        respond.onAuthenticationSuccess(request, response, authentication);
    }
}
