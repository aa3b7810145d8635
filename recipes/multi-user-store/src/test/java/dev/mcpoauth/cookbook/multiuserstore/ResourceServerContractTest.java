package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.contract.RecipeTools;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerContract;
import dev.mcpoauth.cookbook.testkit.contract.ResourceServerUnderTest;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The MCP endpoint passes the cookbook's resource-server contract (shared-testkit): the same
 * end-to-end and attack tests as the resource-server recipes, against the real server, realm A and
 * PostgreSQL. With this recipe's tools: {@code connect_status} names the caller's MCP account,
 * {@code disconnect} is the step-up tool ({@code calendar:disconnect}), and per-user isolation is
 * checked on calendar connections. In the body tests alice's calendar is connected before each
 * refused {@code disconnect}, so one that ran anyway would show; every other test finds her unconnected.
 */
class ResourceServerContractTest extends ResourceServerContract {

    private static final CallToolRequest LIST_EVENTS = new CallToolRequest("list_events", Map.of());
    private static final CallToolRequest CONNECT_STATUS = new CallToolRequest("connect_status", Map.of());
    private static final CallToolRequest DISCONNECT = new CallToolRequest("disconnect", Map.of());

    private final TestStack stack = TestStack.shared();
    private ServerInstance server;
    private Rows rows;
    /** Reads of {@link #stateTheStepUpCallChanges} in the running test: the first is before the attempt. */
    private int stateReads;
    private boolean aliceConnectedForABodyTest;

    @BeforeAll
    void startServer() {
        PostgresServer.Database database = stack.postgres.createDatabase("contract");
        rows = new Rows(stack.postgres.dataSource(database));
        // Listens on the resource URL's own port (the contract calls it directly), JWKS through the contract's proxy.
        server = new ServerInstance(stack, stack.serverProperties(database, Map.of(
                "micronaut.server.port", stack.contract.port(),
                "mcp.jwks-uri", stack.contract.jwksUri().toString())));
    }

    @BeforeEach
    void noStateReadYet() {
        stateReads = 0;
    }

    /** As she was: the other tests expect alice unconnected (the contract's own tests run in any order). */
    @AfterEach
    void disconnectAliceAfterABodyTest() {
        if (aliceConnectedForABodyTest) {
            rows.update("DELETE FROM upstream_connection");
            aliceConnectedForABodyTest = false;
        }
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected ResourceServerUnderTest serverUnderTest() {
        return ResourceServerUnderTest.of(stack.contract, "MCP OAuth Cookbook: multi-user token store")
                .withTools(RecipeTools.notes()
                        .withNames("list_events", "connect_status", "disconnect")
                        .withIdentityCall(CONNECT_STATUS, (subject, username) -> Map.of("status", "not_connected", "mcp_account", username))
                        .withStepUpCall(DISCONNECT, "calendar:disconnect", Map.of("status", "not_connected"))
                        .withWalkthroughAnswers("MCP account bob: Your calendar is not connected.",
                                "You had no calendar connection. Nothing to do.")
                        .withIsolation(this::assertEachUserSeesOnlyTheirOwnData)
                        .withStepUpState(this::stateTheStepUpCallChanges, alice -> { }))
                .speakingMcp2026();
    }

    /** Alice connects her calendar (realm B login in a browser); bob stays unconnected and never gets her events. */
    private void assertEachUserSeesOnlyTheirOwnData(McpSyncClient alice, McpSyncClient bob) {
        connectCalendar(alice);
        try {
            assertThat(ServerInstance.text(alice.callTool(LIST_EVENTS)))
                    .isEqualTo("2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review");

            CallToolResult bobsEvents = bob.callTool(LIST_EVENTS);

            assertThat(bobsEvents.isError()).isTrue();
            assertThat(ConnectAndIsolationTest.status(bobsEvents)).isEqualTo("not_connected");
            assertThat(bob.callTool(CONNECT_STATUS).structuredContent())
                    .isEqualTo(Map.of("status", "not_connected", "mcp_account", "bob"));
        } finally {
            alice.callTool(DISCONNECT); // as she was: the other tests expect her unconnected
        }
    }

    /**
     * Whether alice's calendar is connected: what a {@code disconnect} that ran would change. Before
     * each attempt (the first read in a test) alice connects, as a person does, so there is something
     * to lose.
     */
    private Object stateTheStepUpCallChanges(McpSyncClient alice) {
        if (stateReads++ == 0) {
            connectCalendar(alice);
            aliceConnectedForABodyTest = true;
            assertThat(ConnectAndIsolationTest.status(alice.callTool(CONNECT_STATUS))).isEqualTo("connected");
        }
        return alice.callTool(CONNECT_STATUS).structuredContent();
    }

    /** Realm B login through the connect link that {@code list_events} answers an unconnected user with. */
    private void connectCalendar(McpSyncClient user) {
        CallToolResult connectAnswer = user.callTool(LIST_EVENTS);
        URI link = URI.create(String.valueOf(((Map<?, ?>) connectAnswer.structuredContent()).get("connect_url")));
        assertThat(server.completeConnect(link, TestStack.ALICE_CALENDAR, new HeadlessUserAgent()).statusCode()).isEqualTo(200);
    }
}
