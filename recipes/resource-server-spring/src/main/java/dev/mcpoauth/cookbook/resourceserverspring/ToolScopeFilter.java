package dev.mcpoauth.cookbook.resourceserverspring;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-tool scopes. Which tool a request calls is in its JSON-RPC body ({@code tools/call} with
 * {@code params.name}), not in its URL, so this filter reads the body once, keeps it for the MCP
 * transport, and refuses a call whose tool needs a scope the token lacks. The refusal becomes an
 * HTTP 403 {@code insufficient_scope} challenge, which MCP clients answer by stepping up.
 */
final class ToolScopeFilter extends OncePerRequestFilter {

    /** MCP messages are small; a larger body is refused rather than buffered. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final McpTools tools;
    private final String baseScope;

    ToolScopeFilter(McpTools tools, String baseScope) {
        this.tools = tools;
        this.baseScope = baseScope;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE); // no error dispatch: /error is not public
            return;
        }
        Set<String> missing = missingScopes(body, grantedScopes());
        if (!missing.isEmpty()) {
            Set<String> needed = new LinkedHashSet<>();
            needed.add(baseScope);
            needed.addAll(missing);
            throw new InsufficientScopeException(String.join(" ", needed));
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
        for (JsonNode each : message.isArray() ? message.values() : java.util.List.of(message)) {
            if ("tools/call".equals(each.path("method").asString(""))) {
                tools.requiredScope(each.path("params").path("name").asString(""))
                        .filter(scope -> !granted.contains(scope))
                        .ifPresent(missing::add);
            }
        }
        return missing;
    }

    private static Set<String> grantedScopes() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        Set<String> scopes = new LinkedHashSet<>();
        if (authentication != null) {
            for (GrantedAuthority authority : authentication.getAuthorities()) {
                String name = authority.getAuthority();
                if (name != null && name.startsWith("SCOPE_")) {
                    scopes.add(name.substring("SCOPE_".length()));
                }
            }
        }
        return scopes;
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
                    encoding != null ? java.nio.charset.Charset.forName(encoding) : StandardCharsets.UTF_8));
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
