package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.keycloakdcr.McpConnection.Revision;
import dev.mcpoauth.cookbook.keycloakdcr.demo.DemoMcpServer;
import dev.mcpoauth.cookbook.keycloakdcr.demo.DemoMcpServer.Revisions;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import io.modelcontextprotocol.modern.McpException;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Which MCP revision the client speaks (MCP 2026-07-28, Streamable HTTP, "Backward Compatibility"):
 * 2026-07-28 first; 2025-11-25 for a server that answers the 2026-07-28 request with a 4xx that is not
 * a 2026-07-28 error; never a fallback on an authorization challenge or a 2026-07-28 error. Against
 * real Keycloak and the demo server speaking both revisions, one, or only a later one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolRevisionTest {

    private DemoSetup demo;
    private final List<String> steps = new CopyOnWriteArrayList<>();
    private final AtomicInteger browserOpened = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        demo = DemoSetup.shared();
    }

    @BeforeEach
    void forgetSteps() {
        steps.clear();
        browserOpened.set(0);
    }

    @AfterEach
    void speakBothAgain() {
        demo.server.speak(Revisions.BOTH);
    }

    @Test
    void speaks2026WithAServerThatSpeaksBoth() {
        int before = demo.server.receivedMethods().size();

        try (McpConnection mcp = client().connect()) {
            assertThat(mcp.revision()).isEqualTo(Revision.MCP_2026_07_28);
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(methodsSince(before)).startsWith("server/discover").doesNotContain("initialize");
        assertThat(steps).containsSubsequence("MCP server answered 401 with WWW-Authenticate: Bearer scope=\"mcp:tools\", "
                + "resource_metadata=\"" + demo.server.url().resolve("/.well-known/oauth-protected-resource/mcp") + "\"",
                "MCP 2026-07-28: server/discover answered; speaking MCP 2026-07-28 with " + demo.mcpUrl());
        assertThat(browserOpened).hasValue(1);
    }

    @Test
    void fallsBackTo2025WithAServerOfTheInitializeEra() {
        demo.server.speak(Revisions.ONLY_2025_11_25);
        int before = demo.server.receivedMethods().size();
        McpOAuthClient oauth = client();

        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.revision()).isEqualTo(Revision.MCP_2025_11_25);
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        // The probe's 401 was a challenge: sign in, retry the probe with the token, then fall back on its 400.
        assertThat(methodsSince(before)).containsSubsequence("server/discover", "server/discover", "initialize",
                "tools/call");
        assertThat(steps).containsSubsequence(
                "MCP 2026-07-28: server/discover answered HTTP 400 without a 2026-07-28 error",
                "MCP 2025-11-25: initialize answered; speaking MCP 2025-11-25 with " + demo.mcpUrl());
        assertThat(oauth.revision()).contains(Revision.MCP_2025_11_25);
        assertThat(browserOpened).hasValue(1); // one sign-in serves both wires
    }

    /** MCP 2026-07-28 Versioning: the era is a property of the server, so the next connection skips the probe. */
    @Test
    void remembersThatAServerSpeaksOnly2025() {
        demo.server.speak(Revisions.ONLY_2025_11_25);
        McpOAuthClient oauth = client();
        oauth.connect().close();
        int before = demo.server.receivedMethods().size();

        try (McpConnection mcp = oauth.connect()) {
            assertThat(mcp.revision()).isEqualTo(Revision.MCP_2025_11_25);
        }

        assertThat(methodsSince(before)).startsWith("initialize").doesNotContain("server/discover");
    }

    @Test
    void speaks2026WithAServerThatSpeaksOnly2026() {
        demo.server.speak(Revisions.ONLY_2026_07_28);
        int before = demo.server.receivedMethods().size();

        try (McpConnection mcp = client().connect()) {
            assertThat(mcp.revision()).isEqualTo(Revision.MCP_2026_07_28);
            assertThat(mcp.toolNames()).containsExactly("whoami", "add_note", "list_notes");
            assertThat(mcp.callTool("whoami", Map.of()).text()).startsWith("You are alice");
        }

        assertThat(methodsSince(before)).doesNotContain("initialize");
    }

    /** -32022 comes from a server of the 2026-07-28 era: negotiate (nothing in common here) or stop, never initialize. */
    @Test
    void doesNotFallBackFromAServerThatSupportsNoCommonVersion() {
        demo.server.speak(Revisions.ONLY_A_LATER_VERSION);
        int before = demo.server.receivedMethods().size();
        McpOAuthClient oauth = client();

        assertThatThrownBy(oauth::connect)
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.error().code()).isEqualTo(-32022))
                .hasMessage("The MCP server speaks only protocol versions [" + DemoMcpServer.LATER_VERSION
                        + "]; this client speaks 2026-07-28 and, with initialize, 2025-11-25");

        assertThat(methodsSince(before)).isNotEmpty().containsOnly("server/discover");
        assertThat(oauth.revision()).isEmpty();
    }

    /** A client told to speak 2026-07-28 only does not fall back either. */
    @Test
    void aClientPinnedTo2026DoesNotFallBack() {
        demo.server.speak(Revisions.ONLY_2025_11_25);
        int before = demo.server.receivedMethods().size();
        McpOAuthClient oauth = client(Revision.MCP_2026_07_28);

        assertThatThrownBy(oauth::connect)
                .isInstanceOfSatisfying(McpHttpStatusException.class, e -> assertThat(e.statusCode()).isEqualTo(400));

        assertThat(methodsSince(before)).isNotEmpty().containsOnly("server/discover");
    }

    /** A 403 to the probe is an authorization answer on either wire: the client stops, it does not try initialize. */
    @Test
    void aForbiddenProbeIsNotAReasonToFallBack() throws Exception {
        try (HostileServer server = new HostileServer().mcpStatus(403)) {
            McpOAuthClient oauth = McpOAuthClient.builder(server.mcpUrl()).userAgent(urlFor -> {
                throw new AssertionError("nothing to sign in to");
            }).build();

            assertThatThrownBy(oauth::connect)
                    .isInstanceOfSatisfying(McpHttpStatusException.class, e -> assertThat(e.statusCode()).isEqualTo(403));

            assertThat(server.requestedPaths()).containsExactly("POST /mcp");
        }
    }

    private McpOAuthClient client() {
        return builder().build();
    }

    private McpOAuthClient client(Revision only) {
        return builder().revision(only).build();
    }

    private McpOAuthClient.Builder builder() {
        return McpOAuthClient.builder(demo.mcpUrl())
                .userAgent(DemoSetup.headless(new HeadlessUserAgent(), DemoSetup.ALICE, browserOpened))
                .listener(new McpOAuthListener() {
                    @Override
                    public void onStep(String description) {
                        steps.add(description);
                    }
                });
    }

    private List<String> methodsSince(int before) {
        List<String> all = demo.server.receivedMethods();
        return all.subList(before, all.size());
    }
}
