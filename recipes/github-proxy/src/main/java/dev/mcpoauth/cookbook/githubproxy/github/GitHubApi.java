package dev.mcpoauth.cookbook.githubproxy.github;

import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore.GitHubToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int READ_TIMEOUT_MILLIS = 10_000;

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
        Answer response = send("GET", apiBase.resolve(path), Map.of(
                "Accept", "application/vnd.github+json",
                "X-GitHub-Api-Version", "2022-11-28",
                "Authorization", "Bearer " + accessToken), null);
        if (response.status() == 401) {
            throw new TokenRejectedException();
        }
        if (response.status() != 200) {
            throw new GitHubUnavailableException("GitHub API answered " + response.status() + " for " + path.split("\\?")[0]);
        }
        return JsonMapper.shared().readTree(response.body());
    }

    /** GitHub's refresh grant: a new access token and a new (rotated) refresh token. */
    public GitHubToken refresh(GitHubToken token) throws RefreshRefusedException {
        Answer response = send("POST", URI.create(app.getProviderDetails().getTokenUri()), Map.of(
                "Accept", "application/json", // otherwise GitHub answers form-encoded
                "Content-Type", "application/x-www-form-urlencoded"), form(Map.of(
                        "grant_type", "refresh_token",
                        "refresh_token", token.refreshToken(),
                        "client_id", app.getClientId(),
                        "client_secret", app.getClientSecret())));
        if (response.status() / 100 == 5) {
            throw new GitHubUnavailableException("GitHub's token endpoint answered " + response.status());
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
        Answer response = send("DELETE", apiBase.resolve("applications/"
                        + URLEncoder.encode(app.getClientId(), StandardCharsets.UTF_8) + "/token"), Map.of(
                "Accept", "application/vnd.github+json",
                "Authorization", "Basic " + credentials,
                "Content-Type", "application/json"),
                JsonMapper.shared().writeValueAsString(Map.of("access_token", accessToken)));
        // 204 revoked; 404 already gone. Anything else: the stored copy is deleted anyway.
        if (response.status() != 204 && response.status() != 404) {
            throw new GitHubUnavailableException("GitHub answered " + response.status() + " to the token revocation");
        }
    }

    private record Answer(int status, String body) {
    }

    /**
     * One blocking exchange on the calling thread. {@link HttpURLConnection} rather than the JDK's
     * {@code HttpClient}: the latter hands every exchange to its selector thread and a worker pool and
     * back, three thread wake-ups per call that cost more than the call itself on loopback (profiled:
     * README, Performance). Connections are kept alive and reused by the JDK (its keep-alive cache) when
     * the body is read to the end, which this does for every answer, error answers included.
     */
    private static Answer send(String method, URI uri, Map<String, String> headers, String body) {
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY); // as HttpClient's default: no proxy
            connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestMethod(method);
            headers.forEach(connection::setRequestProperty);
            if (body != null) {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                connection.setDoOutput(true); // buffered, not streamed: a 401 then reads as a status, not a retry exception
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(bytes);
                }
            }
            int status = connection.getResponseCode();
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String answer = "";
            if (in != null) {
                try (in) {
                    answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            return new Answer(status, answer);
        } catch (IOException e) {
            if (connection != null) {
                connection.disconnect(); // a broken exchange: do not hand its socket to the next call
            }
            throw new GitHubUnavailableException("GitHub is not reachable: " + e.getClass().getSimpleName());
        }
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
