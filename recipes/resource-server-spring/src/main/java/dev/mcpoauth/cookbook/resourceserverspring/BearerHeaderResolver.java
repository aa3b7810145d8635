package dev.mcpoauth.cookbook.resourceserverspring;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.util.StringUtils;

/**
 * RFC 6750 section 2.1 only: the token from the {@code Authorization} header, never from the query string or a form
 * body; a header longer than {@code maxLength} is refused before it is read. Same answers as Spring Security's
 * {@link DefaultBearerTokenResolver} with its defaults (BearerHeaderResolverTest compares the two), without its
 * regular expression: matching {@code ^Bearer [A-Za-z0-9-._~+/]+=*$} one regex step per character of a 1 KiB
 * token cost more, in a flight recording of the benchmark, than answering the token from the verified-token cache.
 */
final class BearerHeaderResolver implements BearerTokenResolver {

    private static final String SCHEME = "bearer ";
    /** {@code ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"}, indexed by character: one lookup per character. */
    private static final boolean[] TOKEN68 = new boolean[128];

    static {
        for (char c = 0; c < TOKEN68.length; c++) {
            TOKEN68[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        }
    }

    private final int maxLength;

    BearerHeaderResolver(int maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    public String resolve(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.length() > maxLength) {
            throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is too large"));
        }
        return token(header);
    }

    /** {@code null} for no header or another scheme; the b64token (RFC 6750 section 2.1); else invalid_token. */
    static String token(String header) {
        if (!StringUtils.startsWithIgnoreCase(header, "bearer")) {
            return null; // no credentials, or another scheme: the plain challenge
        }
        if (!isBearerCredentials(header)) {
            throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
        }
        return header.substring(SCHEME.length());
    }

    /** "Bearer" in any ASCII case, one space, then {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
    private static boolean isBearerCredentials(String header) {
        if (header.length() <= SCHEME.length()) {
            return false;
        }
        for (int i = 0; i < SCHEME.length(); i++) {
            char c = header.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c; // ASCII only, as the regex's CASE_INSENSITIVE
            if (lower != SCHEME.charAt(i)) {
                return false;
            }
        }
        int i = SCHEME.length();
        while (i < header.length() && isToken68Character(header.charAt(i))) {
            i++;
        }
        if (i == SCHEME.length()) {
            return false; // at least one character before any padding
        }
        while (i < header.length() && header.charAt(i) == '=') {
            i++;
        }
        return i == header.length();
    }

    private static boolean isToken68Character(char c) {
        return c < TOKEN68.length && TOKEN68[c];
    }
}
