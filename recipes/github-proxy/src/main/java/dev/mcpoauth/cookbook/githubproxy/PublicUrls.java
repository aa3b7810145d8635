package dev.mcpoauth.cookbook.githubproxy;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The proxy's public URLs: its issuer and its MCP resource. Either configured ({@code proxy.public-url},
 * the choice for production) or taken from the request, which Tomcat has already rewritten from
 * {@code X-Forwarded-Proto/Host/Port} when, and only when, the request came from a trusted proxy
 * address ({@code server.forward-headers-strategy: native}; see application.yml).
 */
@Component
public class PublicUrls {

    private final URI configured;

    PublicUrls(ProxyProperties properties) {
        this.configured = properties.publicUrl();
    }

    /** The issuer: the origin every metadata document and token names. */
    public String issuer() {
        return issuer(((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest());
    }

    /** The same, for code that runs before Spring has bound the request to the thread. */
    public String issuer(HttpServletRequest request) {
        if (configured != null && !configured.toString().isBlank()) {
            return stripTrailingSlash(configured.toString());
        }
        return stripTrailingSlash(ServletUriComponentsBuilder.fromContextPath(request).build().toUriString());
    }

    /** The MCP server's canonical URL: the RFC 8707 resource, and the only audience its tokens may carry. */
    public String mcpResource() {
        return issuer() + "/mcp";
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
