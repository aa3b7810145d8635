package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.demo.ClientWalkthrough;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The walk-through {@code make run} prints works against this server: discovery from a bare URL to step-up. */
class ClientWalkthroughTest extends RunningServerTest {

    @Test
    void walksFromABareUrlThroughDiscoveryLoginAndStepUpToToolCalls() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        new ClientWalkthrough(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(
                DemoEnvironment.MCP_URL, DemoEnvironment.CLIENT_ID, DemoEnvironment.BOB,
                ClientWalkthrough.call("whoami", Map.of()),
                ClientWalkthrough.call("add_note", Map.of("text", "from the walk-through")));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(output)
                .contains("401  WWW-Authenticate: Bearer resource_metadata=")
                .contains("ok: S256 is in code_challenge_methods_supported")
                .contains("You are bob")
                .contains("403  WWW-Authenticate: Bearer error=\"insufficient_scope\"")
                .contains("Saved. You have 1 note(s).");
    }
}
