package dev.mcpoauth.cookbook.multiuserstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.multiuserstore.ServerInstance.McpUser;
import dev.mcpoauth.cookbook.multiuserstore.store.KeyRotation;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.store.UpstreamTokens;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import io.micronaut.context.ApplicationContext;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The envelope encryption as an attacker with write access to the database meets it: ciphertexts
 * moved between users' rows fail to decrypt (the user id is associated data) and are logged without
 * token material; and the key-encryption key rotates while the server keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StoreSecurityTest {

    private final TestStack stack = TestStack.shared();
    private PostgresServer.Database database;
    private ServerInstance server;
    private Rows rows;
    private McpUser alice;
    private McpUser bob;

    @BeforeAll
    void start() {
        database = stack.postgres.createDatabase("store_security");
        server = new ServerInstance(stack, stack.serverProperties(database, Map.of()));
        rows = new Rows(stack.postgres.dataSource(database));
        alice = server.login(TestStack.ALICE);
        bob = server.login(TestStack.BOB);
        assertThat(server.connect(alice, TestStack.ALICE_CALENDAR)).isEqualTo(200);
        assertThat(server.connect(bob, TestStack.BOB_CALENDAR)).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        alice.close();
        bob.close();
        server.close();
    }

    @Test
    @Order(1)
    void aliceCiphertextCopiedOntoBobsRowIsReportedUnreadableWithoutTokenMaterial() {
        UpstreamTokens alicesTokens = server.bean(TokenRepository.class).find(alice.subject(), "calendar").orElseThrow().tokens();
        Map<String, String> alicesRow = rows.of(alice.subject());
        rows.update("UPDATE upstream_connection SET kek_id = ?, wrapped_data_key = ?, sealed_tokens = ? WHERE user_id = ?",
                alicesRow.get("kek_id"), alicesRow.get("wrapped_data_key"), alicesRow.get("sealed_tokens"), bob.subject());

        CallToolResult answer = bob.call("list_events");

        assertThat(answer.isError()).isTrue();
        assertThat(ServerInstance.text(answer)).startsWith("Your stored calendar connection could not be read: reconnect it."
                + " Open this link (valid 10 minutes, for you only), then call list_events again: ");
        assertThat(ServerInstance.text(answer)).doesNotContain("Alice");
        assertThat(ConnectAndIsolationTest.status(answer)).isEqualTo("unreadable");
        String log = LogCapture.text();
        assertThat(log).contains("Stored tokens of user " + bob.subject()
                + " for upstream calendar (key k1) failed their integrity check: AEADBadTagException");
        assertThat(log).doesNotContain(alicesTokens.accessToken()).doesNotContain(alicesTokens.refreshToken())
                .doesNotContain(alicesRow.get("sealed_tokens")).doesNotContain(alicesRow.get("wrapped_data_key"));
        // Alice's own row is untouched and still hers.
        assertThat(ServerInstance.text(alice.call("list_events"))).startsWith("2026-12-01T09:00  Alice: dentist");
    }

    @Test
    @Order(2)
    void sealedTokensAloneCopiedOntoBobsRowAreUnreadable() {
        assertThat(server.connect(bob, TestStack.BOB_CALENDAR)).isEqualTo(200); // reconnect replaces the bad row
        assertThat(ServerInstance.text(bob.call("list_events"))).isEqualTo("2026-12-03T10:00  Bob: board meeting");
        rows.update("UPDATE upstream_connection SET sealed_tokens = ? WHERE user_id = ?",
                rows.of(alice.subject()).get("sealed_tokens"), bob.subject());

        CallToolResult answer = bob.call("list_events");

        assertThat(ConnectAndIsolationTest.status(answer)).isEqualTo("unreadable");
        assertThat(ServerInstance.text(bob.call("connect_status")))
                .isEqualTo("MCP account bob: Your stored calendar connection cannot be read. Call list_events to get a link to reconnect.");
    }

    @Test
    @Order(3)
    void keyRotationRewrapsEveryReadableRowWhileTheServerServes() {
        Map<String, String> alicesBefore = rows.of(alice.subject());
        Map<String, Object> rotation = new HashMap<>(stack.serverProperties(database, Map.of()));
        rotation.put("token-store.current-key-id", "k2");

        KeyRotation.Report report;
        KeyRotation.Report again;
        try (ApplicationContext command = ApplicationContext.run(rotation)) { // what RotateKeyEncryptionKey runs
            report = command.getBean(KeyRotation.class).rotateAll();
            again = command.getBean(KeyRotation.class).rotateAll();
        }

        assertThat(report).isEqualTo(new KeyRotation.Report(1, 1)); // Alice rewrapped; Bob's tampered row left, logged
        assertThat(again).isEqualTo(new KeyRotation.Report(0, 1));
        Map<String, String> alicesAfter = rows.of(alice.subject());
        assertThat(alicesAfter.get("kek_id")).isEqualTo("k2");
        assertThat(alicesAfter.get("wrapped_data_key")).isNotEqualTo(alicesBefore.get("wrapped_data_key"));
        assertThat(alicesAfter.get("sealed_tokens")).isEqualTo(alicesBefore.get("sealed_tokens")); // data key unchanged
        assertThat(alicesAfter.get("version")).isEqualTo(alicesBefore.get("version"));
        // The running server (still writing under k1, knowing k2) reads the rewrapped row: no downtime.
        assertThat(ServerInstance.text(alice.call("list_events"))).startsWith("2026-12-01T09:00  Alice: dentist");
    }

    @Test
    @Order(4)
    void aRowUnderAKeyTheServerDoesNotKnowIsUnreadableNotMisread() {
        rows.update("UPDATE upstream_connection SET kek_id = ? WHERE user_id = ?", "k9", alice.subject());

        CallToolResult answer = alice.call("list_events");

        assertThat(ConnectAndIsolationTest.status(answer)).isEqualTo("unreadable");
        assertThat(LogCapture.text()).contains("Stored tokens of user " + alice.subject()
                + " for upstream calendar (key k9) failed their integrity check: GeneralSecurityException");
    }
}
