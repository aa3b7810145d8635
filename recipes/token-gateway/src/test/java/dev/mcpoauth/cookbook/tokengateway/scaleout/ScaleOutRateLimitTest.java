package dev.mcpoauth.cookbook.tokengateway.scaleout;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances behind round-robin HAProxy, on one PostgreSQL database: one client's limit is
 * counted once, whichever instance a request lands on (per instance it would be twice the limit).
 */
class ScaleOutRateLimitTest {

    private static final int LIMIT = 8;

    private static GatewayCluster cluster;

    @BeforeAll
    static void startInstances() {
        cluster = GatewayCluster.start("mcp-token-gateway-rate-limit", 2, 1, LIMIT);
    }

    @AfterAll
    static void stopInstances() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void rateLimitIsSharedAcrossGatewayInstances() throws Exception {
        String token = cluster.login(ALICE);

        List<McpCalls.Answer> answers = new ArrayList<>();
        for (int call = 0; call < LIMIT + 4; call++) {
            answers.add(McpCalls.modernWhoami(GatewayCluster.notes(cluster.roundRobin), token));
        }

        assertThat(answers).extracting(McpCalls.Answer::status)
                .containsExactly(200, 200, 200, 200, 200, 200, 200, 200, 429, 429, 429, 429);
        // Both instances let requests through, and both refused: they counted together.
        assertThat(answers.subList(0, LIMIT)).extracting(McpCalls.Answer::instance).containsOnly("0", "1");
        assertThat(answers.subList(LIMIT, LIMIT + 4)).extracting(McpCalls.Answer::instance).containsOnly("0", "1");
        assertThat(answers.subList(LIMIT, LIMIT + 4)).allSatisfy(refused ->
                assertThat(refused.body()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
                        + "\"message\":\"Too many requests from this client; slow down\"}}"));
    }
}
