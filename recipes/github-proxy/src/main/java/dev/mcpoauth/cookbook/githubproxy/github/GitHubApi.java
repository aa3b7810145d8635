package dev.mcpoauth.cookbook.githubproxy.github;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore.GitHubToken;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proxy's calls to GitHub with a user's token: the REST API, the refresh grant (GitHub's
 * expiring user tokens only) and token revocation. Endpoints and the OAuth App's credentials come
 * from the {@code github} client registration (application.yml), so real GitHub and the emulator
 * differ in configuration only.
 */
@Component
public class GitHubApi {

    /** GitHub answered 401: the token is revoked or expired. */
    public static final class TokenRejectedException extends Exception {
        TokenRejectedException() {
            super("GitHub answered 401 Bad credentials");
        }
    }

    /** GitHub refused a refresh token (it answers HTTP 200 with an {@code error} field). */
    public static final class RefreshRefusedException extends Exception {
        RefreshRefusedException(String error) {
            super("GitHub refused the refresh token: " + error);
        }
    }

    /** GitHub could not be reached or answered 5xx. */
    public static final class GitHubUnavailableException extends RuntimeException {
        GitHubUnavailableException(String message) {
            super(message);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ClientRegistration app;
    private final URI apiBase;

    GitHubApi(ClientRegistrationRepository registrations, ProxyProperties properties) {
        this.app = registrations.findByRegistrationId("github");
        String base = properties.githubApiUrl().toString();
        this.apiBase = URI.create(base.endsWith("/") ? base : base + "/");
    }

    /** {@code GET /user} */
    public JsonNode user(String accessToken) throws TokenRejectedException {
        return get("user", accessToken);
    }

    /** {@code GET /user/repos}, most recently updated first. */
    public JsonNode repositories(String accessToken) throws TokenRejectedException {
        return get("user/repos?sort=updated&per_page=30", accessToken);
    }

    private JsonNode get(String path, String accessToken) throws TokenRejectedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(apiBase.resolve(path))
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("Authorization", "Bearer " + accessToken)
                .timeout(Duration.ofSeconds(10))
                .GET().build());
        if (response.statusCode() == 401) {
            throw new TokenRejectedException();
        }
        if (response.statusCode() != 200) {
            throw new GitHubUnavailableException("GitHub API answered " + response.statusCode() + " for " + path.split("\\?")[0]);
        }
        return JsonMapper.shared().readTree(response.body());
    }

    /** GitHub's refresh grant: a new access token and a new (rotated) refresh token. */
    public GitHubToken refresh(GitHubToken token) throws RefreshRefusedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(app.getProviderDetails().getTokenUri()))
                .header("Accept", "application/json") // otherwise GitHub answers form-encoded
                .header("Content-Type", "application/x-www-form-urlencoded")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
                        "grant_type", "refresh_token",
                        "refresh_token", token.refreshToken(),
                        "client_id", app.getClientId(),
                        "client_secret", app.getClientSecret()))))
                .build());
        if (response.statusCode() / 100 == 5) {
            throw new GitHubUnavailableException("GitHub's token endpoint answered " + response.statusCode());
        }
        JsonNode body = JsonMapper.shared().readTree(response.body());
        if (body.hasNonNull("error") || !body.hasNonNull("access_token")) {
            throw new RefreshRefusedException(body.path("error").asString("no access_token in the answer"));
        }
        Set<String> scopes = body.path("scope").asString("").isBlank() ? token.scopes()
                : Set.of(body.path("scope").asString().split(","));
        return new GitHubToken(token.userId(), body.get("access_token").asString(),
                Instant.now().plusSeconds(body.path("expires_in").asLong(8 * 3600)),
                body.path("refresh_token").asString(token.refreshToken()), scopes);
    }

    /** {@code DELETE /applications/{client_id}/token}: the app's credentials, the user's token in the body. */
    public void revoke(String accessToken) {
        String credentials = Base64.getEncoder().encodeToString(
                (app.getClientId() + ":" + app.getClientSecret()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(apiBase.resolve("applications/"
                        + URLEncoder.encode(app.getClientId(), StandardCharsets.UTF_8) + "/token"))
                .header("Accept", "application/vnd.github+json")
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(
                        JsonMapper.shared().writeValueAsString(Map.of("access_token", accessToken))))
                .build());
        // 204 revoked; 404 already gone. Anything else: the stored copy is deleted anyway.
        if (response.statusCode() != 204 && response.statusCode() != 404) {
            throw new GitHubUnavailableException("GitHub answered " + response.statusCode() + " to the token revocation");
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new GitHubUnavailableException("GitHub is not reachable: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitHubUnavailableException("Interrupted while calling GitHub");
        }
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
