package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.security.authentication.Authentication;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Scopes, after authentication. Every request needs the server's base scope; a {@code tools/call}
 * also needs its tool's scope. Which tool a request calls is in its JSON-RPC body
 * ({@code params.name}), not in its URL, so this filter reads the body once, keeps it for the MCP
 * transport, and refuses a call whose tool needs a scope the token lacks. The refusal is an HTTP 403
 * {@code insufficient_scope} challenge, which MCP clients answer by stepping up.
 */
final class ScopeFilter extends HttpFilter {

    /** MCP messages are small; a larger body is refused rather than buffered. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final CalendarTools tools;
    private final String baseScope;
    private final BearerChallenge challenge;

    ScopeFilter(CalendarTools tools, String baseScope, BearerChallenge challenge) {
        this.tools = tools;
        this.baseScope = baseScope;
        this.challenge = challenge;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Set<String> granted = grantedScopes(request);
        if (!granted.contains(baseScope)) {
            challenge.insufficientScope(response, baseScope);
            return;
        }
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        Set<String> missing = missingScopes(body, granted);
        if (!missing.isEmpty()) {
            Set<String> needed = new LinkedHashSet<>();
            needed.add(baseScope);
            needed.addAll(missing);
            challenge.insufficientScope(response, String.join(" ", needed));
            return;
        }
        chain.doFilter(new ReplayableBodyRequest(request, body), response);
    }

    /** Scopes the called tools need and the token does not have. A batch is checked message by message. */
    private Set<String> missingScopes(byte[] body, Set<String> granted) {
        JsonNode message;
        try {
            message = JSON.readTree(body);
        } catch (JacksonException notJson) {
            return Set.of(); // the MCP transport answers a parse error itself
        }
        Set<String> missing = new LinkedHashSet<>();
        for (JsonNode each : message.isArray() ? message.values() : List.of(message)) {
            if ("tools/call".equals(each.path("method").asString(""))) {
                tools.requiredScope(each.path("params").path("name").asString(""))
                        .filter(scope -> !granted.contains(scope))
                        .ifPresent(missing::add);
            }
        }
        return missing;
    }

    /** The token's scopes: Micronaut Security maps the {@code scope} claim to the roles (application.yml). */
    private static Set<String> grantedScopes(HttpServletRequest request) {
        Authentication authentication = AuthenticatedUser.authentication(request);
        return authentication == null ? Set.of() : Set.copyOf(authentication.getRoles());
    }
    /** The request with its already-read body served again to whoever reads it next. */
    private static final class ReplayableBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        ReplayableBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) {
                    return in.read(buffer, offset, length);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("Body already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    encoding != null ? Charset.forName(encoding) : StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
