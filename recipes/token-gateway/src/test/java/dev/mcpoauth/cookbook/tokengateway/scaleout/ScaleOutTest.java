package dev.mcpoauth.cookbook.tokengateway.scaleout;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.net.LoadBalancer;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances and two notes backend instances, each a JVM of its own, behind HAProxy, on one
 * PostgreSQL database (see {@link GatewayCluster}). Instances are killed with SIGKILL, as a machine dies.
 */
class ScaleOutTest {

    private static final String SESSION_NOT_FOUND =
            "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Session not found\"}}";
    private static final Duration STATE_CHANGE = Duration.ofSeconds(10);
    private static final Duration RESTART = Duration.ofSeconds(90);

    private static GatewayCluster cluster;
    private static String aliceToken;
    private static String bobToken;

    @BeforeAll
    static void startInstances() {
        cluster = GatewayCluster.start("mcp-token-gateway-scale-out", 2, 2, 1_000_000);
        aliceToken = cluster.login(ALICE);
        bobToken = cluster.login(BOB);
    }

    @AfterAll
    static void stopInstances() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void modernCallsAreSpreadOverTheGatewayInstances() throws Exception {
        List<McpCalls.Answer> answers = new ArrayList<>();
        for (int call = 0; call < 6; call++) {
            answers.add(McpCalls.modernWhoami(GatewayCluster.notes(cluster.roundRobin), aliceToken));
        }

        assertThat(answers).extracting(McpCalls.Answer::status).containsOnly(200);
        assertThat(answers).extracting(McpCalls.Answer::instance).containsExactlyInAnyOrder("0", "1", "0", "1", "0", "1");
        assertThat(answers).allSatisfy(answer -> assertThat(answer.usernames()).containsExactly("alice"));
    }

    @Test
    void aGatewayInstanceKilledUnderLoadFailsOnlyCallsInFlight() throws Exception {
        killUnderLoad(cluster.gateways.get(1), cluster.roundRobin, 1,
                () -> URI.create("http://127.0.0.1:" + cluster.gatewayPorts.get(1) + GatewayCluster.HEALTH_PATH));
    }

    @Test
    void aBackendInstanceKilledUnderLoadFailsOnlyCallsInFlight() throws Exception {
        killUnderLoad(cluster.backends.get(1), cluster.backendBalancer, 1, null);
    }

    @Test
    void noRequestSeesAnotherUsersSession() throws Exception {
        McpCalls.Answer alice = McpCalls.initialize(GatewayCluster.notes(cluster.sticky), aliceToken);
        McpCalls.Answer bob = McpCalls.initialize(GatewayCluster.notes(cluster.sticky), bobToken);
        assertThat(alice.status()).isEqualTo(200);
        assertThat(bob.status()).isEqualTo(200);

        // Each presents the other's session: on every instance directly, and through both front doors.
        List<URI> everywhere = List.of(cluster.notesOnInstance(0), cluster.notesOnInstance(1),
                GatewayCluster.notes(cluster.sticky), GatewayCluster.notes(cluster.roundRobin));
        for (URI endpoint : everywhere) {
            McpCalls.Answer bobWithAlices = McpCalls.legacyWhoami(endpoint, bobToken, alice.session());
            McpCalls.Answer aliceWithBobs = McpCalls.legacyWhoami(endpoint, aliceToken, bob.session());

            assertThat(bobWithAlices.status()).as("bob with alice's session at %s", endpoint).isEqualTo(404);
            assertThat(bobWithAlices.body()).isEqualTo(SESSION_NOT_FOUND);
            assertThat(aliceWithBobs.status()).as("alice with bob's session at %s", endpoint).isEqualTo(404);
            assertThat(aliceWithBobs.body()).isEqualTo(SESSION_NOT_FOUND);
        }
        // Their own sessions still serve them, and only them.
        assertThat(McpCalls.legacyWhoami(GatewayCluster.notes(cluster.sticky), aliceToken, alice.session()).usernames())
                .containsExactly("alice");
        assertThat(McpCalls.legacyWhoami(GatewayCluster.notes(cluster.sticky), bobToken, bob.session()).usernames())
                .containsExactly("bob");
    }

    @Test
    void aLegacySessionThroughTheStickyDoorStaysOnItsInstance() throws Exception {
        McpCalls.Answer initialized = McpCalls.initialize(GatewayCluster.notes(cluster.sticky), aliceToken);

        List<McpCalls.Answer> calls = new ArrayList<>();
        for (int call = 0; call < 6; call++) {
            calls.add(McpCalls.legacyWhoami(GatewayCluster.notes(cluster.sticky), aliceToken, initialized.session()));
        }

        assertThat(calls).extracting(McpCalls.Answer::status).containsOnly(200);
        assertThat(calls).extracting(McpCalls.Answer::instance).containsOnly(initialized.instance());
        assertThat(calls).allSatisfy(answer -> assertThat(answer.usernames()).containsExactly("alice"));
    }

    /**
     * A 2025-11-25 session dies with the gateway instance that owned it: the sticky door sends its next call
     * to another instance, which does not know it (404, never anyone else's session), and the client's new
     * session works there.
     */
    @Test
    void aLegacySessionWhoseGatewayInstanceWasKilledIsUnknownAndANewSessionWorks() throws Exception {
        McpCalls.Answer initialized = McpCalls.initialize(GatewayCluster.notes(cluster.sticky), aliceToken);
        int pinned = Integer.parseInt(initialized.instance());
        RecipeProcess victim = cluster.gateways.get(pinned);

        victim.kill();
        try {
            cluster.sticky.awaitState(pinned, false, STATE_CHANGE);
            McpCalls.Answer orphaned = McpCalls.legacyWhoami(GatewayCluster.notes(cluster.sticky), aliceToken,
                    initialized.session());
            McpCalls.Answer renewed = McpCalls.initialize(GatewayCluster.notes(cluster.sticky), aliceToken);
            McpCalls.Answer inNewSession = McpCalls.legacyWhoami(GatewayCluster.notes(cluster.sticky), aliceToken,
                    renewed.session());

            assertThat(orphaned.status()).isEqualTo(404);
            assertThat(orphaned.body()).isEqualTo(SESSION_NOT_FOUND);
            assertThat(orphaned.instance()).isNotEqualTo(initialized.instance());
            assertThat(renewed.status()).isEqualTo(200);
            assertThat(inNewSession.status()).isEqualTo(200);
            assertThat(inNewSession.usernames()).containsExactly("alice");
        } finally {
            victim.restart();
            victim.awaitHttp200(URI.create("http://127.0.0.1:" + cluster.gatewayPorts.get(pinned)
                    + GatewayCluster.HEALTH_PATH), RESTART);
            cluster.sticky.awaitState(pinned, true, RESTART);
            cluster.roundRobin.awaitState(pinned, true, RESTART);
        }
    }

    /**
     * Why the sticky door: a 2025-11-25 session lives in the gateway instance (its owner) and the backend
     * instance (the SDK's session) that created it. Round robin sends every other call elsewhere, where
     * the session is unknown: 404, as the specification says for an unknown session, never someone else's.
     */
    @Test
    void aLegacySessionThroughTheRoundRobinDoorIsUnknownOnTheOtherInstance() throws Exception {
        McpCalls.Answer initialized = McpCalls.initialize(GatewayCluster.notes(cluster.roundRobin), aliceToken);

        List<McpCalls.Answer> calls = new ArrayList<>();
        for (int call = 0; call < 4; call++) {
            calls.add(McpCalls.legacyWhoami(GatewayCluster.notes(cluster.roundRobin), aliceToken, initialized.session()));
        }

        assertThat(calls).extracting(McpCalls.Answer::status).contains(404);
        assertThat(calls).allSatisfy(answer -> {
            if (answer.instance().equals(initialized.instance())) {
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.usernames()).containsExactly("alice");
            } else {
                assertThat(answer.status()).isEqualTo(404);
                assertThat(answer.body()).isEqualTo(SESSION_NOT_FOUND);
            }
        });
    }

    // ---- load and kill ---------------------------------------------------------------------------

    /** One call under load: who asked, what came back (null status: a transport error), and when it began. */
    private record Outcome(String user, Integer status, McpCalls.Answer answer, boolean startedAfterDown) {
    }

    /**
     * Alice and Bob call whoami (2026-07-28) from two threads each through the round-robin door; once
     * some calls have succeeded, {@code victim} is SIGKILLed. Every call must either succeed with the
     * caller's own identity, or fail as an interrupted call does (a transport error, or 502 from a load
     * balancer that will not replay a POST); once {@code balancer} has taken the victim out, every call
     * succeeds. The victim is restarted afterwards.
     */
    private static void killUnderLoad(RecipeProcess victim, LoadBalancer balancer, int index, Supplier<URI> health)
            throws Exception {
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean down = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> callers = new ArrayList<>();
        for (Map.Entry<UserCredentials, String> caller : List.of(Map.entry(ALICE, aliceToken), Map.entry(ALICE, aliceToken),
                Map.entry(BOB, bobToken), Map.entry(BOB, bobToken))) {
            callers.add(load.submit(() -> {
                while (!stop.get()) {
                    boolean afterDown = down.get();
                    try {
                        McpCalls.Answer answer = McpCalls.modernWhoami(GatewayCluster.notes(cluster.roundRobin),
                                caller.getValue());
                        outcomes.add(new Outcome(caller.getKey().username(), answer.status(), answer, afterDown));
                    } catch (IOException transport) {
                        outcomes.add(new Outcome(caller.getKey().username(), null, null, afterDown));
                    }
                }
                return null;
            }));
        }
        try {
            awaitCalls(outcomes, 20, false);
            victim.kill();
            balancer.awaitState(index, false, STATE_CHANGE);
            down.set(true);
            awaitCalls(outcomes, 40, true);
        } finally {
            stop.set(true);
            for (Future<?> caller : callers) {
                caller.get();
            }
            load.shutdown();
            victim.restart();
            if (health != null) {
                victim.awaitHttp200(health.get(), RESTART);
            }
            balancer.awaitState(index, true, RESTART);
        }

        assertThat(outcomes).allSatisfy(outcome -> {
            if (outcome.status() != null && outcome.status() == 200) {
                assertThat(outcome.answer().usernames()).as("what %s saw", outcome.user()).containsExactly(outcome.user());
            } else {
                assertThat(outcome.status()).as("a failed call of %s", outcome.user()).isIn(null, 502);
                assertThat(outcome.startedAfterDown()).as("failed after the instance was taken out").isFalse();
            }
        });
        assertThat(outcomes).filteredOn(Outcome::startedAfterDown).hasSizeGreaterThanOrEqualTo(40)
                .allSatisfy(outcome -> assertThat(outcome.status()).isEqualTo(200));
    }

    /** Polls (with a deadline) until {@code count} calls have come back, counting those begun after the kill or all. */
    private static void awaitCalls(ConcurrentLinkedQueue<Outcome> outcomes, int count, boolean afterDown)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (outcomes.stream().filter(outcome -> !afterDown || outcome.startedAfterDown()).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + count + " calls in 60 s");
            }
            Thread.sleep(20);
        }
    }
}
