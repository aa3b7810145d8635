package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a URL a server hands out is safe for a client to use: https, or http on a loopback host
 * (the cookbook's recipes and local development, RFC 8252 section 8.3). Loopback is decided from the
 * URL alone, never by resolving a name: DNS could say anything.
 */
public enum EndpointSecurity {
    HTTPS,
    LOOPBACK_HTTP,
    /** http on a host that is not loopback, or another scheme, or not a URL. */
    INSECURE;

    public static EndpointSecurity of(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            return INSECURE;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            return INSECURE;
        }
        if (scheme.equals("https")) {
            return HTTPS;
        }
        return scheme.equals("http") && isLoopback(uri.getHost()) ? LOOPBACK_HTTP : INSECURE;
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1") || h.matches("127(\\.\\d{1,3}){3}");
    }
}
