package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import dev.mcpoauth.cookbook.testkit.time.AheadClock;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code /oauth2/token}: codes (once, for their client, redirect and verifier), resources, and refresh rotation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenEndpointTest {

    static {
        LogCapture.install();
    }

    /** The proxy's default {@code proxy.refresh-reuse-grace}. */
    private static final Duration REUSE_GRACE = Duration.ofSeconds(10);

    private final AheadClock clock = new AheadClock();
    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of(), clock);
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    // ---- the authorization code -------------------------------------------------------------------

    @Test
    void aCodeRedeemedForAnotherResourceIsInvalidTarget() {
        SignedIn alice = signIn("Resource client");
        Pkce pkce = Pkce.create();

        redeem(alice.clientId, alice.newCode(pkce), pkce.verifier(), "https://other.example/mcp", Browser.REDIRECT_URI)
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_target"));
    }

    @Test
    void aCodeRedeemedWithTheWrongVerifierIsInvalidGrant() {
        SignedIn alice = signIn("Verifier client");
        Pkce pkce = Pkce.create();

        redeem(alice.clientId, alice.newCode(pkce), Pkce.create().verifier())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aCodePresentedByAnotherClientIsInvalidGrant() {
        SignedIn alice = signIn("Code owner");
        String thief = stack.registerClient("Code thief");
        Pkce pkce = Pkce.create();

        redeem(thief, alice.newCode(pkce), pkce.verifier())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aCodePresentedByAnotherClientIsBurnedForItsOwnerToo() {
        SignedIn alice = signIn("Code owner, burned");
        String thief = stack.registerClient("Code thief, burning");
        Pkce pkce = Pkce.create();
        String stolen = alice.newCode(pkce);
        redeem(thief, stolen, pkce.verifier()).then().statusCode(400);

        redeem(alice.clientId, stolen, pkce.verifier())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aCodeRedeemedWithAnotherRedirectUriThanItsRequestIsInvalidGrant() {
        SignedIn alice = signIn("Redirect binding");
        Pkce pkce = Pkce.create();

        redeem(alice.clientId, alice.newCode(pkce), pkce.verifier(), stack.mcpUrl().toString(), "http://127.0.0.1:41234/other")
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aReplayedCodeIsInvalidGrant() {
        SignedIn alice = signIn("Code replay");
        Pkce pkce = Pkce.create();
        String code = alice.newCode(pkce);
        redeem(alice.clientId, code, pkce.verifier()).then().statusCode(200);

        redeem(alice.clientId, code, pkce.verifier())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void aReplayedCodeRevokesTheAccessTokenItsFirstUseGot() {
        SignedIn alice = signIn("Code replay, revocation");
        Pkce pkce = Pkce.create();
        String code = alice.newCode(pkce);
        String accessToken = redeem(alice.clientId, code, pkce.verifier()).then().statusCode(200)
                .extract().path("access_token");
        mcpInitialize(accessToken).then().statusCode(200);

        redeem(alice.clientId, code, pkce.verifier()).then().statusCode(400);

        mcpInitialize(accessToken).then().statusCode(401);
    }

    // ---- refresh (OAuth 2.1 section 4.3.1) --------------------------------------------------------

    @Test
    void refreshRotatesTheRefreshToken() {
        String clientId = stack.registerClient("Rotating client");
        Tokens first = stack.login(new HeadlessUserAgent(), clientId, ALICE);

        stack.refresh(clientId, first.refreshToken())
        .then()
            .statusCode(200)
            .body("access_token", not(emptyOrNullString()))
            .body("refresh_token", not(equalTo(first.refreshToken())));
    }

    /** Two concurrent refreshes of one client: the loser is refused, and the user stays signed in. */
    @Test
    void aRotatedRefreshTokenReusedWithinTheGraceWindowIsOnlyRefused() {
        String clientId = stack.registerClient("Racing client");
        Tokens first = stack.login(new HeadlessUserAgent(), clientId, ALICE);
        String secondAccessToken = stack.refresh(clientId, first.refreshToken()).then().statusCode(200).extract().path("access_token");

        stack.refresh(clientId, first.refreshToken())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
        mcpInitialize(secondAccessToken).then().statusCode(200);
    }

    /** Either the client or an attacker holds a stolen copy: the whole grant ends, at once, not at {@code exp}. */
    @Test
    void aRotatedRefreshTokenReusedAfterTheGraceWindowRevokesTheWholeGrant() {
        String clientId = stack.registerClient("Refreshing client");
        Tokens first = stack.login(new HeadlessUserAgent(), clientId, ALICE);
        Response second = stack.refresh(clientId, first.refreshToken()).then().statusCode(200).extract().response();
        clock.advance(REUSE_GRACE.plusSeconds(1));

        stack.refresh(clientId, first.refreshToken()) // a stolen copy, after the grace window
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
        stack.refresh(clientId, second.path("refresh_token")).then().statusCode(400).body("error", equalTo("invalid_grant"));
        mcpInitialize(second.path("access_token")).then().statusCode(401);
        assertThat(LogCapture.text()).contains("\"event\":\"refresh_token_reuse\"").contains("\"outcome\":\"grant_revoked\"");
    }

    @Test
    void aGrantRevokedForRefreshTokenReuseTakesTheUsersOnlyGitHubTokenWithIt() throws Exception {
        String clientId = stack.registerClient("Carol's only client");
        Tokens first = stack.login(new HeadlessUserAgent(), clientId, stack.newGitHubUser("carol"));
        String githubToken = storedGitHubToken(first);
        stack.refresh(clientId, first.refreshToken()).then().statusCode(200);
        clock.advance(REUSE_GRACE.plusSeconds(1));

        stack.refresh(clientId, first.refreshToken()).then().statusCode(400);

        assertThat(stack.github.isActive(githubToken)).isFalse(); // revoked at GitHub: it was Carol's only grant
    }

    /** Browser-based clients redeem codes from their own origin; nothing at this endpoint rides on cookies. */
    @Test
    void answersAnyOriginsPreflightWithoutCredentials() {
        stack.preflight("https://some-web-client.example")
        .when()
            .options("/oauth2/token")
        .then()
            .statusCode(200)
            .header("Access-Control-Allow-Origin", "https://some-web-client.example")
            .header("Access-Control-Allow-Credentials", nullValue());
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A client the user has approved, and the browser session that can get new codes for it without a page. */
    private record SignedIn(ProxyStack stack, HeadlessUserAgent browser, String clientId) {
        String newCode(Pkce pkce) {
            return Browser.redirectParameters(Browser.follow(browser,
                    Browser.authorizationUrl(stack, clientId, pkce, Map.of()))).get("code");
        }
    }

    private SignedIn signIn(String clientName) {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient(clientName);
        stack.login(browser, clientId, ALICE);
        return new SignedIn(stack, browser, clientId);
    }

    private Response redeem(String clientId, String code, String verifier) {
        return redeem(clientId, code, verifier, stack.mcpUrl().toString(), Browser.REDIRECT_URI);
    }

    private Response redeem(String clientId, String code, String verifier, String resource, String redirectUri) {
        return stack.given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", redirectUri,
                        "client_id", clientId, "code_verifier", verifier, "resource", resource)))
                .when().post("/oauth2/token");
    }

    private Response mcpInitialize(String accessToken) {
        return stack.mcp(accessToken).body(ProxyStack.INITIALIZE).when().post("/mcp");
    }

    private String storedGitHubToken(Tokens tokens) throws Exception {
        String userId = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet().getSubject();
        return stack.bean(GitHubTokenStore.class).find(userId).orElseThrow().accessToken();
    }
}
