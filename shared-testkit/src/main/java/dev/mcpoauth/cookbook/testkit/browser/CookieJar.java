package dev.mcpoauth.cookbook.testkit.browser;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A browser-like cookie jar for a headless user agent.
 *
 * <p>Why not {@link java.net.CookieManager}: Keycloak marks its login cookies {@code Secure} even
 * on {@code http://localhost}, and {@code CookieManager} never returns a secure cookie over http.
 * Browsers treat loopback as a secure context and do send them, so this jar does too, and only
 * for loopback hosts. Host-only and domain cookies, paths, {@code Max-Age} and deletion are
 * honoured; that is all Keycloak and the cookbook's servers use.
 */
public final class CookieJar extends CookieHandler {

    private record Cookie(String name, String value, String domain, boolean hostOnly, String path,
                          boolean secure, Instant expires) {

        boolean matches(URI uri) {
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            boolean hostMatches = hostOnly ? host.equals(domain) : host.equals(domain) || host.endsWith("." + domain);
            String requestPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            boolean pathMatches = requestPath.startsWith(path);
            boolean channelOk = !secure || "https".equalsIgnoreCase(uri.getScheme()) || isLoopback(host);
            return hostMatches && pathMatches && channelOk && (expires == null || expires.isAfter(Instant.now()));
        }
    }

    private final List<Cookie> cookies = new ArrayList<>();

    @Override
    public synchronized Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
        List<String> pairs = cookies.stream().filter(c -> c.matches(uri)).map(c -> c.name() + "=" + c.value()).toList();
        return pairs.isEmpty() ? Map.of() : Map.of("Cookie", List.of(String.join("; ", pairs)));
    }

    @Override
    public synchronized void put(URI uri, Map<String, List<String>> responseHeaders) throws IOException {
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            if (header.getKey() != null && header.getKey().equalsIgnoreCase("Set-Cookie")) {
                header.getValue().forEach(value -> store(uri, value));
            }
        }
    }

    /** Names of the cookies the jar would send to {@code uri}, for assertions in tests. */
    public synchronized List<String> cookieNames(URI uri) {
        return cookies.stream().filter(c -> c.matches(uri)).map(Cookie::name).toList();
    }

    private void store(URI uri, String setCookie) {
        String[] parts = setCookie.split(";");
        int equals = parts[0].indexOf('=');
        if (equals <= 0) {
            return;
        }
        String name = parts[0].substring(0, equals).strip();
        String value = parts[0].substring(equals + 1).strip(); // quotes included, as browsers keep them
        String domain = uri.getHost().toLowerCase(Locale.ROOT);
        boolean hostOnly = true;
        String path = defaultPath(uri);
        boolean secure = false;
        Instant expires = null;
        for (int i = 1; i < parts.length; i++) {
            String attribute = parts[i].strip();
            int eq = attribute.indexOf('=');
            String key = (eq < 0 ? attribute : attribute.substring(0, eq)).toLowerCase(Locale.ROOT);
            String argument = eq < 0 ? "" : attribute.substring(eq + 1).strip();
            switch (key) {
                case "domain" -> {
                    domain = argument.replaceFirst("^\\.", "").toLowerCase(Locale.ROOT);
                    hostOnly = false;
                }
                case "path" -> path = argument.startsWith("/") ? argument : defaultPath(uri);
                case "secure" -> secure = true;
                case "max-age" -> expires = Instant.now().plusSeconds(Long.parseLong(argument));
                default -> {
                    // Expires (Max-Age wins where both are sent), HttpOnly, SameSite, Version: no effect here
                }
            }
        }
        String cookieDomain = domain;
        String cookiePath = path;
        cookies.removeIf(c -> c.name().equals(name) && c.domain().equals(cookieDomain) && c.path().equals(cookiePath));
        if (expires == null || expires.isAfter(Instant.now())) {
            cookies.add(new Cookie(name, value, domain, hostOnly, path, secure, expires));
        }
    }

    private static String defaultPath(URI uri) {
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/") || path.lastIndexOf('/') == 0) {
            return "/";
        }
        return path.substring(0, path.lastIndexOf('/'));
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("[::1]");
    }
}
