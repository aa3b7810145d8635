package dev.mcpoauth.cookbook.keycloakdcr.authorization;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The desktop front channel without a desktop: the agent prints the URL (no browser here), a
 * "browser" then follows the redirect to the agent's loopback listener, and the agent returns it.
 */
class SystemBrowserUserAgentTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final SystemBrowserUserAgent agent = new SystemBrowserUserAgent(Duration.ofSeconds(20),
            new PrintStream(printed, true, StandardCharsets.UTF_8));
    private CompletableFuture<URI> result;
    private URI redirectUri;
    private URI authorizationResponse;

    @BeforeEach
    void startAnAuthorization() throws Exception {
        CompletableFuture<URI> redirectUriAsked = new CompletableFuture<>(); // the listener is up once it is asked
        result = CompletableFuture.supplyAsync(() -> agent.authorize(redirect -> {
            redirectUriAsked.complete(redirect);
            return URI.create("https://auth.example/authorize?redirect_uri=" + redirect);
        }));
        redirectUri = redirectUriAsked.get(10, TimeUnit.SECONDS);
        authorizationResponse = URI.create(redirectUri + "?code=abc&state=xyz&iss=https%3A%2F%2Fauth.example");
    }

    @Test
    void returnsTheRedirectItReceivesOnAFreshLoopbackPort() throws Exception {
        given().urlEncodingEnabled(false).when().get(authorizationResponse); // the browser follows the redirect

        assertThat(redirectUri.toString()).matches("http://127\\.0\\.0\\.1:\\d+/callback");
        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(authorizationResponse);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("https://auth.example/authorize?redirect_uri=" + redirectUri);
    }

    @Test
    void answersTheBrowserWithAPageForThePerson() throws Exception {
        given().urlEncodingEnabled(false)
        .when()
            .get(authorizationResponse)
        .then()
            .statusCode(200)
            .body(containsString("You can close this window"));

        result.get(10, TimeUnit.SECONDS);
    }
}
