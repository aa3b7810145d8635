package dev.mcpoauth.cookbook.testkit.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The emulator behaves as GitHub documents its OAuth App flow, quirks included. */
class GitHubEmulatorTest {

    private static final UserCredentials OCTOCAT = new UserCredentials("octocat", "octocat-demo-password");
    private static final URI CALLBACK = URI.create("http://127.0.0.1/github/callback");

    private final HttpClient http = HttpClient.newHttpClient();
    private final HandMovedClock clock = new HandMovedClock();
    private GitHubEmulator github;

    @BeforeEach
    void start() throws Exception {
        github = GitHubEmulator.start(clock);
        github.registerOAuthApp("Ov23li-classic", "classic-secret", CALLBACK);
        github.registerAppWithExpiringTokens("Iv23li-expiring", "expiring-secret", CALLBACK, Duration.ofHours(8));
        github.addUser("octocat", "octocat-demo-password", "The Octocat", "hello-world", "spoon-knife");
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void classicAppFlowGivesANonExpiringTokenAsAFormByDefault() throws Exception {
        Map<String, String> callback = signInAndAuthorize(new HeadlessUserAgent(), "Ov23li-classic", "read:user repo");
        assertThat(callback).containsEntry("state", "xyz").containsKey("code");

        HttpResponse<String> token = tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "classic-secret",
                "code", callback.get("code")), null);

        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(token.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/x-www-form-urlencoded");
        Map<String, String> fields = decode(token.body());
        assertThat(fields.get("access_token")).startsWith("gho_");
        assertThat(fields).containsEntry("scope", "read:user,repo").containsEntry("token_type", "bearer")
                .doesNotContainKeys("refresh_token", "expires_in");

        HttpResponse<String> user = api("/user", "Bearer " + fields.get("access_token"));
        assertThat(user.statusCode()).isEqualTo(200);
        assertThat(json(user).path("login").asString()).isEqualTo("octocat");
        assertThat(user.headers().firstValue("X-OAuth-Scopes")).contains("read:user, repo");
        assertThat(json(api("/user/repos", "token " + fields.get("access_token")))).hasSize(2);
    }

    @Test
    void answersJsonOnlyWhenAskedFor() throws Exception {
        Map<String, String> callback = signInAndAuthorize(new HeadlessUserAgent(), "Ov23li-classic", "read:user");

        HttpResponse<String> token = tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "classic-secret",
                "code", callback.get("code")), "application/json");

        assertThat(token.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(json(token).path("access_token").asString()).startsWith("gho_");
    }

    @Test
    void tokenErrorsComeWithStatus200() throws Exception {
        Map<String, String> callback = signInAndAuthorize(new HeadlessUserAgent(), "Ov23li-classic", "read:user");

        HttpResponse<String> wrongSecret = tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "nope",
                "code", callback.get("code")), "application/json");
        HttpResponse<String> used = tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "classic-secret",
                "code", callback.get("code")), "application/json");
        HttpResponse<String> replay = tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "classic-secret",
                "code", callback.get("code")), null);

        assertThat(wrongSecret.statusCode()).isEqualTo(200);
        assertThat(json(wrongSecret).path("error").asString()).isEqualTo("incorrect_client_credentials");
        assertThat(json(used).path("access_token").asString()).startsWith("gho_");
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(decode(replay.body())).containsEntry("error", "bad_verification_code");
    }

    @Test
    void aRedirectUriOutsideTheCallbackGetsItsErrorAtTheRegisteredCallback() throws Exception {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        for (String bad : new String[] {"http://evil.example/github/callback", "http://127.0.0.1/other",
                "http://127.0.0.1/github/callback/../../other", "http://user@127.0.0.1/github/callback"}) {
            HttpResponse<String> response = browser.get(authorizeUrl("Ov23li-classic", "read:user", bad));

            assertThat(response.statusCode()).as(bad).isEqualTo(302);
            URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
            assertThat(location.getPath()).as(bad).isEqualTo("/github/callback");
            assertThat(decode(location.getRawQuery())).as(bad).containsEntry("error", "redirect_uri_mismatch")
                    .containsEntry("state", "xyz");
        }
    }

    @Test
    void aSecondAuthorizationForTheSameScopesSkipsTheAuthorizePage() throws Exception {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        signInAndAuthorize(browser, "Ov23li-classic", "read:user");

        HttpResponse<String> again = browser.get(authorizeUrl("Ov23li-classic", "read:user", "http://127.0.0.1:4000/github/callback"));

        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location").orElseThrow()).startsWith("http://127.0.0.1:4000/github/callback?code=");
    }

    @Test
    void expiringUserTokensRotateTheirRefreshToken() throws Exception {
        Map<String, String> callback = signInAndAuthorize(new HeadlessUserAgent(), "Iv23li-expiring", "");
        JsonNode first = json(tokenRequest(Map.of("client_id", "Iv23li-expiring", "client_secret", "expiring-secret",
                "code", callback.get("code")), "application/json"));
        assertThat(first.path("access_token").asString()).startsWith("ghu_");
        assertThat(first.path("refresh_token").asString()).startsWith("ghr_");
        assertThat(first.path("expires_in").asLong()).isEqualTo(28_800);

        clock.advance(Duration.ofHours(9));
        assertThat(api("/user", "Bearer " + first.path("access_token").asString()).statusCode()).isEqualTo(401);
        JsonNode refreshed = json(tokenRequest(Map.of("client_id", "Iv23li-expiring", "client_secret", "expiring-secret",
                "grant_type", "refresh_token", "refresh_token", first.path("refresh_token").asString()), "application/json"));
        JsonNode reused = json(tokenRequest(Map.of("client_id", "Iv23li-expiring", "client_secret", "expiring-secret",
                "grant_type", "refresh_token", "refresh_token", first.path("refresh_token").asString()), "application/json"));

        assertThat(refreshed.path("refresh_token").asString()).startsWith("ghr_").isNotEqualTo(first.path("refresh_token").asString());
        assertThat(api("/user", "Bearer " + refreshed.path("access_token").asString()).statusCode()).isEqualTo(200);
        assertThat(reused.path("error").asString()).isEqualTo("bad_refresh_token");
    }

    @Test
    void theAppCanRevokeAToken() throws Exception {
        Map<String, String> callback = signInAndAuthorize(new HeadlessUserAgent(), "Ov23li-classic", "read:user");
        String token = json(tokenRequest(Map.of("client_id", "Ov23li-classic", "client_secret", "classic-secret",
                "code", callback.get("code")), "application/json")).path("access_token").asString();

        HttpResponse<String> wrongApp = revoke("Ov23li-classic", "not-the-secret", token);
        HttpResponse<String> revoked = revoke("Ov23li-classic", "classic-secret", token);

        assertThat(wrongApp.statusCode()).isEqualTo(401);
        assertThat(revoked.statusCode()).isEqualTo(204);
        HttpResponse<String> after = api("/user", "Bearer " + token);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(json(after).path("message").asString()).isEqualTo("Bad credentials");
        assertThat(github.isActive(token)).isFalse();
    }

    @Test
    void servesNoAuthorizationServerMetadata() throws Exception {
        for (String path : new String[] {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
            assertThat(http.send(HttpRequest.newBuilder(github.webBaseUrl().resolve(path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void offersNoDynamicClientRegistration() throws Exception {
        HttpResponse<Void> register = http.send(HttpRequest.newBuilder(github.webBaseUrl().resolve("/register"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"redirect_uris\":[\"http://127.0.0.1/cb\"]}")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(register.statusCode()).isEqualTo(404);
    }

    private Map<String, String> signInAndAuthorize(HeadlessUserAgent browser, String clientId, String scope) {
        String redirect = "http://127.0.0.1:49152/github/callback";
        URI result = browser.authorize(authorizeUrl(clientId, scope, redirect), redirect, OCTOCAT);
        return decode(result.getRawQuery());
    }

    private URI authorizeUrl(String clientId, String scope, String redirectUri) {
        return github.webBaseUrl().resolve("/login/oauth/authorize?client_id=" + clientId + "&redirect_uri="
                + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8) + "&scope="
                + URLEncoder.encode(scope, StandardCharsets.UTF_8) + "&state=xyz");
    }

    private HttpResponse<String> tokenRequest(Map<String, String> form, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(github.webBaseUrl().resolve("/login/oauth/access_token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> api(String path, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(github.apiBaseUrl() + path))
                .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> revoke(String clientId, String secret, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(github.apiBaseUrl() + "/applications/" + clientId + "/token"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes()))
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"access_token\":\"" + token + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body());
    }

    private static String encode(Map<String, String> form) {
        StringBuilder s = new StringBuilder();
        form.forEach((k, v) -> s.append(s.length() == 0 ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return s.toString();
    }

    private static Map<String, String> decode(String encoded) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            String[] kv = pair.split("=", 2);
            map.put(kv[0], kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return map;
    }
}
