package dev.mcpoauth.cookbook.githubproxy;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Discovery: the authorization server's RFC 8414 metadata and the MCP endpoint's RFC 9728 metadata. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetadataTest {

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
    void authorizationServerMetadataAdvertisesExactlyWhatMcpClientsNeed() {
        stack.given()
        .when()
            .get("/.well-known/oauth-authorization-server")
        .then()
            .statusCode(200)
            .body("issuer", equalTo(stack.baseUrl.toString()))
            .body("registration_endpoint", equalTo(stack.baseUrl + "/oauth2/register"))
            .body("code_challenge_methods_supported", contains("S256"))
            .body("token_endpoint_auth_methods_supported", contains("none"))
            .body("grant_types_supported", contains("authorization_code", "refresh_token"))
            .body("scopes_supported", contains("mcp:tools", "repos:read"))
            .body("client_id_metadata_document_supported", equalTo(true))
            .body("authorization_response_iss_parameter_supported", equalTo(true)); // RFC 9207
    }

    @Test
    void authorizationServerMetadataIsReadableFromMcpInspectorsOrigin() {
        stack.given().header("Origin", "http://localhost:6274")
        .when()
            .get("/.well-known/oauth-authorization-server")
        .then()
            .statusCode(200)
            .header("Access-Control-Allow-Origin", "http://localhost:6274");
    }

    @Test
    void protectedResourceMetadataNamesTheProxyAsTheMcpServersAuthorizationServer() {
        stack.given()
        .when()
            .get(stack.resourceMetadataUrl())
        .then()
            .statusCode(200)
            .body("resource", equalTo(stack.mcpUrl().toString()))
            .body("authorization_servers", contains(stack.baseUrl.toString()));
    }

    @Test
    void protectedResourceMetadataAnswersAnyOriginsPreflightWithoutCredentials() {
        stack.preflight("https://some-web-client.example")
        .when()
            .options("/.well-known/oauth-protected-resource/mcp")
        .then()
            .statusCode(200)
            .header("Access-Control-Allow-Origin", "https://some-web-client.example")
            .header("Access-Control-Allow-Credentials", nullValue());
    }
}
