package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code /oauth2/authorize} and the GitHub sign-in it starts: what reaches the client's redirect, and what never does. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationEndpointTest {

    private ProxyStack stack;
    private String clientId;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
        clientId = stack.registerClient("Authorization request client");
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    static Stream<Arguments> refusedAuthorizationRequests() {
        Pkce pkce = Pkce.create();
        return Stream.of(
                argumentSet("PKCE plain", Map.of("code_challenge", pkce.verifier(), "code_challenge_method", "plain"),
                        "invalid_request"),
                argumentSet("no code_challenge", Collections.singletonMap("code_challenge", null), "invalid_request"),
                argumentSet("another resource (RFC 8707)", Map.of("resource", "https://other.example/mcp"), "invalid_target"));
    }

    /**
     * Errors about a valid client and redirect go back to the client, with its state (RFC 6749 section 4.1.2.1)
     * and the issuer (RFC 9207 section 2; MCP 2026-07-28 asks for it in error responses too).
     */
    @ParameterizedTest
    @MethodSource("refusedAuthorizationRequests")
    void aRequestTheProxyRefusesIsSentBackToTheClientAsAnError(Map<String, String> changes, String error) {
        String redirect = stack.given()
        .when()
            .get(Browser.authorizationUrl(stack, clientId, Pkce.create(), changes).toString())
        .then()
            .statusCode(302)
            .header("Location", startsWith(Browser.REDIRECT_URI + "?"))
            .extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsEntry("error", error).containsKey("state")
                .containsEntry("iss", stack.baseUrl.toString()); // RFC 9207: error responses name the issuer too
    }

    static Stream<Arguments> redirectUriTricks() {
        return Stream.of(
                argumentSet("a suffix on the path", "http://127.0.0.1/callbackx"),
                argumentSet("dot segments", "http://127.0.0.1/callback/../evil"),
                argumentSet("a prefix of the path", "http://127.0.0.1/call"),
                argumentSet("userinfo", "http://attacker@127.0.0.1/callback"),
                argumentSet("a look-alike host", "http://127.0.0.1.evil.example/callback"),
                argumentSet("https for the registered http", "https://127.0.0.1/callback"),
                argumentSet("a fragment", "http://127.0.0.1/callback#fragment"));
    }

    /** A redirect URI that is not exactly a registered one: the proxy's own error page, never a redirect. */
    @ParameterizedTest
    @MethodSource("redirectUriTricks")
    void aRedirectUriTrickGetsAnErrorPageInsteadOfARedirect(String trick) {
        stack.given()
        .when()
            .get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of("redirect_uri", trick)).toString())
        .then()
            .statusCode(400)
            .header("Location", nullValue());
    }

    // ---- GitHub's callback to the proxy -----------------------------------------------------------

    @Test
    void theGitHubCallbackInAnotherBrowserEndsAtTheSignInError() {
        URI githubCallback = stopAtTheGitHubCallback(new HeadlessUserAgent());

        stack.given() // another browser: none of the victim's cookies
        .when()
            .get(githubCallback.toString())
        .then()
            .statusCode(302)
            .header("Location", endsWith("/login?error"));
    }

    @Test
    void theGitHubCallbackInTheBrowserThatStartedItResumesTheAuthorizationRequest() {
        HeadlessUserAgent victim = new HeadlessUserAgent();
        URI githubCallback = stopAtTheGitHubCallback(victim);

        Browser.session(stack, victim)
        .when()
            .get(githubCallback.toString())
        .then()
            .statusCode(302)
            .header("Location", containsString("/oauth2/authorize?"));
    }

    @Test
    void theGitHubCallbackReplayedInTheSameBrowserEndsAtTheSignInError() {
        HeadlessUserAgent victim = new HeadlessUserAgent();
        URI githubCallback = stopAtTheGitHubCallback(victim);
        victim.get(githubCallback); // the first, legitimate use; the browser keeps the session it gets

        Browser.session(stack, victim)
        .when()
            .get(githubCallback.toString())
        .then()
            .statusCode(302)
            .header("Location", endsWith("/login?error"));
    }

    /** Where GitHub sends the browser back to the proxy with GitHub's code and the proxy's state. */
    private URI stopAtTheGitHubCallback(HeadlessUserAgent browser) {
        URI authorize = Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of());
        return browser.authorize(authorize, stack.baseUrl + "/login/oauth2/code/github", ALICE);
    }
}
