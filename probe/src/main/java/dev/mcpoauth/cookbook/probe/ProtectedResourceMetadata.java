package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An RFC 9728 protected resource metadata document as served, with the members MCP clients act on.
 *
 * @param location where it was fetched
 * @param json     the document
 */
public record ProtectedResourceMetadata(URI location, Map<String, Object> json) {

    /** The document in a response body, if the body is a JSON object. */
    public static Optional<ProtectedResourceMetadata> parse(URI location, String body) {
        return Json.object(body).map(json -> new ProtectedResourceMetadata(location, json));
    }

    public Optional<String> resource() {
        return Json.string(json, "resource");
    }

    public List<String> authorizationServers() {
        return Json.strings(json, "authorization_servers");
    }

    public List<String> scopesSupported() {
        return Json.strings(json, "scopes_supported");
    }

    public Optional<List<String>> bearerMethodsSupported() {
        return json.containsKey("bearer_methods_supported")
                ? Optional.of(Json.strings(json, "bearer_methods_supported")) : Optional.empty();
    }

    /**
     * Whether a document about {@code resource} may be used for {@code serverUrl}: the same URL, or a
     * parent path on the same origin. Scheme and host compare case-insensitively (MCP "Canonical
     * Server URI"), default ports are filled in, a trailing slash is ignored, the path compares exactly.
     */
    public static boolean covers(URI resource, URI serverUrl) {
        if (resource.getScheme() == null || resource.getHost() == null
                || !resource.getScheme().equalsIgnoreCase(serverUrl.getScheme())
                || !resource.getHost().equalsIgnoreCase(serverUrl.getHost())
                || effectivePort(resource) != effectivePort(serverUrl)
                || resource.getRawFragment() != null) {
            return false;
        }
        String resourcePath = withoutTrailingSlash(resource.getRawPath());
        String serverPath = withoutTrailingSlash(serverUrl.getRawPath());
        return serverPath.equals(resourcePath) || serverPath.startsWith(resourcePath + "/");
    }

    /**
     * Whether {@code a} and {@code b} are the same URL but for a loopback host spelt differently
     * ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}): the probe was pointed at one name of a
     * server that calls itself by another, and clients must use the server's own.
     */
    public static boolean loopbackAlias(URI a, URI b) {
        return a.getScheme() != null && a.getHost() != null && b.getHost() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme()) && effectivePort(a) == effectivePort(b)
                && isLoopbackName(a.getHost()) && isLoopbackName(b.getHost()) && !a.getHost().equalsIgnoreCase(b.getHost())
                && withoutTrailingSlash(a.getRawPath()).equals(withoutTrailingSlash(b.getRawPath()));
    }

    private static boolean isLoopbackName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || h.equals("[::1]") || h.equals("::1");
    }

    /**
     * Whether a token's audience value names {@code resource}: identical (see {@link #identical}) or
     * differing only by one trailing slash, which resource servers commonly ignore.
     */
    public static boolean namesResource(String audience, String resource) {
        URI aud = ProtectedResourceMetadataDiscovery.parseOrNull(audience);
        URI res = ProtectedResourceMetadataDiscovery.parseOrNull(resource);
        if (aud == null || res == null) {
            return audience.equals(resource);
        }
        return identical(aud, res) || (covers(aud, res) && covers(res, aud) && aud.getRawQuery() == null
                && res.getRawQuery() == null);
    }

    /**
     * RFC 9728 section 3.3: metadata reached through a challenge's {@code resource_metadata} must name
     * the URL the client requested, "identical". Only the RFC 3986 normalizations that leave the string
     * the same URL for every client apply: scheme and host case (section 6.2.2.1) and an explicit default
     * port (section 6.2.3). The path, a trailing slash included, the query and percent-encodings compare
     * exactly.
     */
    public static boolean identical(URI resource, URI requested) {
        return resource.getScheme() != null && resource.getHost() != null
                && normalized(resource).equals(normalized(requested));
    }

    private static String normalized(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = isDefaultPort(uri) ? -1 : uri.getPort();
        return scheme + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@")
                + uri.getHost().toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port)
                + (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment());
    }

    /** An explicit :80 for http or :443 for https. */
    private static boolean isDefaultPort(URI uri) {
        return uri.getPort() == (uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    static String withoutTrailingSlash(String path) {
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
