package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationException;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.context.AuthorizationServerContextHolder;
import org.springframework.security.web.DefaultRedirectStrategy;
import org.springframework.security.web.RedirectStrategy;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

/**
 * RFC 9207: every authorization response, success or error, names its issuer in {@code iss}, so a
 * client talking to several authorization servers can tell which one answered (mix-up attacks).
 * The MCP spec's 2026-07-28 revision says an authorization server SHOULD send it; Spring's
 * authorization endpoint does not, so these replace its two response handlers with the same
 * responses plus {@code iss}. An error goes back to the client only when Spring validated the
 * redirect URI; otherwise it is a 400 page, exactly as Spring does it.
 */
final class IssuerInAuthorizationResponse implements AuthenticationSuccessHandler, AuthenticationFailureHandler {

    static final String METADATA_FLAG = "authorization_response_iss_parameter_supported";

    private final RedirectStrategy redirects = new DefaultRedirectStrategy();

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication)
            throws IOException {
        OAuth2AuthorizationCodeRequestAuthenticationToken result = (OAuth2AuthorizationCodeRequestAuthenticationToken) authentication;
        UriComponentsBuilder uri = UriComponentsBuilder.fromUriString(result.getRedirectUri())
                .queryParam(OAuth2ParameterNames.CODE, result.getAuthorizationCode().getTokenValue());
        redirect(request, response, uri, result.getState());
    }

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException exception)
            throws IOException {
        OAuth2AuthorizationCodeRequestAuthenticationException refused = (OAuth2AuthorizationCodeRequestAuthenticationException) exception;
        OAuth2Error error = refused.getError();
        OAuth2AuthorizationCodeRequestAuthenticationToken asked = refused.getAuthorizationCodeRequestAuthentication();
        if (asked == null || !StringUtils.hasText(asked.getRedirectUri())) {
            response.sendError(HttpStatus.BAD_REQUEST.value(), error.toString()); // never redirect to an unchecked URI
            return;
        }
        UriComponentsBuilder uri = UriComponentsBuilder.fromUriString(asked.getRedirectUri())
                .queryParam(OAuth2ParameterNames.ERROR, error.getErrorCode());
        if (StringUtils.hasText(error.getDescription())) {
            uri.queryParam(OAuth2ParameterNames.ERROR_DESCRIPTION, encode(error.getDescription()));
        }
        redirect(request, response, uri, asked.getState());
    }

    private void redirect(HttpServletRequest request, HttpServletResponse response, UriComponentsBuilder uri, String state)
            throws IOException {
        if (StringUtils.hasText(state)) {
            uri.queryParam(OAuth2ParameterNames.STATE, encode(state));
        }
        uri.queryParam("iss", encode(AuthorizationServerContextHolder.getContext().getIssuer()));
        redirects.sendRedirect(request, response, uri.build(true).toUriString()); // build(true): already encoded
    }

    private static String encode(String value) {
        return UriUtils.encode(value, StandardCharsets.UTF_8);
    }
}
