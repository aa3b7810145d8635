package dev.mcpoauth.cookbook.testkit.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent times the sign-in form's POST, and only when a form was shown (the GitHub emulator's sign-in). */
class HeadlessUserAgentTest {

    private static final UserCredentials OCTOCAT = new UserCredentials("octocat", "octocat-demo-password");
    private static final String REDIRECT = "http://127.0.0.1:49152/github/callback";

    private GitHubEmulator github;

    @BeforeEach
    void start() throws Exception {
        github = GitHubEmulator.start();
        github.registerOAuthApp("Ov23li-classic", "classic-secret", URI.create("http://127.0.0.1/github/callback"));
        github.addUser("octocat", "octocat-demo-password", "The Octocat", "hello-world");
    }

    @AfterEach
    void stop() {
        github.close();
    }

    @Test
    void timesTheLoginPostWhenTheSignInFormIsShown() {
        HeadlessUserAgent browser = new HeadlessUserAgent();

        browser.authorize(authorizeUrl(), REDIRECT, OCTOCAT);

        assertThat(browser.lastLoginPost()).hasValueSatisfying(took -> assertThat(took).isPositive());
    }

    @Test
    void reportsNoLoginPostWhenTheSessionSkipsTheSignInForm() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        browser.authorize(authorizeUrl(), REDIRECT, OCTOCAT);

        browser.authorize(authorizeUrl(), REDIRECT, OCTOCAT);

        assertThat(browser.lastLoginPost()).isEmpty();
    }

    private URI authorizeUrl() {
        return github.webBaseUrl().resolve("/login/oauth/authorize?client_id=Ov23li-classic&redirect_uri="
                + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8) + "&scope=read%3Auser&state=xyz");
    }
}
