package dev.mcpoauth.cookbook.githubproxy.mcp;

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
        String token = hasBearerScheme(header) ? header.substring(SCHEME.length()) : "";
        if (!isB64Token(token)) {
            throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
        }
        return token;
    }

    /** "Bearer" in any ASCII case, then one space: the regex's {@code ^Bearer } with CASE_INSENSITIVE (ASCII only). */
    private static boolean hasBearerScheme(String header) {
        if (header.length() < SCHEME.length()) {
            return false;
        }
        for (int i = 0; i < SCHEME.length(); i++) {
            char c = header.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (lower != SCHEME.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // tag::b64token[]
    /**
     * RFC 6750 section 2.1 {@code b64token}: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. A loop,
     * not a regular expression: one regex step per character of a 1 KiB token cost more than the cached token check.
     */
    static boolean isB64Token(String token) {
        int i = 0;
        while (i < token.length() && isB64TokenCharacter(token.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false; // at least one character before any padding
        }
        while (i < token.length() && token.charAt(i) == '=') {
            i++;
        }
        return i == token.length();
    }

    private static boolean isB64TokenCharacter(char c) {
        return c < B64TOKEN_CHARACTERS.length && B64TOKEN_CHARACTERS[c];
    }

    /** {@code ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"}, indexed by character: one lookup per character. */
    private static final boolean[] B64TOKEN_CHARACTERS = new boolean[128];

    static {
        for (char c = 0; c < B64TOKEN_CHARACTERS.length; c++) {
            B64TOKEN_CHARACTERS[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
        }
    }
    // end::b64token[]
}
