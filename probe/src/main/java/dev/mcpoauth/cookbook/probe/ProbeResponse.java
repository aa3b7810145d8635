package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** What a server answered: status, headers (names case-insensitive) and body. */
public record ProbeResponse(URI uri, int status, Map<String, List<String>> headers, String body) {

    public ProbeResponse {
        Map<String, List<String>> insensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        insensitive.putAll(headers);
        headers = insensitive;
    }

    public static ProbeResponse of(HttpResponse<String> response) {
        return new ProbeResponse(response.uri(), response.statusCode(), response.headers().map(),
                response.body() == null ? "" : response.body());
    }

    public List<String> all(String header) {
        return headers.getOrDefault(header, List.of());
    }

    public Optional<String> first(String header) {
        return all(header).stream().findFirst();
    }
}
