package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.keycloakdcr.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.AgentKey;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenEndpointException;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenSet;
import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Agents with no user (MCP extension "OAuth Client Credentials") against real Keycloak and the demo MCP
 * server, which has no idea agents exist: from the bare URL to a tool call with {@code private_key_jwt}
 * and with {@code client_secret_basic}, the token kept until shortly before it expires, replaced on 401,
 * stepped up to a scope agents may have, the user-only tool refused, and the credentials an attacker could bring refused by Keycloak.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@EnumSource(Wire.class)
class ClientCredentialsTest {

    /** An agent never opens a browser: the test fails if it tries. */
    private static final AuthorizationUserAgent NO_BROWSER = authorizationUrl -> {
        throw new AssertionError("An agent opened a browser");
    };

    @Parameter
    Wire wire;

    private DemoSetup demo;

    @BeforeAll
    void start() throws Exception {
        demo = DemoSetup.shared();
    }

    private McpOAuthClient.Builder agent(ClientCredentials credentials, List<String> steps) {
        return wire.client(demo.mcpUrl()).clientCredentials(credentials).userAgent(NO_BROWSER).listener(new McpOAuthListener() {
            @Override
            public void onStep(String description) {
                steps.add(description);
            }
        });
    }

    private String issuer() {
        return demo.realm.issuer().toString();
    }

    private static long grants(List<String> steps) {
        return steps.stream().filter(step -> step.contains("client credentials grant")).count();
    }

    @Test
    void anAgentWithPrivateKeyJwtCallsAToolAsAClientWithNoUser() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        McpOAuthClient oauth = agent(demo.agentKey.credentials(issuer(), DemoSetup.AGENT_JWT), steps).build();
        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text())
                    .isEqualTo("You are service-account-mcp-agent-jwt, scopes mcp:tools, an agent: client mcp-agent-jwt");
        }
        TokenSet tokens = oauth.tokens().orElseThrow();
        JWTClaimsSet claims = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        assertThat(claims.getAudience()).containsExactly(demo.mcpUrl());
        assertThat(claims.getStringClaim("azp")).isEqualTo(DemoSetup.AGENT_JWT);
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(tokens.refreshToken()).as("an agent keeps no refresh token: the grant is how it gets the next token").isNull();
        assertThat(grants(steps)).isEqualTo(1);
        assertThat(steps).anyMatch(step -> step.contains("(private_key_jwt)"));
    }

    @Test
    void anAgentWithClientSecretBasicCallsAToolAsAClient() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        McpOAuthClient oauth = agent(ClientCredentials.clientSecretBasic(issuer(), DemoSetup.AGENT_SECRET, demo.agentSecret), steps)
                .build();
        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).endsWith("an agent: client mcp-agent-secret");
        }
        assertThat(steps).anyMatch(step -> step.contains("(client_secret_basic)"));
        assertThat(oauth.tokens().orElseThrow().toString()).doesNotContain(demo.agentSecret);
    }

    @Test
    void theAgentKeepsItsTokenUntilShortlyBeforeItExpires() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        HandMovedClock clock = new HandMovedClock();
        McpOAuthClient oauth = agent(demo.agentKey.credentials(issuer(), DemoSetup.AGENT_JWT), steps).clock(clock).build();
        try (McpConnection mcp = oauth.connect()) {
            mcp.callTool("whoami", Map.of());
            mcp.callTool("whoami", Map.of());
            String first = oauth.tokens().orElseThrow().accessToken();
            clock.advance(Duration.ofMinutes(3)); // 2 minutes left of 5: more than the 60 s margin
            mcp.callTool("whoami", Map.of());
            assertThat(oauth.tokens().orElseThrow().accessToken()).isEqualTo(first);
            assertThat(grants(steps)).isEqualTo(1);

            clock.advance(Duration.ofSeconds(75)); // 45 s left: within the margin
            mcp.callTool("whoami", Map.of());
            assertThat(oauth.tokens().orElseThrow().accessToken()).isNotEqualTo(first);
            assertThat(grants(steps)).isEqualTo(2);
        }
    }

    @Test
    void aTokenTheServerRefusesIsReplacedByANewGrant() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        InMemoryTokenStore store = new InMemoryTokenStore();
        // A token from an earlier run that the server no longer accepts (here: not a token at all), not yet expired.
        store.saveTokens(demo.mcpUrl(), new TokenSet(demo.mcpUrl(), demo.realm.issuer().toString(), "stale-token", null,
                Instant.now().plus(Duration.ofMinutes(4)), "mcp:tools"));
        McpOAuthClient oauth = agent(demo.agentKey.credentials(issuer(), DemoSetup.AGENT_JWT), steps).tokenStore(store).build();
        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).endsWith("an agent: client mcp-agent-jwt");
        }
        assertThat(steps).anyMatch(step -> step.startsWith("MCP server answered 401"));
        assertThat(grants(steps)).isEqualTo(1);
        assertThat(oauth.tokens().orElseThrow().accessToken()).isNotEqualTo("stale-token");
    }

    @Test
    void aToolThatNeedsAnotherScopeGetsTheAgentATokenWithIt() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        McpOAuthClient oauth = agent(ClientCredentials.clientSecretBasic(issuer(), DemoSetup.AGENT_SECRET, demo.agentSecret), steps)
                .build();
        try (McpConnection mcp = oauth.connect()) {
            mcp.callTool("whoami", Map.of());
            assertThat(oauth.tokens().orElseThrow().scopes()).containsExactly("mcp:tools");
            assertThat(mcp.callTool("list_notes", Map.of()).text()).isEqualTo("No notes yet.");
        }
        assertThat(steps).anyMatch(step -> step.contains("403 insufficient_scope, needs \"mcp:tools notes:read\""));
        assertThat(oauth.tokens().orElseThrow().scopes()).containsExactlyInAnyOrder("mcp:tools", "notes:read");
        assertThat(grants(steps)).isEqualTo(2);
    }

    @Test
    void aToolForUsersOnlyRefusesTheAgentAndNothingRuns() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        McpOAuthClient oauth = agent(demo.agentKey.credentials(issuer(), DemoSetup.AGENT_JWT), steps).build();
        try (McpConnection mcp = oauth.connect()) {
            mcp.callTool("whoami", Map.of());
            int accepted = demo.server.acceptedTokens().size();
            assertThatThrownBy(() -> mcp.callTool("add_note", Map.of("text", "from an agent")))
                    .hasStackTraceContaining("refused the client mcp-agent-jwt the scope \"mcp:tools notes:write\"")
                    .hasStackTraceContaining("invalid_scope");
            assertThat(demo.server.acceptedTokens()).as("no request got past the server's check").hasSize(accepted);
        }
        assertThat(steps).anyMatch(step -> step.contains("403 insufficient_scope, needs \"mcp:tools notes:write\""));
        assertThat(grants(steps)).as("the first token, and one asking for notes:write").isEqualTo(2);
    }

    @Test
    void aWrongSecretIsRefusedByKeycloak() {
        McpOAuthClient oauth = agent(ClientCredentials.clientSecretBasic(issuer(), DemoSetup.AGENT_SECRET, "not-the-secret"),
                new CopyOnWriteArrayList<>()).build();
        assertThatThrownBy(oauth::connect).hasStackTraceContaining("unauthorized_client")
                .hasStackTraceContaining("Token request refused");
        assertThat(oauth.tokens()).isEmpty();
    }

    @Test
    void anAssertionSignedWithAKeyTheAgentNeverPublishedIsRefused() {
        AgentKey stolenName = AgentKey.generate(); // an attacker's own key, claiming to be mcp-agent-jwt
        McpOAuthClient oauth = agent(stolenName.credentials(issuer(), DemoSetup.AGENT_JWT), new CopyOnWriteArrayList<>()).build();
        assertThatThrownBy(oauth::connect).hasStackTraceContaining("invalid_client");
        assertThat(oauth.tokens()).isEmpty();
    }
}
