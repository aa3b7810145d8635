package dev.mcpoauth.cookbook.keycloakdcr;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.keycloakdcr.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.keycloakdcr.http.UnsafeUrlException;
import dev.mcpoauth.cookbook.keycloakdcr.registration.RegisteredClient;
import dev.mcpoauth.cookbook.keycloakdcr.token.FileTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenEndpointException;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenSet;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client against real Keycloak and a real MCP server, end to end over loopback HTTP: from the
 * bare server URL to a tool call, registration and refresh-token reuse across runs, rotation,
 * step-up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@EnumSource(Wire.class)
class KeycloakDcrClientTest {

    @Parameter
    Wire wire;

    private DemoSetup demo;

    @BeforeAll
    void start() throws Exception {
        demo = DemoSetup.shared();
    }

    @Test
    void goesFromABareUrlToAToolCallWithAFreshlyRegisteredClient(@TempDir Path dir) throws Exception {
        FileTokenStore store = new FileTokenStore(dir.resolve("tokens.json"));
        List<String> steps = new CopyOnWriteArrayList<>();
        AtomicInteger browserOpened = new AtomicInteger();
        McpOAuthClient oauth = wire.client(demo.mcpUrl())
                .tokenStore(store)
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened))
                .listener(recordSteps(steps))
                .build();

        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.revision()).isEqualTo(wire.expected());
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(browserOpened).hasValue(1);
        assertThat(steps).anySatisfy(s -> assertThat(s).startsWith("MCP server answered 401"))
                .anySatisfy(s -> assertThat(s).startsWith("RFC 9728: fetch protected-resource metadata"))
                .anySatisfy(s -> assertThat(s).startsWith("RFC 8414: fetch authorization-server metadata "
                        + demo.realm.server().baseUrl() + "/.well-known/oauth-authorization-server/realms/"))
                .anySatisfy(s -> assertThat(s).startsWith("RFC 7591: register at"));
        RegisteredClient registered = store.loadClient(demo.realm.issuer().toString()).orElseThrow();
        assertThat(registered.how()).isEqualTo("DCR");
        assertThat(registered.clientSecret()).isNull();
        // RFC 8707: the token the server accepted names this server, and only it, as audience.
        String accessToken = store.loadTokens(demo.mcpUrl()).orElseThrow().accessToken();
        assertThat(demo.server.acceptedTokens()).contains(accessToken);
        JWTClaimsSet accepted = SignedJWT.parse(accessToken).getJWTClaimsSet();
        assertThat(accepted.getAudience()).containsExactly(demo.mcpUrl());
        assertThat(accepted.getStringClaim("azp")).isEqualTo(registered.clientId());
        assertThat(Files.getPosixFilePermissions(store.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(store.file())).contains(registered.clientId());
    }

    /** The stored registration and refresh token are enough: no browser, no new registration, a rotated refresh token. */
    @Test
    void aLaterRunResumesFromTheStoreWithoutABrowser(@TempDir Path dir) throws Exception {
        FileTokenStore store = new FileTokenStore(dir.resolve("tokens.json"));
        AtomicInteger browserOpened = new AtomicInteger();
        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened)).build().connect()) {
            mcp.callTool("whoami", Map.of());
        }
        String clientId = store.loadClient(demo.realm.issuer().toString()).orElseThrow().clientId();
        TokenSet first = store.loadTokens(demo.mcpUrl()).orElseThrow();

        // A later run, when the access token has expired: no browser, a refresh instead.
        List<String> steps = new CopyOnWriteArrayList<>();
        List<TokenSet> observed = new CopyOnWriteArrayList<>();
        McpOAuthClient laterRun = wire.client(demo.mcpUrl()).tokenStore(store)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)))
                .userAgent(urlFor -> {
                    throw new AssertionError("a stored registration and refresh token need no browser");
                })
                .listener(new McpOAuthListener() {
                    @Override
                    public void onStep(String description) {
                        steps.add(description);
                    }

                    @Override
                    public void onTokens(TokenSet tokens) {
                        observed.add(tokens);
                    }
                })
                .build();
        try (McpConnection mcp = laterRun.connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(browserOpened).hasValue(1);
        assertThat(steps).noneMatch(s -> s.startsWith("RFC 7591"));
        assertThat(steps).anyMatch(s -> s.startsWith("Refresh: refresh-token grant"));
        TokenSet refreshed = store.loadTokens(demo.mcpUrl()).orElseThrow();
        assertThat(observed).hasSize(1);
        assertThat(refreshed.refreshToken()).isNotEqualTo(first.refreshToken()); // rotated
        assertThat(SignedJWT.parse(refreshed.accessToken()).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(clientId);
    }

    @Test
    void aRotatedRefreshTokenCannotBeUsedAgain() throws Exception {
        InMemoryTokenStore store = new InMemoryTokenStore();
        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, new AtomicInteger())).build()
                .connect()) {
            mcp.callTool("whoami", Map.of());
        }
        TokenSet original = store.loadTokens(demo.mcpUrl()).orElseThrow();
        RegisteredClient client = store.loadClient(demo.realm.issuer().toString()).orElseThrow();
        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(1))).build().connect()) {
            mcp.callTool("whoami", Map.of());
        }
        assertThat(store.loadTokens(demo.mcpUrl()).orElseThrow().refreshToken()).isNotEqualTo(original.refreshToken());

        given()
            .formParam("grant_type", "refresh_token")
            .formParam("refresh_token", original.refreshToken())
            .formParam("client_id", client.clientId())
            .formParam("resource", demo.mcpUrl())
        .when()
            .post(demo.realm.tokenEndpoint())
        .then()
            .statusCode(400)
            .body("error", equalTo("invalid_grant"));
    }

    @Test
    void refreshesWhenTheServerRejectsTheAccessToken() throws Exception {
        InMemoryTokenStore store = new InMemoryTokenStore();
        AtomicInteger browserOpened = new AtomicInteger();
        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened)).build()
                .connect()) {
            mcp.callTool("whoami", Map.of());
        }
        TokenSet good = store.loadTokens(demo.mcpUrl()).orElseThrow();
        // The access token is revoked or corrupted while its expiry still looks fine to the client.
        store.saveTokens(demo.mcpUrl(), new TokenSet(good.resource(), good.issuer(), "not-a-valid-token",
                good.refreshToken(), good.expiresAt(), good.scope()));
        List<String> steps = new CopyOnWriteArrayList<>();

        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened))
                .listener(recordSteps(steps)).build().connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(browserOpened).hasValue(1);
        assertThat(steps).containsSubsequence(
                "MCP server answered 401 with WWW-Authenticate: Bearer error=\"invalid_token\", scope=\"mcp:tools\", "
                        + "resource_metadata=\"" + demo.server.url().resolve("/.well-known/oauth-protected-resource/mcp") + "\"",
                "Refresh: refresh-token grant at " + demo.realm.tokenEndpoint());
    }

    /** RFC 6749 section 5.2: {@code invalid_grant} ends the stored grant; the listener is told why the browser opens again. */
    @Test
    void aRefusedRefreshStartsANewAuthorization() throws Exception {
        InMemoryTokenStore store = new InMemoryTokenStore();
        AtomicInteger browserOpened = new AtomicInteger();
        HeadlessUserAgent browser = new HeadlessUserAgent();
        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .userAgent(DemoSetup.headless(browser, DemoSetup.ALICE, browserOpened)).build().connect()) {
            mcp.callTool("whoami", Map.of());
        }
        TokenSet good = store.loadTokens(demo.mcpUrl()).orElseThrow();
        store.saveTokens(demo.mcpUrl(), new TokenSet(good.resource(), good.issuer(), good.accessToken(),
                "a-refresh-token-keycloak-never-issued", good.expiresAt(), good.scope()));
        List<McpAuthorizationException> refreshErrors = new CopyOnWriteArrayList<>();

        try (McpConnection mcp = wire.client(demo.mcpUrl()).tokenStore(store)
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)))
                .userAgent(DemoSetup.headless(browser, DemoSetup.ALICE, browserOpened))
                .listener(new McpOAuthListener() {
                    @Override
                    public void onRefreshError(McpAuthorizationException error) {
                        refreshErrors.add(error);
                    }
                }).build().connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(refreshErrors).singleElement()
                .isInstanceOfSatisfying(TokenEndpointException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("invalid_grant"));
        assertThat(browserOpened).hasValue(2);
    }

    @Test
    void stepsUpWhenAToolNeedsAnotherScope() throws Exception {
        AtomicInteger browserOpened = new AtomicInteger();
        List<String> steps = new CopyOnWriteArrayList<>();
        McpOAuthClient oauth = wire.client(demo.mcpUrl())
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened))
                .listener(recordSteps(steps))
                .build();

        try (McpConnection mcp = oauth.connect()) {
            assertThat(oauth.tokens().orElseThrow().scopes()).contains("mcp:tools").doesNotContain("notes:write");

            McpConnection.ToolResult saved = mcp.callTool("add_note", Map.of("text", "hello"));

            assertThat(saved.text()).isEqualTo("Saved.");
        }
        assertThat(steps).anyMatch(s -> s.equals("MCP server answered 403 insufficient_scope, needs \"mcp:tools notes:write\""));
        assertThat(browserOpened).hasValue(2); // the second time Keycloak's session signs alice in without a password
        assertThat(oauth.tokens().orElseThrow().scopes()).contains("mcp:tools", "notes:write");
    }

    @Test
    void refusesAServerUrlThatIsNotHttp() {
        assertThatThrownBy(() -> McpOAuthClient.builder("javascript:alert(1)").build())
                .isInstanceOf(UnsafeUrlException.class);
    }

    private static McpOAuthListener recordSteps(List<String> steps) {
        return new McpOAuthListener() {
            @Override
            public void onStep(String description) {
                steps.add(description);
            }
        };
    }
}
