package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where an MCP client looks for a server's protected resource metadata, and what the document it
 * finds must say. Order (MCP "Protected Resource Metadata Discovery Requirements"): the
 * {@code resource_metadata} URL of the 401 challenge; else the well-known URL with the server's path
 * inserted (RFC 9728 section 3.1), then the one at the root.
 */
public final class ProtectedResourceMetadataDiscovery {

    static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";

    private ProtectedResourceMetadataDiscovery() {
    }

    /** RFC 9728 section 3.1: the well-known segment inserted between the host and the path. */
    public static URI pathSuffixedLocation(URI serverUrl) {
        return URI.create(origin(serverUrl) + WELL_KNOWN + ProtectedResourceMetadata.withoutTrailingSlash(serverUrl.getRawPath()));
    }

    /** The fallback MCP clients try when the path-suffixed URL has nothing. */
    public static URI rootLocation(URI serverUrl) {
        return URI.create(origin(serverUrl) + WELL_KNOWN);
    }

    /** The well-known URLs in the order a client tries them (one, if the server URL has no path). */
    public static List<URI> wellKnownLocations(URI serverUrl) {
        List<URI> locations = new ArrayList<>();
        locations.add(pathSuffixedLocation(serverUrl));
        if (!locations.contains(rootLocation(serverUrl))) {
            locations.add(rootLocation(serverUrl));
        }
        return locations;
    }

    /**
     * Judges one fetched metadata document (RFC 9728 sections 2, 3.2 and 3.3; MCP).
     *
     * @param serverUrl the MCP server URL the client started from
     * @return the results, and the document if it is usable
     */
    public static Judged judge(ProbeResponse response, URI serverUrl) {
        List<CheckResult> results = new ArrayList<>();
        String where = response.uri().toString();
        String contentType = response.first("Content-Type").orElse("(none)");
        Optional<ProtectedResourceMetadata> document = response.status() == 200
                ? ProtectedResourceMetadata.parse(response.uri(), response.body()) : Optional.empty();
        boolean json = contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
        results.add(Checks.PRM_CONTENT_TYPE.judge(document.isPresent() && json, where + ": "
                + UnauthorizedResponse.statusText(response.status()) + ", Content-Type " + contentType
                + (response.status() == 200 && document.isEmpty() ? ", body is not a JSON object" : "")));
        if (document.isEmpty()) {
            return new Judged(results, Optional.empty());
        }
        ProtectedResourceMetadata metadata = document.get();

        Optional<String> resource = metadata.resource();
        if (resource.isEmpty()) {
            results.add(Checks.PRM_RESOURCE.violated(where + ": no resource member"));
        } else {
            URI parsed = parseOrNull(resource.get());
            boolean covers = parsed != null && ProtectedResourceMetadata.covers(parsed, serverUrl);
            boolean identical = parsed != null && covers
                    && ProtectedResourceMetadata.withoutTrailingSlash(parsed.getRawPath())
                            .equals(ProtectedResourceMetadata.withoutTrailingSlash(serverUrl.getRawPath()));
            results.add(Checks.PRM_RESOURCE.judge(covers, where + ": resource \"" + resource.get() + "\" "
                    + (identical ? "is " + serverUrl : covers ? "is a parent of " + serverUrl
                    : "does not match " + serverUrl + ": a client must refuse this document" + aliasHint(parsed, serverUrl))));
        }

        List<String> servers = metadata.authorizationServers();
        results.add(Checks.PRM_AUTHORIZATION_SERVERS.judge(!servers.isEmpty() && servers.stream().allMatch(s -> parseOrNull(s) != null),
                where + ": authorization_servers " + (servers.isEmpty() ? "missing or empty" : servers)));

        Optional<List<String>> methods = metadata.bearerMethodsSupported();
        results.add(methods.isEmpty()
                ? Checks.PRM_BEARER_METHODS.pass(where + ": not listed (RFC 9728: header is the default to offer)")
                : Checks.PRM_BEARER_METHODS.judge(methods.get().equals(List.of("header")),
                        where + ": bearer_methods_supported " + methods.get()));

        boolean usable = results.stream().noneMatch(CheckResult::isFailedMust);
        return new Judged(results, usable ? document : Optional.empty());
    }

    /**
     * RFC 9728 section 3.3, for the document reached through the challenge's {@code resource_metadata}
     * only: its resource must be identical to the URL requested, else a client must not use it. The
     * well-known documents are judged by {@link Checks#PRM_RESOURCE}, which also accepts a parent.
     *
     * @param requested the MCP server URL the client sent the request to
     */
    public static CheckResult judgeResourceIdentical(ProtectedResourceMetadata metadata, URI requested) {
        String where = metadata.location() + ": ";
        Optional<String> resource = metadata.resource();
        if (resource.isEmpty()) {
            return Checks.PRM_RESOURCE_IDENTICAL.violated(where + "no resource member");
        }
        URI parsed = parseOrNull(resource.get());
        boolean identical = parsed != null && ProtectedResourceMetadata.identical(parsed, requested);
        return Checks.PRM_RESOURCE_IDENTICAL.judge(identical, where + "resource \"" + resource.get() + "\" "
                + (identical ? "is identical to the URL requested, " + requested
                : "is not identical to the URL requested, " + requested + ": a client must not use this document"
                + (parsed == null ? "" : aliasHint(parsed, requested))));
    }

    /** When the probe used another loopback name than the server's own: which URL to probe instead. */
    static String aliasHint(URI resource, URI requested) {
        return resource != null && ProtectedResourceMetadata.loopbackAlias(resource, requested)
                ? ". The server calls itself " + resource + ": probe that URL (clients send it as the RFC 8707"
                        + " resource and the server compares it)"
                : "";
    }

    static URI parseOrNull(String value) {
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null && uri.getHost() != null ? uri : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority();
    }

    /** The verdicts on one document, and the document if a client may use it. */
    public record Judged(List<CheckResult> results, Optional<ProtectedResourceMetadata> metadata) {
    }
}
