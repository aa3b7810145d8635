package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** PostgreSQL restarts under a running server: a clear, quick error meanwhile, then service again without a server restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseRestartTest {

    private static final String ALICES_EVENTS = "2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review";

    private final TestStack stack = TestStack.shared();
    private ServerInstance server;
    private Rows rows;
    private McpUser alice;

    @BeforeAll
    void start() {
        PostgresServer.Database database = stack.postgres.createDatabase("restart");
        server = new ServerInstance(stack, stack.serverProperties(database, Map.of()));
        rows = new Rows(stack.postgres.dataSource(database));
        alice = server.login(TestStack.ALICE);
        assertThat(server.connect(alice, TestStack.ALICE_CALENDAR)).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        stack.postgres.start();
        alice.close();
        server.close();
    }

    @Test
    void theServerRecoversWhenTheDatabaseComesBack() {
        assertThat(ServerInstance.text(alice.call("list_events"))).isEqualTo(ALICES_EVENTS);

        stack.postgres.stop();
        Instant started = Instant.now();
        CallToolResult whileDown = alice.call("list_events");
        Duration took = Duration.between(started, Instant.now());
        stack.postgres.start();

        assertThat(whileDown.isError()).isTrue();
        assertThat(ServerInstance.text(whileDown))
                .isEqualTo("The token store is unavailable right now. Nothing was changed; try again in a minute.");
        assertThat(took).isLessThan(Duration.ofSeconds(8)); // Hikari's 3 s connection timeout, not a hang

        // The pool reconnects in the background (Hikari backs off between attempts while the database
        // is down), so the first calls after the restart may still get the same clear error.
        assertThat(firstAnswerWithin(Duration.ofSeconds(20))).isEqualTo(ALICES_EVENTS);
        // And a refresh after the restart commits as before.
        rows.setAccessExpiry(alice.subject(), Instant.now().minusSeconds(10).getEpochSecond());
        int tokenRequests = stack.tokenRequests();
        assertThat(ServerInstance.text(alice.call("list_events"))).isEqualTo(ALICES_EVENTS);
        assertThat(stack.tokenRequests() - tokenRequests).isEqualTo(1);
    }

    /**
     * Calls list_events until it answers with something other than the store-unavailable error. A bounded
     * poll, not a Clock: it waits on real processes (PostgreSQL restarting, Hikari reconnecting).
     */
    private String firstAnswerWithin(Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        String answer = ServerInstance.text(alice.call("list_events"));
        while (answer.startsWith("The token store is unavailable") && Instant.now().isBefore(deadline)) {
            sleep(Duration.ofMillis(500));
            answer = ServerInstance.text(alice.call("list_events"));
        }
        return answer;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
