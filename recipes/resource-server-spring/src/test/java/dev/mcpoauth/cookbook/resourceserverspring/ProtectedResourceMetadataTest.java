package dev.mcpoauth.cookbook.resourceserverspring;

import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.MCP_URL;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.REALM;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** RFC 9728 protected-resource metadata, field by field, at both well-known locations. */
class ProtectedResourceMetadataTest extends RunningServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final URI BASE = MCP_URL.resolve("/");

    @Test
    void pathSuffixedDocumentDescribesTheMcpEndpoint() throws Exception {
        HttpResponse<String> response = get(BASE.resolve("/.well-known/oauth-protected-resource/mcp"), Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(JsonMapper.shared().readValue(response.body(), Map.class)).isEqualTo(Map.of(
                "resource", MCP_URL.toString(),                               // RFC 9728 section 2: equals the URL clients use
                "authorization_servers", List.of(REALM.issuer().toString()),  // section 2, MCP: at least one
                "scopes_supported", List.of("mcp:tools", "notes:write"),
                "bearer_methods_supported", List.of("header"),                // no query or body tokens
                "resource_name", "MCP OAuth Cookbook: Spring resource server",
                "tls_client_certificate_bound_access_tokens", false));
    }

    @Test
    void rootDocumentNamesTheSameResourceForClientsThatFallBackToIt() throws Exception {
        HttpResponse<String> response = get(BASE.resolve("/.well-known/oauth-protected-resource"), Map.of());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JsonMapper.shared().readValue(response.body(), Map.class))
                .containsEntry("resource", MCP_URL.toString())
                .containsEntry("authorization_servers", List.of(REALM.issuer().toString()));
    }

    @Test
    void metadataIsReadableFromBrowserClients() throws Exception {
        HttpResponse<String> response = get(BASE.resolve("/.well-known/oauth-protected-resource/mcp"),
                Map.of("Origin", "http://localhost:6274"));

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains("http://localhost:6274");
    }

    @Test
    void hostHeaderCannotRedirectClientsToAnotherResource() throws Exception {
        // X-Forwarded-Host is what a spoofing client or a misconfigured proxy sends; the document stays pinned.
        HttpResponse<String> response = get(BASE.resolve("/.well-known/oauth-protected-resource/mcp"),
                Map.of("X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"));

        assertThat(JsonMapper.shared().readValue(response.body(), Map.class))
                .containsEntry("resource", MCP_URL.toString());
    }

    private static HttpResponse<String> get(URI uri, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
