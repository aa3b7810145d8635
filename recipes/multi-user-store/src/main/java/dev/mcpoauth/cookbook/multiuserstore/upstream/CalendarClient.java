package dev.mcpoauth.cookbook.multiuserstore.upstream;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The third-party API, called with the user's upstream access token (RFC 6750 section 2.1). A 401
 * means "refresh and try once more" to the caller; network errors and 5xx are retried here with
 * backoff, as the calls are idempotent reads.
 */
@Singleton
public final class CalendarClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI eventsUrl;
    private final UpstreamConfiguration upstream;
    private final RetryPolicy retry;
    private final HttpClient http;

    CalendarClient(UpstreamConfiguration upstream) {
        this.upstream = upstream;
        this.eventsUrl = URI.create(upstream.apiUrl() + "/events");
        this.retry = RetryPolicy.of(upstream);
        this.http = HttpClient.newBuilder().connectTimeout(upstream.httpTimeout()).build();
    }

    /** The upstream API refused the access token (401): refresh it and retry once. */
    public static final class TokenRejectedException extends RuntimeException {
        TokenRejectedException() {
            super("The calendar API rejected the access token");
        }
    }

    /** GET /events: the calling user's events as the API returns them. */
    public JsonNode events(String accessToken) {
        for (int attempt = 1; ; attempt++) {
            HttpRequest request = HttpRequest.newBuilder(eventsUrl)
                    .timeout(upstream.httpTimeout())
                    .header("Authorization", "Bearer " + accessToken)
                    .header("Accept", "application/json")
                    .GET().build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                retryOrGiveUp(attempt, e.getClass().getSimpleName(), e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UpstreamUnavailableException("Interrupted", e);
            }
            int status = response.statusCode();
            if (status == 401) {
                throw new TokenRejectedException();
            }
            if (status >= 500) {
                retryOrGiveUp(attempt, "HTTP " + status, null);
                continue;
            }
            if (status != 200) {
                throw new UpstreamUnavailableException("The calendar API answered HTTP " + status, null);
            }
            try {
                return JSON.readTree(response.body());
            } catch (JacksonException e) {
                throw new UpstreamUnavailableException("The calendar API answered something that is not JSON", null);
            }
        }
    }

    private void retryOrGiveUp(int attempt, String reason, Throwable cause) {
        if (attempt >= retry.maxAttempts()) {
            throw new UpstreamUnavailableException("The calendar API is unavailable after " + attempt + " attempts (" + reason + ")", cause);
        }
        retry.pauseBeforeRetry(attempt);
    }
}
