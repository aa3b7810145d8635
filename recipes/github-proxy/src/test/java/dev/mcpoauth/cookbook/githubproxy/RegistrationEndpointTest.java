package dev.mcpoauth.cookbook.githubproxy;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.nio.file.Path;
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
import tools.jackson.databind.json.JsonMapper;

/** RFC 7591 at {@code /oauth2/register}: open to public MCP clients, and only to what they need. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationEndpointTest {

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    static Stream<Arguments> refusedRegistrations() {
        return Stream.of(
                argumentSet("an http redirect URI off loopback",
                        redirectTo("http://evil.example/cb"), 400, "invalid_redirect_uri"),
                argumentSet("a javascript: redirect URI in mixed case",
                        redirectTo("JaVaScRiPt:alert(1)"), 400, "invalid_redirect_uri"),
                argumentSet("a data: redirect URI",
                        redirectTo("data:text/html,<script>alert(1)</script>"), 400, "invalid_redirect_uri"),
                argumentSet("a javascript: redirect URI after a leading space",
                        redirectTo(" javascript:alert(1)"), 400, "invalid_redirect_uri"),
                argumentSet("a javascript: redirect URI with a NUL byte inside",
                        redirectTo("java\0script:alert(1)"), 400, "invalid_redirect_uri"),
                argumentSet("a vbscript: redirect URI",
                        redirectTo("vbscript:msgbox"), 400, "invalid_redirect_uri"),
                argumentSet("loopback as userinfo before another host",
                        redirectTo("http://127.0.0.1@evil.example/cb"), 400, "invalid_redirect_uri"),
                argumentSet("a redirect URI with a fragment",
                        redirectTo("https://app.example/cb#frag"), 400, "invalid_redirect_uri"),
                argumentSet("a client secret",
                        """
                        {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}""",
                        400, "invalid_client_metadata"),
                argumentSet("the client_credentials grant",
                        """
                        {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","grant_types":["client_credentials"]}""",
                        400, "invalid_client_metadata"),
                argumentSet("a scope the proxy does not have",
                        """
                        {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","scope":"admin"}""",
                        400, "invalid_client_metadata"),
                argumentSet("20 KB of metadata",
                        "{\"redirect_uris\":[\"https://app.example/cb\"],\"client_name\":\"" + "x".repeat(20_000) + "\"}",
                        413, "invalid_client_metadata"));
    }

    @ParameterizedTest
    @MethodSource("refusedRegistrations")
    void refusesARegistrationAPublicMcpClientNeverNeeds(String body, int status, String error) {
        stack.register(body)
        .then()
            .statusCode(status)
            .body("error", equalTo(error));
    }

    /** Spring's catch-all would echo the JSON parser's message; the proxy answers without it. */
    @Test
    void aBodyThatIsNotJsonGetsInvalidRequestWithoutTheParsersMessage() {
        stack.register("{\"redirect_uris\": [\"https://app.example/cb\"")
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_request"))
            .body("error_description", equalTo("The registration request could not be processed"));
    }

    @Test
    void theRegistrationResponseNamesOnlyTheNewPublicClient() {
        stack.register("""
                {"client_name":"Echo check","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""")
        .then()
            .statusCode(201)
            .body("client_id", not(emptyOrNullString()))
            .body("client_secret", nullValue())
            .body("token_endpoint_auth_method", equalTo("none"))
            .body(not(containsString(ProxyStack.GITHUB_CLIENT_ID)))
            .body(not(containsString(ProxyStack.GITHUB_CLIENT_SECRET)));
    }

    static Stream<Arguments> applicationTypes() {
        return Stream.of(
                argumentSet("a native client on loopback", "native", "http://127.0.0.1/callback"),
                argumentSet("a web client on https", "web", "https://app.example/cb"));
    }

    /**
     * MCP 2026-07-28 requires clients to send {@code application_type} (OpenID Connect Registration)
     * when they register: a 2026-07-28 client is registered, and the proxy, no OpenID provider, keeps
     * nothing of it, so the response does not claim it was registered (RFC 7591 section 3.2.1).
     */
    @ParameterizedTest
    @MethodSource("applicationTypes")
    void registersAClientThatNamesItsApplicationType(String applicationType, String redirectUri) {
        stack.register("{\"redirect_uris\":[\"" + redirectUri + "\"],\"token_endpoint_auth_method\":\"none\","
                + "\"application_type\":\"" + applicationType + "\"}")
        .then()
            .statusCode(201)
            .body("client_id", not(emptyOrNullString()))
            .body("redirect_uris", contains(redirectUri))
            .body("application_type", nullValue());
    }

    static Stream<Arguments> applicationTypesThatAskForMore() {
        return Stream.of(
                argumentSet("web with an http redirect URI off loopback", "web", "http://evil.example/cb"),
                argumentSet("native with an http redirect URI off loopback", "native", "http://evil.example/cb"),
                argumentSet("native with another app's custom scheme", "native", "com.attacker.app:/callback"));
    }

    /** {@code application_type} widens nothing: the redirect rule is the same whatever the client says it is. */
    @ParameterizedTest
    @MethodSource("applicationTypesThatAskForMore")
    void refusesARedirectUriOutsideThePolicyWhateverTheApplicationType(String applicationType, String redirectUri) {
        stack.register("{\"redirect_uris\":[\"" + redirectUri + "\"],\"token_endpoint_auth_method\":\"none\","
                + "\"application_type\":\"" + applicationType + "\"}")
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_redirect_uri"))
            .body("client_id", nullValue());
    }

    /** Browser-based clients register from their own origin; nothing at this endpoint rides on cookies. */
    @Test
    void answersAnyOriginsPreflightWithoutCredentials() {
        stack.preflight("https://some-web-client.example")
        .when()
            .options("/oauth2/register")
        .then()
            .statusCode(200)
            .header("Access-Control-Allow-Origin", "https://some-web-client.example")
            .header("Access-Control-Allow-Credentials", nullValue());
    }

    private static String redirectTo(String uri) {
        return "{\"redirect_uris\":[" + JsonMapper.shared().writeValueAsString(uri)
                + "],\"token_endpoint_auth_method\":\"none\"}";
    }
}
