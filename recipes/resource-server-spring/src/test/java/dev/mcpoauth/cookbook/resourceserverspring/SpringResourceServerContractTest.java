package dev.mcpoauth.cookbook.resourceserverspring;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerUnderTest;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * This recipe passes the cookbook's resource-server contract (shared-testkit): the same end-to-end
 * and attack tests every flavour passes. Spring starts the server on the port the realm was
 * imported for, with its JWKS fetched through the contract's counting proxy.
 */
// Security logging at DEBUG: the log must stay free of tokens even then.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "logging.level.org.springframework.security=DEBUG")
class SpringResourceServerContractTest extends ResourceServerContract {

    static final ContractEnvironment ENVIRONMENT = ContractEnvironment.shared(Path.of("keycloak/realm.json"));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("server.port", ENVIRONMENT::port);
        registry.add("mcp.resource", () -> ENVIRONMENT.mcpUrl().toString());
        registry.add("mcp.authorization-server", () -> ENVIRONMENT.realm().issuer().toString());
        registry.add("mcp.jwks-uri", () -> ENVIRONMENT.jwksUri().toString());
    }

    @Override
    protected ResourceServerUnderTest serverUnderTest() {
        return ResourceServerUnderTest.of(ENVIRONMENT, "MCP OAuth Cookbook: Spring resource server").speakingMcp2026();
    }

    // ---- what is Spring's own: its error page, its firewall, its forced UTF-8 decoding ----------------

    private static final String WHOAMI_CALL =
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"whoami\",\"arguments\":{}}}";

    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * Spring Boot decodes every request body as UTF-8 ({@code server.servlet.encoding.force}), so a
     * body declared as EBCDIC whose bytes are plain ASCII would read as the same call either way. It
     * is still refused: the filter decides on what the request declares, not on Spring's setting.
     */
    @Test
    void refusesADeclaredNonUtf8CharsetEvenWhereSpringWouldDecodeTheBytesAsUtf8() throws Exception {
        HttpResponse<String> response = mcpPost(validToken(), "application/json; charset=IBM037", WHOAMI_CALL, "");

        assertThat(response.statusCode()).isEqualTo(415);
        assertJsonRpcError(response, -32700);
    }

    /**
     * Spring Security's firewall answers a URL it rejects (here a path parameter) with
     * {@code sendError(400)}, which Spring Boot would answer with its {@code /error} JSON.
     */
    @Test
    void aUrlSpringSecuritysFirewallRejectsGetsAJsonRpcErrorNotSpringBootsErrorPage() throws Exception {
        HttpResponse<String> response = mcpPost(validToken(), "application/json", WHOAMI_CALL, ";jsessionid=x");

        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32600);
    }

    private String token;

    /** A real token from Keycloak's login page (a forged one would need another key in the realm). */
    private String validToken() {
        if (token == null) {
            token = AuthorizationCodeFlow.with(ENVIRONMENT.realm(), CLIENT_ID).scope(BASE_SCOPE)
                    .resource(ENVIRONMENT.mcpUrl()).run(new HeadlessUserAgent(), ALICE).accessToken();
        }
        return token;
    }

    private HttpResponse<String> mcpPost(String token, String contentType, String body, String pathSuffix) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(ENVIRONMENT.mcpEndpoint() + pathSuffix))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", contentType)
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JSON-RPC error object and nothing else: no Spring Boot error fields, nothing of an exception. */
    private static void assertJsonRpcError(HttpResponse<String> response, int code) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JsonMapper.shared().readTree(response.body());
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("jsonrpc", "id", "error");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(code);
        assertThat(response.body()).doesNotContain("timestamp", "stackTrace", "cause", "localizedMessage", "Exception");
    }
}
