package dev.mcpoauth.cookbook.keycloakdcr.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The desktop front channel without a desktop: the agent prints the URL (no browser here), a
 * "browser" then follows the redirect to the agent's loopback listener, and the agent returns it.
 */
class SystemBrowserUserAgentTest {

    @Test
    void receivesTheRedirectOnAFreshLoopbackPortAndAnswersThePerson() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SystemBrowserUserAgent agent = new SystemBrowserUserAgent(Duration.ofSeconds(20),
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        CompletableFuture<URI> redirectUriAsked = new CompletableFuture<>(); // the listener is up once it is asked

        CompletableFuture<URI> result = CompletableFuture.supplyAsync(() -> agent.authorize(redirect -> {
            redirectUriAsked.complete(redirect);
            return URI.create("https://auth.example/authorize?redirect_uri=" + redirect);
        }));
        URI redirectUri = redirectUriAsked.get(10, TimeUnit.SECONDS);
        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(redirectUri + "?code=abc&state=xyz&iss=https%3A%2F%2Fauth.example")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(redirectUri.toString()).matches("http://127\\.0\\.0\\.1:\\d+/callback");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("You can close this window");
        assertThat(result.get(10, TimeUnit.SECONDS))
                .isEqualTo(URI.create(redirectUri + "?code=abc&state=xyz&iss=https%3A%2F%2Fauth.example"));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("https://auth.example/authorize?redirect_uri=" + redirectUri);
    }
}
