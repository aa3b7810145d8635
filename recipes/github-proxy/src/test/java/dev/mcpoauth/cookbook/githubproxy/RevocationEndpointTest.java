package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.BearerChallengeMatcher.bearerChallenge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** RFC 7009 at {@code /oauth2/revoke}, for public clients: a grant ends at once, and the GitHub token with the user's last one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevocationEndpointTest {

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void revokingTheRefreshTokenEndsItsGrant() {
        String clientId = stack.registerClient("Revoking client");
        Tokens tokens = stack.login(new HeadlessUserAgent(), clientId, stack.newGitHubUser("erin"));

        revoke(clientId, tokens.refreshToken()).then().statusCode(200);

        stack.refresh(clientId, tokens.refreshToken()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        mcpInitialize(tokens.accessToken()).then().statusCode(401); // at once, not at exp
    }

    /**
     * The grant check runs against the database on every call: a token the server has just seen live
     * (and would have cached, were "live" ever cached) is refused on the very next call.
     */
    @Test
    void aToolCallRightAfterRevocationIsRefused() {
        String clientId = stack.registerClient("Revoked while in use");
        Tokens tokens = stack.login(new HeadlessUserAgent(), clientId, stack.newGitHubUser("heidi"));
        whoami(tokens.accessToken()).then().statusCode(200);

        revoke(clientId, tokens.refreshToken()).then().statusCode(200);

        whoami(tokens.accessToken()).then()
                .statusCode(401)
                .header("WWW-Authenticate", bearerChallenge(
                        "error", "invalid_token", "resource_metadata", stack.resourceMetadataUrl()));
    }

    @Test
    void anotherClientCannotRevokeAToken() {
        String owner = stack.registerClient("Token owner");
        String other = stack.registerClient("Other client");
        Tokens tokens = stack.login(new HeadlessUserAgent(), owner, stack.newGitHubUser("frank"));

        revoke(other, tokens.refreshToken())
        .then()
            .statusCode(400);
        mcpInitialize(tokens.accessToken()).then().statusCode(200);
    }

    @Test
    void theGitHubTokenSurvivesWhileAnotherGrantOfTheUserLives() throws Exception {
        UserCredentials dave = stack.newGitHubUser("dave");
        TwoGrants grants = twoGrants(dave);

        revoke(grants.clientA, grants.a.refreshToken()).then().statusCode(200);

        assertThat(stack.github.isActive(grants.githubToken)).isTrue(); // client B still works for Dave
        mcpInitialize(grants.b.accessToken()).then().statusCode(200);
    }

    @Test
    void revokingTheUsersLastGrantRevokesTheGitHubToken() throws Exception {
        TwoGrants grants = twoGrants(stack.newGitHubUser("grace"));
        revoke(grants.clientA, grants.a.refreshToken()).then().statusCode(200);

        revoke(grants.clientB, grants.b.refreshToken()).then().statusCode(200);

        assertThat(stack.github.isActive(grants.githubToken)).isFalse();
    }

    private record TwoGrants(String clientA, Tokens a, String clientB, Tokens b, String githubToken) {
    }

    /** One user, two clients, one GitHub token shared by both grants. */
    private TwoGrants twoGrants(UserCredentials user) throws Exception {
        String clientA = stack.registerClient("Client A");
        String clientB = stack.registerClient("Client B");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        Tokens a = stack.login(browser, clientA, user);
        Tokens b = stack.login(browser, clientB, user);
        String userId = SignedJWT.parse(a.accessToken()).getJWTClaimsSet().getSubject();
        return new TwoGrants(clientA, a, clientB, b, stack.bean(GitHubTokenStore.class).find(userId).orElseThrow().accessToken());
    }

    private Response revoke(String clientId, String refreshToken) {
        return stack.given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("token", refreshToken, "token_type_hint", "refresh_token", "client_id", clientId)))
                .when().post("/oauth2/revoke");
    }

    /** A stateless MCP 2026-07-28 {@code tools/call whoami}: it reaches GitHub with the user's stored token. */
    private Response whoami(String accessToken) {
        return stack.mcp(accessToken)
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/call").header("Mcp-Name", "whoami")
                .body("""
                        {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{},
                         "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""")
                .when().post("/mcp");
    }

    private Response mcpInitialize(String accessToken) {
        return stack.mcp(accessToken).body(ProxyStack.INITIALIZE).when().post("/mcp");
    }
}
