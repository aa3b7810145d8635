package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the MCP server's protected-resource metadata (RFC 9728): at the {@code resource_metadata}
 * URL of the 401 challenge, else at the well-known URLs in the order the MCP authorization spec
 * gives ("Protected Resource Metadata Discovery Requirements"): path-inserted first, then the root.
 */
public final class ResourceDiscovery {

    private final OAuthHttp http;
    private final Consumer<String> steps;

    /** {@code steps} receives one line per step, for the walk-through. */
    public ResourceDiscovery(OAuthHttp http, Consumer<String> steps) {
        this.http = http;
        this.steps = steps;
    }

    public ProtectedResourceMetadata discover(URI serverUrl, Optional<BearerChallenge> challenge) {
        List<URI> candidates = new ArrayList<>();
        Optional<String> fromHeader = challenge.flatMap(BearerChallenge::resourceMetadata);
        if (fromHeader.isPresent()) {
            candidates.add(SafeUrl.check(fromHeader.get(), "resource_metadata in WWW-Authenticate"));
        } else {
            candidates.addAll(wellKnownLocations(serverUrl));
        }
        Optional<OAuthHttp.Document> document =
                http.firstJsonDocument(candidates, "RFC 9728", "protected-resource metadata", steps);
        if (document.isPresent()) {
            return parse(serverUrl, document.get().location(), document.get().json());
        }
        throw new McpAuthorizationException("No protected-resource metadata for " + serverUrl + " (tried "
                + candidates + "): the server does not implement RFC 9728 discovery");
    }

    /** RFC 9728 §3.1: {@code /.well-known/oauth-protected-resource} inserted before the path. */
    static List<URI> wellKnownLocations(URI serverUrl) {
        String origin = serverUrl.getScheme() + "://" + serverUrl.getRawAuthority();
        String path = serverUrl.getRawPath() == null ? "" : serverUrl.getRawPath();
        List<URI> locations = new ArrayList<>();
        if (!path.isEmpty() && !path.equals("/")) {
            locations.add(URI.create(origin + "/.well-known/oauth-protected-resource" + stripTrailingSlash(path)));
        }
        locations.add(URI.create(origin + "/.well-known/oauth-protected-resource"));
        return locations;
    }

    private ProtectedResourceMetadata parse(URI serverUrl, URI location, Map<String, Object> json) {
        URI resource = SafeUrl.check(string(json, "resource"), "resource in " + location);
        // RFC 9728 §3.3 and §7.3: a document about another resource must not be used, or a malicious
        // server could make this client fetch tokens for (and send them to) somebody else's API.
        if (!covers(resource, serverUrl)) {
            throw new McpAuthorizationException("Protected-resource metadata at " + location + " is for "
                    + resource + ", not for " + serverUrl + ": refused (RFC 9728 §3.3)");
        }
        Object servers = json.get("authorization_servers");
        if (!(servers instanceof List<?> list) || list.isEmpty()) {
            throw new McpAuthorizationException("Protected-resource metadata at " + location
                    + " lists no authorization_servers");
        }
        List<URI> issuers = new ArrayList<>();
        for (Object issuer : list) {
            issuers.add(SafeUrl.check(issuer instanceof String s ? s : null, "authorization_servers entry"));
        }
        Optional<String> scopes = Optional.empty();
        if (json.get("scopes_supported") instanceof List<?> supported && !supported.isEmpty()) {
            scopes = Optional.of(String.join(" ", supported.stream().map(String::valueOf).toList()));
        }
        steps.accept("  -> resource " + resource + ", authorization servers " + issuers
                + scopes.map(s -> ", scopes_supported \"" + s + "\"").orElse(""));
        return new ProtectedResourceMetadata(resource, List.copyOf(issuers), scopes, location);
    }

    /**
     * The document's resource must be the server's URL or a parent of it on the same origin; scheme
     * and host compare case-insensitively (MCP "Canonical Server URI"), the path exactly.
     */
    static boolean covers(URI resource, URI serverUrl) {
        if (!resource.getScheme().equalsIgnoreCase(serverUrl.getScheme())
                || !resource.getHost().equalsIgnoreCase(serverUrl.getHost())
                || effectivePort(resource) != effectivePort(serverUrl)) {
            return false;
        }
        String resourcePath = stripTrailingSlash(resource.getRawPath() == null ? "" : resource.getRawPath());
        String serverPath = stripTrailingSlash(serverUrl.getRawPath() == null ? "" : serverUrl.getRawPath());
        return serverPath.equals(resourcePath) || serverPath.startsWith(resourcePath + "/");
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    private static String stripTrailingSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String string(Map<String, Object> json, String name) {
        return json.get(name) instanceof String s ? s : null;
    }
}
