package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static io.restassured.RestAssured.given;

import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;

/** Token exchange requests at the IdP as a client (or an attacker) sends them on the wire. */
final class IdpRequests {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String ID_JAG = "urn:ietf:params:oauth:token-type:id-jag";

    private IdpRequests() {
    }

    /** The ID-JAG exchange as mcp-desktop: subject_token, audience Keycloak's realm, resource, scope. */
    static RequestSpecification exchange(EnterpriseSetup setup, String idToken, URI resource, String scope) {
        return asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET)
                .formParam("grant_type", TOKEN_EXCHANGE)
                .formParam("requested_token_type", ID_JAG)
                .formParam("subject_token", idToken)
                .formParam("subject_token_type", ID_TOKEN)
                .formParam("audience", setup.realm.issuer().toString())
                .formParam("resource", resource.toString())
                .formParam("scope", scope);
    }

    static RequestSpecification asClient(EnterpriseSetup setup, String clientId, String secret) {
        return given().baseUri(setup.idpIssuer.toString()).auth().preemptive().basic(clientId, secret)
                .contentType("application/x-www-form-urlencoded; charset=UTF-8");
    }

    static Response post(RequestSpecification request) {
        return request.when().post("/oauth2/token");
    }

    /** What a sign-in's token response holds (the client keeps them; here the test does). */
    record SignInTokens(String accessToken, String refreshToken, String idToken) {
    }

    /** {@code user} signs in at the IdP as mcp-desktop (authorization code, PKCE, nonce), the token response kept whole. */
    static SignInTokens signIn(EnterpriseSetup setup, HeadlessUserAgent browser, UserCredentials user) throws Exception {
        CodeVerifier verifier = new CodeVerifier();
        URI redirect = AuthorizationUserAgent.loopbackRedirect(FreePort.find());
        State state = new State();
        URI authorize = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid"),
                new ClientID(EnterpriseSetup.IDP_CLIENT), redirect)
                .endpointURI(URI.create(setup.idpIssuer + "/oauth2/authorize")).state(state).nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256).build().toURI();
        AuthorizationResponse response = AuthorizationResponse.parse(browser.authorize(authorize, redirect.toString(), user));
        if (!state.equals(response.getState())) {
            throw new AssertionError("state mismatch");
        }
        JsonPath tokens = post(asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET)
                .formParam("grant_type", "authorization_code")
                .formParam("code", response.toSuccessResponse().getAuthorizationCode().getValue())
                .formParam("redirect_uri", redirect.toString())
                .formParam("code_verifier", verifier.getValue()))
                .then().statusCode(200).extract().jsonPath();
        return new SignInTokens(tokens.getString("access_token"), tokens.getString("refresh_token"), tokens.getString("id_token"));
    }

    /** RFC 7009 revocation at the IdP, as mcp-desktop. */
    static void revoke(EnterpriseSetup setup, String token) {
        asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET).formParam("token", token)
                .when().post("/oauth2/revoke").then().statusCode(200);
    }

    /** The refresh token grant at the IdP, as mcp-desktop. */
    static Response refresh(EnterpriseSetup setup, String refreshToken) {
        return post(asClient(setup, EnterpriseSetup.IDP_CLIENT, EnterpriseSetup.IDP_CLIENT_SECRET)
                .formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken));
    }

    /** An ID-JAG the IdP issued for {@code resource}. */
    static String idJag(EnterpriseSetup setup, String idToken, URI resource, String scope) {
        return post(exchange(setup, idToken, resource, scope)).then().statusCode(200).extract().path("access_token");
    }
}
