package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import io.restassured.response.Response;
import java.net.URI;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * What the enterprise IdP refuses at its token endpoint, each with the exact OAuth error (RFC 6749 §5.2, RFC 8693
 * §2.2.2) and no ID-JAG in the answer: requests an attacker or a misconfigured client sends, and users, clients,
 * servers and scopes the enterprise's policy does not allow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class IdpRefusalsTest {

    private EnterpriseSetup setup;
    private String alicesIdToken;
    private String bobsIdToken;

    @BeforeAll
    void start() throws Exception {
        setup = EnterpriseSetup.shared();
        alicesIdToken = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, setup.atTheIdp(), step -> { }).get();
        bobsIdToken = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.BOB, setup.atTheIdp(), step -> { }).get();
    }

    private static void assertRefused(Response response, int status, String error, String description) {
        response.then().statusCode(status)
                .header("Cache-Control", containsString("no-store"))
                .body("error", equalTo(error))
                .body("error_description", equalTo(description))
                .body("$", not(org.hamcrest.Matchers.hasKey("access_token")));
    }

    @Test
    void aUserThePolicyExcludesFromTheServerGetsInvalidTarget(CapturedOutput output) {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, bobsIdToken, setup.notesUrl(), "mcp:tools")), 400,
                "invalid_target", "The enterprise's policy does not give bob access to notes");
        assertThat(output.getOut()).contains("\"event\":\"id_jag_refused\"", "\"outcome\":\"invalid_target\"",
                "\"user\":\"bob\"", "\"reason\":\"The enterprise's policy does not give bob access to notes\"");
        assertThat(output.getAll()).doesNotContain(bobsIdToken);
    }

    @Test
    void aServerOutsideTheCatalogueGetsInvalidTarget() {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, URI.create("https://mcp.evil.example/mcp"),
                "mcp:tools")), 400, "invalid_target", "No MCP server https://mcp.evil.example/mcp with authorization server "
                + setup.realm.issuer() + " in the enterprise's catalogue");
    }

    @Test
    void theServersUrlWrittenAnotherWayIsNotInTheCatalogue() {
        URI upperCaseHost = URI.create(setup.notesUrl().toString().replace("localhost", "LOCALHOST"));
        URI trailingSlash = URI.create(setup.notesUrl() + "/");
        for (URI resource : new URI[] {upperCaseHost, trailingSlash}) {
            assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, resource, "mcp:tools")), 400,
                    "invalid_target", "No MCP server " + resource + " with authorization server " + setup.realm.issuer()
                    + " in the enterprise's catalogue");
        }
    }

    @Test
    void theRightServerAtAnotherAuthorizationServerGetsInvalidTarget() {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, setup.notesUrl(), "mcp:tools")
                .formParam("audience", "https://as.evil.example")), 400, "invalid_request", "audience must appear exactly once");
        assertRefused(IdpRequests.post(IdpRequests.asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET)
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE).formParam("requested_token_type", IdpRequests.ID_JAG)
                .formParam("subject_token", alicesIdToken).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("audience", "https://as.evil.example").formParam("resource", setup.notesUrl().toString())),
                400, "invalid_target", "No MCP server " + setup.notesUrl()
                + " with authorization server https://as.evil.example in the enterprise's catalogue");
    }

    @Test
    void aScopeThePolicyDoesNotAllowGetsInvalidScope() {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, setup.notesUrl(), "mcp:tools admin")), 400,
                "invalid_scope", "The enterprise's policy does not allow scope admin for notes");
    }

    @Test
    void aClientNotApprovedForTheServerGetsInvalidTarget() {
        ClientCredentials cli = ClientCredentials.clientSecretBasic(setup.idpIssuer.toString(), EnterpriseSetup.CLI_CLIENT,
                EnterpriseSetup.CLI_CLIENT_SECRET);
        String clisIdToken = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, cli, step -> { }).get();
        assertRefused(IdpRequests.post(exchangeAsCli(clisIdToken)), 400, "invalid_target",
                "The client mcp-cli is not approved for notes");
    }

    @Test
    void anIdTokenIssuedToAnotherClientGetsInvalidGrant() {
        assertRefused(IdpRequests.post(exchangeAsCli(alicesIdToken)), 400, "invalid_grant",
                "The ID token was issued to another client");
    }

    private io.restassured.specification.RequestSpecification exchangeAsCli(String idToken) {
        return IdpRequests.asClient(setup, EnterpriseSetup.CLI_CLIENT, EnterpriseSetup.CLI_CLIENT_SECRET)
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE).formParam("requested_token_type", IdpRequests.ID_JAG)
                .formParam("subject_token", idToken).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("audience", setup.realm.issuer().toString()).formParam("resource", setup.notesUrl().toString());
    }

    @Test
    void aForgedIdTokenWithTheRightClaimsGetsInvalidGrant() throws Exception {
        RSAKey attacker = new RSAKeyGenerator(2048).keyID(setup.idpKey.getKeyID()).generate();
        Instant now = Instant.now();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attacker.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(setup.idpIssuer.toString()).subject("alice").audience(EnterpriseSetup.IDP_CLIENT)
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
        forged.sign(new RSASSASigner(attacker));
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, forged.serialize(), setup.notesUrl(), "mcp:tools")), 400,
                "invalid_grant", "The subject_token is not an ID token of a current sign-in at this IdP");
    }

    @Test
    void anotherRequestedTokenTypeGetsInvalidRequest() {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, setup.notesUrl(), "mcp:tools")
                .formParam("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")), 400, "invalid_request",
                "requested_token_type must appear exactly once");
        assertRefused(IdpRequests.post(IdpRequests.asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET)
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE)
                .formParam("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")
                .formParam("subject_token", alicesIdToken).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("audience", setup.realm.issuer().toString()).formParam("resource", setup.notesUrl().toString())),
                400, "invalid_request", "This IdP exchanges tokens for ID-JAGs only: requested_token_type must be "
                + IdpRequests.ID_JAG);
    }

    @Test
    void aWrongClientSecretGetsInvalidClientAndAnAuditLine(CapturedOutput output) {
        IdpRequests.post(IdpRequests.asClient(setup, EnterpriseSetup.IDP_CLIENT, "not-the-secret")
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE).formParam("requested_token_type", IdpRequests.ID_JAG)
                .formParam("subject_token", alicesIdToken).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("audience", setup.realm.issuer().toString()).formParam("resource", setup.notesUrl().toString()))
                .then().statusCode(401).body("error", equalTo("invalid_client")).body("$", not(org.hamcrest.Matchers.hasKey("access_token")));
        assertThat(output.getOut()).contains("\"event\":\"client_authentication_failed\"", "\"outcome\":\"invalid_client\"",
                "\"client\":\"mcp-desktop\"").doesNotContain("not-the-secret");
    }

    /** A client_id alone authenticates a public client for the authorization code grant only: Spring answers 401, no body. */
    @Test
    void noClientAuthenticationAtAllIsUnauthorized() {
        given().baseUri(setup.idpIssuer.toString()).contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .formParam("client_id", EnterpriseSetup.IDP_CLIENT)
                .formParam("grant_type", IdpRequests.TOKEN_EXCHANGE).formParam("requested_token_type", IdpRequests.ID_JAG)
                .formParam("subject_token", alicesIdToken).formParam("subject_token_type", IdpRequests.ID_TOKEN)
                .formParam("audience", setup.realm.issuer().toString()).formParam("resource", setup.notesUrl().toString())
                .when().post("/oauth2/token")
                .then().statusCode(401).body(equalTo(""));
    }

    @Test
    void parametersInTheQueryStringGetInvalidRequestAndAnAuditLine(CapturedOutput output) {
        assertRefused(IdpRequests.exchange(setup, alicesIdToken, setup.notesUrl(), "mcp:tools")
                .queryParam("resource", "https://mcp.evil.example/mcp").when().post("/oauth2/token"), 400, "invalid_request",
                "Token request parameters belong in the form body, not the query string");
        assertThat(output.getOut()).contains("\"event\":\"id_jag_refused\"", "\"outcome\":\"invalid_request\"",
                "\"reason\":\"Token request parameters belong in the form body, not the query string\"");
    }

    @Test
    void aHugeResourceIsRefusedBeforeAnythingEchoesIt(CapturedOutput output) {
        String huge = "https://mcp.company.example/" + "a".repeat(10_000);
        Response response = IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, URI.create(huge), "mcp:tools"));
        assertRefused(response, 400, "invalid_request", "resource is longer than 2048 characters");
        assertThat(response.asString()).hasSizeLessThan(1024);
        assertThat(output.getOut()).doesNotContain("a".repeat(3000));
    }

    @Test
    void aScopeWithCharactersOutsideRfc6749GetsInvalidScope() {
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, alicesIdToken, setup.notesUrl(), "mcp:tools\tadmin")), 400,
                "invalid_scope", "scope is malformed (RFC 6749 section 3.3)");
    }

    @Test
    void theIdpsOwnAccessTokenAsSubjectTokenGetsInvalidGrant() {
        // Whatever the client holds besides the ID token (here: a made-up opaque value) is not an ID token of a sign-in.
        assertRefused(IdpRequests.post(IdpRequests.exchange(setup, "opaque-or-access-token", setup.notesUrl(), "mcp:tools")),
                400, "invalid_grant", "The subject_token is not an ID token of a current sign-in at this IdP");
    }
}
