package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Every HTTP call this client makes to discovery, registration and token endpoints goes through
 * here: short timeouts, redirects never followed (a metadata document that redirects elsewhere is
 * an error, not a hint), response bodies capped, and nothing logged.
 */
public final class OAuthHttp {

    /** Metadata and token responses are small; a larger body is refused, not buffered. */
    static final int MAX_BODY_BYTES = 256 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final boolean publicAddressesOnly;

    public OAuthHttp(boolean publicAddressesOnly) {
        this.publicAddressesOnly = publicAddressesOnly;
    }

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();

    private record Response(int status, Map<String, List<String>> headers, String body) {

        Optional<Map<String, Object>> json() {
            try {
                return Optional.of(JSONObjectUtils.parse(body));
            } catch (java.text.ParseException e) {
                return Optional.empty();
            }
        }

        List<String> header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream())
                    .toList();
        }
    }

    /** A metadata document and where it was found. */
    public record Document(URI location, Map<String, Object> json) {
    }

    /**
     * Fetches {@code locations} in order and returns the first that answers 200 with a JSON object;
     * other answers move on to the next location (the discovery orders of RFC 8414 §3 and RFC 9728 §3).
     */
    public Optional<Document> firstJsonDocument(List<URI> locations, String rfc, String what, Consumer<String> steps) {
        for (URI location : locations) {
            steps.accept(rfc + ": fetch " + what + " " + location);
            Response response = get(location);
            if (response.status() != 200) {
                steps.accept("  -> " + response.status() + ", trying the next location");
                continue;
            }
            Map<String, Object> json = response.json().orElseThrow(() -> new McpAuthorizationException(
                    what + " at " + location + " is not a JSON object"));
            return Optional.of(new Document(location, json));
        }
        return Optional.empty();
    }

    private Response get(URI url) {
        return send(HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json").GET().build());
    }

    /** Sends a request Nimbus built (token, registration) and hands the answer back to Nimbus to parse. */
    public HTTPResponse send(HTTPRequest request) {
        HttpRequest.Builder builder;
        try {
            builder = HttpRequest.newBuilder(request.getURI()).timeout(TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new UnsafeUrlException("endpoint is not a valid URL: refused");
        }
        request.getHeaderMap().forEach((name, values) -> values.forEach(v -> builder.header(name, v)));
        String body = request.getBody();
        builder.method(request.getMethod().name(),
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        Response response = send(builder.build());
        HTTPResponse nimbus = new HTTPResponse(response.status());
        response.headers().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                nimbus.setHeader(name, values.toArray(String[]::new));
            }
        });
        nimbus.setBody(response.body());
        return nimbus;
    }

    private Response send(HttpRequest request) {
        if (publicAddressesOnly) {
            SafeUrl.requirePublicAddress(request.uri(), withoutQuery(request.uri()));
        }
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
                if (bytes.length > MAX_BODY_BYTES) {
                    throw new McpAuthorizationException(request.uri() + " answered with more than "
                            + MAX_BODY_BYTES + " bytes: refused");
                }
                return new Response(response.statusCode(), response.headers().map(),
                        new String(bytes, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new McpAuthorizationException("Could not reach " + withoutQuery(request.uri()) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthorizationException("Interrupted while calling " + withoutQuery(request.uri()), e);
        }
    }

    /** An OAuth error response (RFC 6749 §5.2) for a message: its code and description, control characters replaced. */
    public static String describe(ErrorObject error) {
        String description = error.getDescription();
        return error.getCode() + (description == null ? "" : " (" + description.replaceAll("[\\p{Cntrl}]", "?") + ")");
    }

    /** A URL for a message, without its query. */
    public static String withoutQuery(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
