package dev.mcpoauth.cookbook.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test kit's HAProxy in front of three instances in JVMs of their own, killed with SIGKILL. */
class LoadBalancerTest {

    private static final List<RecipeProcess> INSTANCES = new ArrayList<>();
    private static final List<Integer> PORTS = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private LoadBalancer balancer;

    @BeforeAll
    static void startInstances() {
        LoadBalancer.assumeAvailable();
        for (int i = 0; i < 3; i++) {
            int port = FreePort.find();
            PORTS.add(port);
            INSTANCES.add(RecipeProcess.start("fake-instance-" + i, FakeInstance.class.getName(), Path.of("."), Map.of(),
                    Map.of(), List.of(Integer.toString(port))));
        }
        for (int i = 0; i < 3; i++) {
            INSTANCES.get(i).awaitHttp200(URI.create("http://127.0.0.1:" + PORTS.get(i) + "/health"), Duration.ofSeconds(30));
        }
    }

    @AfterAll
    static void stopInstances() {
        INSTANCES.forEach(RecipeProcess::close);
    }

    @BeforeEach
    void everyInstanceAlive() {
        for (int i = 0; i < INSTANCES.size(); i++) {
            if (!INSTANCES.get(i).isAlive()) {
                INSTANCES.get(i).restart();
                INSTANCES.get(i).awaitHttp200(URI.create("http://127.0.0.1:" + PORTS.get(i) + "/health"), Duration.ofSeconds(30));
            }
        }
    }

    @AfterEach
    void stopBalancer() {
        if (balancer != null) {
            balancer.close();
        }
    }

    @Test
    void roundRobinSendsConsecutiveRequestsToEveryInstanceInTurn() throws Exception {
        balancer = LoadBalancer.roundRobin("/health", LoadBalancer.loopback(PORTS));

        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            servedBy.add(send("GET", "/health", null).headers().firstValue(LoadBalancer.SERVED_BY).orElseThrow());
        }

        assertThat(servedBy).containsExactly("0", "1", "2", "0", "1", "2");
    }

    @Test
    void theLogCountsWhatEachInstanceAnswered() throws Exception {
        balancer = LoadBalancer.roundRobin(null, LoadBalancer.loopback(PORTS));

        for (int i = 0; i < 6; i++) {
            send("GET", "/health", null);
        }

        awaitCounts(new int[] {2, 2, 2});
    }

    @Test
    void anInstanceKilledBetweenRequestsIsInvisibleToClients() throws Exception {
        balancer = LoadBalancer.roundRobin("/health", LoadBalancer.loopback(PORTS));
        INSTANCES.get(1).kill();

        List<Integer> statuses = new ArrayList<>();
        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = send(i % 2 == 0 ? "GET" : "POST", i % 2 == 0 ? "/health" : "/mcp", "{}");
            statuses.add(response.statusCode());
            servedBy.add(response.headers().firstValue(LoadBalancer.SERVED_BY).orElse("none"));
        }

        assertThat(statuses).containsOnly(200);
        assertThat(servedBy).doesNotContain("1");
    }

    /**
     * The client learns the call failed, and no other instance runs it. HAProxy answers 502, or, when it judges the
     * request unprocessed (its documented behaviour for a server connection closed before any answer), closes the
     * client's connection without one: both are a failure the client sees, neither is a replay.
     */
    @Test
    void aPostWhoseInstanceDiesMidRequestFailsAndIsNotReplayed() throws Exception {
        balancer = LoadBalancer.roundRobin("/health", LoadBalancer.loopback(PORTS));
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request("POST", "/hang", "{}"),
                HttpResponse.BodyHandlers.ofString());
        RecipeProcess receiver = awaitOutput("hang received");

        receiver.kill();
        Integer status;
        try {
            status = pending.get(20, TimeUnit.SECONDS).statusCode();
        } catch (ExecutionException closedWithoutAnAnswer) {
            assertThat(closedWithoutAnAnswer).hasCauseInstanceOf(IOException.class);
            status = null;
        }

        assertThat(status).isIn(null, 502);
        assertThat(INSTANCES.stream().filter(instance -> instance != receiver)
                .filter(instance -> instance.output().contains("hang received"))).isEmpty();
    }

    @Test
    void aRestartedInstanceServesAgainOnceTheHealthCheckSeesIt() throws Exception {
        balancer = LoadBalancer.roundRobin("/health", LoadBalancer.loopback(PORTS));
        INSTANCES.get(2).kill();
        balancer.awaitState(2, false, Duration.ofSeconds(10));

        INSTANCES.get(2).restart();
        INSTANCES.get(2).awaitHttp200(URI.create("http://127.0.0.1:" + PORTS.get(2) + "/health"), Duration.ofSeconds(30));
        balancer.awaitState(2, true, Duration.ofSeconds(10));

        List<String> servedBy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            servedBy.add(send("GET", "/health", null).headers().firstValue(LoadBalancer.SERVED_BY).orElseThrow());
        }
        assertThat(servedBy).contains("2");
    }

    @Test
    void stickyRoutingKeepsEverySessionOnTheInstanceThatCreatedIt() throws Exception {
        balancer = LoadBalancer.stickyByMcpSession("/health", LoadBalancer.loopback(PORTS));
        List<String> sessions = openSessions(3);

        List<Integer> statuses = followUpStatuses(sessions, 4);

        assertThat(statuses).hasSize(12).containsOnly(200);
    }

    @Test
    void roundRobinWithoutStickinessLosesSessionsHeldInOneInstance() throws Exception {
        balancer = LoadBalancer.roundRobin("/health", LoadBalancer.loopback(PORTS));
        List<String> sessions = openSessions(3);

        List<Integer> statuses = followUpStatuses(sessions, 4);

        assertThat(statuses).contains(404);
    }

    @Test
    void aStickySessionWhoseInstanceWasKilledIsUnknownElsewhere() throws Exception {
        balancer = LoadBalancer.stickyByMcpSession("/health", LoadBalancer.loopback(PORTS));
        HttpResponse<String> created = send("POST", "/mcp", "{}");
        String session = created.headers().firstValue("Mcp-Session-Id").orElseThrow();
        int owner = Integer.parseInt(created.headers().firstValue(LoadBalancer.SERVED_BY).orElseThrow());

        INSTANCES.get(owner).kill();
        HttpResponse<String> afterKill = sendInSession(session);

        assertThat(afterKill.statusCode()).isEqualTo(404);
        assertThat(afterKill.headers().firstValue(LoadBalancer.SERVED_BY)).isPresent().get().isNotEqualTo(Integer.toString(owner));
    }

    private List<String> openSessions(int count) throws Exception {
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sessions.add(send("POST", "/mcp", "{}").headers().firstValue("Mcp-Session-Id").orElseThrow());
        }
        return sessions;
    }

    /** Each session's follow-ups in a row, so round robin cannot line up with where the sessions were created. */
    private List<Integer> followUpStatuses(List<String> sessions, int each) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (String session : sessions) {
            for (int round = 0; round < each; round++) {
                statuses.add(sendInSession(session).statusCode());
            }
        }
        return statuses;
    }

    private HttpResponse<String> sendInSession(String session) throws Exception {
        return http.send(HttpRequest.newBuilder(balancer.url().resolve("/mcp")).header("Mcp-Session-Id", session)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String method, String path, String body) {
        return HttpRequest.newBuilder(balancer.url().resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private RecipeProcess awaitOutput(String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (RecipeProcess instance : INSTANCES) {
                if (instance.isAlive() && instance.output().contains(line)) {
                    return instance;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no instance printed " + line);
    }

    private void awaitCounts(int[] expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!java.util.Arrays.equals(balancer.requestsPerBackend(), expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(balancer.requestsPerBackend()).containsExactly(expected);
    }
}
