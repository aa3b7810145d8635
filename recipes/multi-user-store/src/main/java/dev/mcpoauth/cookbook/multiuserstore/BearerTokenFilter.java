package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * Bearer-token authentication for /mcp. Reads the token from the {@code Authorization} header only
 * (RFC 6750 section 2.1, the one way the MCP authorization spec allows), refuses oversized and
 * malformed ones before parsing, and hands the rest to Micronaut Security's JWT validator:
 * signature ({@link JwksSignature}), then claims ({@link AccessTokenClaimsValidator}). The result,
 * an {@link Authentication} whose name is {@code sub} and whose roles are the token's scopes, is
 * left on the request for the filters and tools behind this one.
 */
final class BearerTokenFilter extends HttpFilter {

    /** Larger than any real access token, smaller than the container's header limit: refuse before parsing. */
    static final int MAX_TOKEN_LENGTH = 8 * 1024;

    /** RFC 6750 section 2.1: {@code Bearer} then one b64token. */
    private static final Pattern BEARER =
            Pattern.compile("^Bearer (?<token>[a-zA-Z0-9\\-._~+/]+=*)$", Pattern.CASE_INSENSITIVE);
    private static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(30);

    private final TokenValidator<HttpServletRequest> validator;
    private final BearerChallenge challenge;

    BearerTokenFilter(TokenValidator<HttpServletRequest> validator, BearerChallenge challenge) {
        this.validator = validator;
        this.challenge = challenge;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer", 0, "Bearer".length())) {
            challenge.noToken(response); // none, or another scheme: where to get a token
            return;
        }
        if (header.length() > MAX_TOKEN_LENGTH) {
            challenge.invalidToken(response, "Bearer token is too large");
            return;
        }
        Matcher bearer = BEARER.matcher(header);
        if (!bearer.matches()) {
            challenge.invalidToken(response, "Bearer token is malformed");
            return;
        }
        Optional<Authentication> authentication = validate(bearer.group("token"), request);
        if (authentication.isEmpty()) {
            challenge.invalidToken(response, "The access token is invalid or expired");
            return;
        }
        request.setAttribute(AuthenticatedUser.REQUEST_ATTRIBUTE, authentication.get());
        chain.doFilter(request, response);
    }

    // tag::validate[]
    /** Micronaut Security's validator is reactive; a servlet filter simply waits for its answer. */
    private Optional<Authentication> validate(String token, HttpServletRequest request) {
        return Mono.from(validator.validateToken(token, request)).blockOptional(VALIDATION_TIMEOUT);
    }
    // end::validate[]
}
