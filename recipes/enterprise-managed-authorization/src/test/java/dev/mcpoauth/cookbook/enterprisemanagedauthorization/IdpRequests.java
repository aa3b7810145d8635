package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static io.restassured.RestAssured.given;

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

    /** An ID-JAG the IdP issued for {@code resource}. */
    static String idJag(EnterpriseSetup setup, String idToken, URI resource, String scope) {
        return post(exchange(setup, idToken, resource, scope)).then().statusCode(200).extract().path("access_token");
    }
}
