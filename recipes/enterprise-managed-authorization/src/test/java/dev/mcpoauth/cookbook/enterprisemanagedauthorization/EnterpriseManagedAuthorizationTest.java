package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpConnection;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpOAuthClient;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpOAuthListener;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.enterprise.EnterpriseAuthorization;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin.EnterpriseSignIn;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The whole flow, nothing stubbed: the user signs in once at the enterprise IdP (Spring Authorization Server, its real
 * sign-in form, played by the test kit's headless agent); the MCP client goes from the bare MCP server URL to tool calls
 * with tokens from Keycloak, asking the IdP for an ID-JAG each time it needs one, with no browser and no consent screen
 * at the MCP side; and the enterprise's policy refuses a user it excludes before anything reaches the MCP server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class EnterpriseManagedAuthorizationTest {

    private EnterpriseSetup setup;

    @BeforeAll
    void start() throws Exception {
        setup = EnterpriseSetup.shared();
    }

    private McpOAuthClient client(EnterpriseSignIn signIn, List<String> steps) {
        EnterpriseAuthorization enterprise = EnterpriseAuthorization.of(setup.idpIssuer.toString(), EnterpriseSetup.IDP_CLIENT,
                signIn, setup.atTheAuthorizationServer()).withIdpCredentials(setup.atTheIdp());
        return McpOAuthClient.builder(setup.notesUrl().toString())
                .enterpriseAuthorization(enterprise)
                .tokenStore(new InMemoryTokenStore())
                .listener(new McpOAuthListener() {
                    @Override
                    public void onStep(String description) {
                        steps.add(description);
                    }
                })
                .userAgent(url -> {
                    throw new AssertionError("Enterprise-Managed Authorization opened a browser at the MCP side");
                })
                .build();
    }

    @Test
    void oneSignInAtTheIdpThenToolCallsWithNoBrowserAndNoConsentAtTheMcpSide(CapturedOutput output) {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        List<String> steps = new CopyOnWriteArrayList<>();
        EnterpriseSignIn signIn = setup.signIn(browser, EnterpriseSetup.ALICE, setup.atTheIdp(), steps::add);
        assertThat(browser.lastLoginPost()).as("the IdP's sign-in form was filled in once").isPresent();

        try (McpConnection mcp = client(signIn, steps).connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).isEqualTo("You are alice, scopes mcp:tools");
            // Step-up: a second ID-JAG, for notes:write, again without a browser.
            assertThat(mcp.callTool("add_note", Map.of("text", "from the enterprise")).isError()).isFalse();
        }

        assertThat(browser.consentsGiven()).as("no consent screen, at the IdP or the MCP side").isZero();
        assertThat(steps).anyMatch(step -> step.contains("RFC 8693 token exchange at the enterprise IdP"))
                .anyMatch(step -> step.contains("RFC 7523 JWT bearer grant"));
        assertThat(output.getOut()).contains("\"event\":\"id_jag_issued\"", "\"user\":\"alice\"",
                "\"client\":\"mcp-desktop\"", "\"server\":\"notes\"", "\"scope\":\"mcp:tools notes:write\"");
        assertThat(output.getAll()).as("no ID token or ID-JAG in the logs").doesNotContain(signIn.get());
    }

    @Test
    void theIdJagNamesTheUserTheClientAtTheAuthorizationServerAndTheMcpServer() throws Exception {
        EnterpriseSignIn signIn = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, setup.atTheIdp(), step -> { });
        String idJag = IdpRequests.idJag(setup, signIn.get(), setup.notesUrl(), "mcp:tools");

        SignedJWT jwt = SignedJWT.parse(idJag);
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("oauth-id-jag+jwt");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(setup.idpKey.getKeyID());
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(setup.idpIssuer.toString());
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(setup.realm.issuer().toString());
        assertThat(jwt.getJWTClaimsSet().getStringClaim("client_id")).isEqualTo(EnterpriseSetup.AS_CLIENT);
        assertThat(jwt.getJWTClaimsSet().getStringClaim("resource")).isEqualTo(setup.notesUrl().toString());
        assertThat(jwt.getJWTClaimsSet().getStringClaim("scope")).isEqualTo("mcp:tools");
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isNotBlank();
        long lifetime = jwt.getJWTClaimsSet().getExpirationTime().getTime() - jwt.getJWTClaimsSet().getIssueTime().getTime();
        assertThat(lifetime).isEqualTo(240_000L);
    }

    /** The wire of the MCP TypeScript SDK's requestJwtAuthorizationGrant: client_id and client_secret in the form body. */
    @Test
    void theIdpTakesTheClientSecretInTheFormBodyAsTheTypeScriptSdkSendsIt() throws Exception {
        EnterpriseSignIn signIn = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, setup.atTheIdp(), step -> { });
        String idJag = io.restassured.RestAssured.given().baseUri(setup.idpIssuer.toString())
                .contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE).formParam("requested_token_type", IdpRequests.ID_JAG)
                .formParam("audience", setup.realm.issuer().toString()).formParam("resource", setup.notesUrl().toString())
                .formParam("subject_token", signIn.get()).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("client_id", EnterpriseSetup.IDP_CLIENT).formParam("client_secret", EnterpriseSetup.IDP_CLIENT_SECRET)
                .when().post("/oauth2/token")
                .then().statusCode(200).extract().path("access_token");

        assertThat(SignedJWT.parse(idJag).getJWTClaimsSet().getSubject()).isEqualTo("alice");
    }

    @Test
    void aUserTheEnterprisePolicyExcludesIsRefusedAtTheIdpAndReachesNothing(CapturedOutput output) {
        EnterpriseSignIn bob = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.BOB, setup.atTheIdp(), step -> { });
        List<String> steps = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> client(bob, steps).connect())
                .isInstanceOf(McpAuthorizationException.class)
                .hasMessageContaining("invalid_target")
                .hasMessageContaining("The enterprise's policy does not give bob access to notes");

        assertThat(steps).as("no ID-JAG, so nothing presented to Keycloak and no token for the MCP server")
                .noneMatch(step -> step.contains("RFC 7523 JWT bearer grant"));
        assertThat(output.getOut()).contains("\"event\":\"id_jag_refused\"", "\"outcome\":\"invalid_target\"",
                "\"user\":\"bob\"");
    }

    @Test
    void theSameUserInAGroupTheOtherServerAllowsGetsAnIdJagForThatServer() throws Exception {
        EnterpriseSignIn bob = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.BOB, setup.atTheIdp(), step -> { });

        String idJag = IdpRequests.idJag(setup, bob.get(), setup.ticketsUrl, "mcp:tools");

        assertThat(SignedJWT.parse(idJag).getJWTClaimsSet().getStringClaim("resource")).isEqualTo(setup.ticketsUrl.toString());
    }
}
