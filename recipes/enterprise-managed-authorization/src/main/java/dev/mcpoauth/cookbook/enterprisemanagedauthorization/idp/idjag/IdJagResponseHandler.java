package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AccessTokenResponseAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token endpoint's answers: an ID-JAG as RFC 8693 §2.2.1 and the ID-JAG draft write it ({@code issued_token_type}
 * the ID-JAG type, {@code token_type} {@code N_A}: it is a grant for another server, not an access token here);
 * every other grant (authorization code, refresh) as Spring Authorization Server answers it.
 */
public final class IdJagResponseHandler implements AuthenticationSuccessHandler {

    /** RFC 8693's response parameter, which marks the result that carries an ID-JAG. */
    static final String ISSUED_TOKEN_TYPE = "issued_token_type";

    private final AuthenticationSuccessHandler accessTokens = new OAuth2AccessTokenResponseAuthenticationSuccessHandler();

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
            Authentication authentication) throws IOException, ServletException {
        if (!(authentication instanceof OAuth2AccessTokenAuthenticationToken result)
                || !IdJagRequest.ID_JAG_TOKEN_TYPE.equals(result.getAdditionalParameters().get(ISSUED_TOKEN_TYPE))) {
            accessTokens.onAuthenticationSuccess(request, response, authentication);
            return;
        }
        OAuth2AccessToken idJag = result.getAccessToken();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", idJag.getTokenValue());
        body.put(ISSUED_TOKEN_TYPE, IdJagRequest.ID_JAG_TOKEN_TYPE);
        body.put("token_type", "N_A");
        body.put("expires_in", Duration.between(idJag.getIssuedAt(), idJag.getExpiresAt()).toSeconds());
        if (!idJag.getScopes().isEmpty()) {
            body.put("scope", String.join(" ", new TreeSet<>(idJag.getScopes())));
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        response.getWriter().write(JsonMapper.shared().writeValueAsString(body));
    }
}
