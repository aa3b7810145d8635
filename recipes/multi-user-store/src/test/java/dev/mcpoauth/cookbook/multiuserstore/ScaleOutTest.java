package dev.mcpoauth.cookbook.multiuserstore;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.BASE_SCOPE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.contract.RecipeTools;
import dev.mcpoauth.cookbook.testkit.contract.ScaleOutContract;
import dev.mcpoauth.cookbook.testkit.contract.ScaledOutRecipe;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import io.modelcontextprotocol.modern.McpSchema.MetaKeys;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three instances of this server, each in a JVM of its own, behind HAProxy, on one PostgreSQL database
 * and one request-state key: the cookbook's scale-out contract (shared-testkit), plus what only this
 * recipe has: a connect link's request state sealed by one instance opens on every other, and concurrent
 * calls across all instances refresh a user's upstream token once. Realm A and realm B are copies for
 * the balancer's URL ({@code <name>-scale-out}), with a calendar API of their own.
 */
class ScaleOutTest extends ScaleOutContract {

    private static final String ALICES_EVENTS = "2026-12-01T09:00  Alice: dentist\n2026-12-02T14:00  Alice: design review";
    private static final Map<String, Object> URL_ELICITATION = Map.of("elicitation", Map.of("url", Map.of()));
    private static final Map<String, Object> ACCEPTED = Map.of("action", "accept", "content", Map.of("ok", true));

    private final PostgresServer postgres = PostgresServer.shared();
    private final PostgresServer.Database database = postgres.createDatabase("scale_out");
    private final Rows rows = new Rows(postgres.dataSource(database));
    private final HttpClient http = HttpClient.newHttpClient();
    private Realm calendar;
    private CalendarApi calendarApi;
    private UpstreamProxy upstreamProxy;

    @Override
    protected ScaledOutRecipe recipe() {
        return ScaledOutRecipe.of(Path.of("keycloak/users-realm.json"), this::start)
                .withRealm(this::importRealms)
                .withTools(RecipeTools.notes()
                        .withNames("list_events", "connect_status", "disconnect")
                        .withIdentityCall(new CallToolRequest("connect_status", Map.of()),
                                (subject, username) -> Map.of("status", "not_connected", "mcp_account", username))
                        .withStepUpCall(new CallToolRequest("disconnect", Map.of()), "calendar:disconnect",
                                Map.of("status", "not_connected")));
    }

    /** Realm A for the balancer's URL; realm B whose connect callback is the balancer's, and its calendar API. */
    private Realm importRealms(URI mcpUrl) {
        int calendarPort = FreePort.find();
        calendar = Keycloak.shared().importRealmAs("calendar-scale-out", Path.of("keycloak/calendar-realm.json"), Map.of(
                "CALENDAR_API_URL", "http://localhost:" + calendarPort,
                "CONNECTOR_SECRET", TestStack.CONNECTOR_SECRET,
                "CONNECT_CALLBACK_URL", mcpUrl.resolve("/connect/callback").toString()));
        calendarApi = new CalendarApi(calendarPort, calendar.issuer(), calendar.jwksUri());
        upstreamProxy = new UpstreamProxy(Keycloak.shared().baseUrl());
        return ScaledOutRecipe.copyOfRealm(Path.of("keycloak/users-realm.json"), mcpUrl, Map.of());
    }

    /** As an operator starts it: everything in the environment, the same database and keys on every instance. */
    private RecipeProcess start(ScaledOutRecipe.Instance instance) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORT", String.valueOf(instance.port()));
        env.put("MCP_RESOURCE", instance.mcpUrl().toString());
        env.put("MCP_AUTHORIZATION_SERVER", instance.realm().issuer().toString());
        env.put("UPSTREAM_ISSUER", calendar.issuer().toString());
        // Realm B's token endpoint through a counting proxy: how many refreshes reached it.
        env.put("UPSTREAM_TOKEN_ENDPOINT", upstreamProxy.url(calendar.tokenEndpoint()).toString());
        env.put("UPSTREAM_CLIENT_SECRET", TestStack.CONNECTOR_SECRET);
        env.put("UPSTREAM_API_URL", calendarApi.url().toString());
        env.put("TOKEN_STORE_KEKS", TestStack.KEK_1);
        env.put("TOKEN_STORE_KEK_ID", "k1");
        env.put("MCP_REQUEST_STATE_KEY", TestStack.REQUEST_STATE_KEY);
        env.put("TOKEN_STORE_JDBC_URL", database.jdbcUrl());
        env.put("TOKEN_STORE_DB_USER", database.user());
        env.put("TOKEN_STORE_DB_PASSWORD", database.password());
        return RecipeProcess.start(instance.name("multi-user-store"), Application.class.getName(), Path.of("."), env);
    }

    /** As she was: the contract's tests expect alice's calendar unconnected. */
    @AfterEach
    void nobodyConnected() {
        rows.update("DELETE FROM upstream_connection");
    }

    @AfterAll
    void stopCalendar() {
        if (calendarApi != null) {
            calendarApi.close();
        }
        if (upstreamProxy != null) {
            upstreamProxy.close();
        }
    }

    @Test
    @Order(20)
    void aRequestStateSealedByOneInstanceOpensOnEveryInstance() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        HttpResponse<String> asked = callTool(token, "list_events", Map.of("limit", 1), null, null);
        JsonNode result = JsonMapper.shared().readTree(asked.body()).path("result");
        assertThat(asked.statusCode()).isEqualTo(200);
        assertThat(result.path("resultType").asString()).isEqualTo("input_required");
        String state = result.path("requestState").asString();
        connectCalendar(result.path("inputRequests").path("connect_calendar").path("params").path("url").asString());

        List<HttpResponse<String>> retries = onEveryInstance(() -> callTool(token, "list_events", Map.of("limit", 1),
                Map.of("connect_calendar", ACCEPTED), state));

        assertThat(retries).allSatisfy(retry -> {
            assertThat(retry.statusCode()).isEqualTo(200);
            JsonNode answer = JsonMapper.shared().readTree(retry.body()).path("result");
            assertThat(answer.path("isError").asBoolean()).isFalse();
            assertThat(answer.path("content").path(0).path("text").asString()).isEqualTo("2026-12-01T09:00  Alice: dentist");
        });
        assertThat(retries).extracting(ScaleOutContract::servedBy).contains(servedBy(asked)).hasSize(INSTANCES);
    }

    /** What TwoInstancesTest proves between two in-process instances, here with three processes behind the balancer. */
    @Test
    @Order(21)
    void concurrentCallsOnEveryInstanceRefreshTheUpstreamTokenOnce() throws Exception {
        String token = login(ALICE, BASE_SCOPE);
        String subject = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getSubject();
        HttpResponse<String> asked = callTool(token, "list_events", Map.of(), null, null);
        connectCalendar(JsonMapper.shared().readTree(asked.body())
                .path("result").path("inputRequests").path("connect_calendar").path("params").path("url").asString());
        rows.setAccessExpiry(subject, Instant.now().minusSeconds(10).getEpochSecond());
        long version = Long.parseLong(rows.of(subject).get("version"));
        int tokenRequests = upstreamProxy.count(calendar.tokenEndpoint());
        int calls = 30;

        List<HttpResponse<String>> answers = concurrently(calls, () -> callTool(token, "list_events", Map.of(), null, null));

        Set<Integer> instances = new HashSet<>();
        assertThat(answers).hasSize(calls).allSatisfy(answer -> {
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(JsonMapper.shared().readTree(answer.body()).path("result").path("content").path(0).path("text").asString())
                    .isEqualTo(ALICES_EVENTS);
            instances.add(servedBy(answer));
        });
        assertThat(instances).hasSize(INSTANCES);
        assertThat(upstreamProxy.count(calendar.tokenEndpoint()) - tokenRequests).as("refreshes at realm B").isEqualTo(1);
        assertThat(Long.parseLong(rows.of(subject).get("version"))).isEqualTo(version + 1);
    }

    /** The user's browser: the connect link and realm B's callback, both through the balancer (any instance). */
    private void connectCalendar(String link) {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        URI callback = browser.authorize(URI.create(link), mcpUrl().resolve("/connect/callback").toString(),
                TestStack.ALICE_CALENDAR);
        assertThat(browser.get(callback).statusCode()).isEqualTo(200);
    }

    /** A stateless 2026-07-28 {@code tools/call} through the round-robin balancer, as the SDK's client writes it. */
    private HttpResponse<String> callTool(String token, String tool, Map<String, Object> arguments,
                                          Map<String, Object> inputResponses, String requestState) throws Exception {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", tool);
        params.put("arguments", arguments);
        if (inputResponses != null) {
            params.put("inputResponses", inputResponses);
        }
        if (requestState != null) {
            params.put("requestState", requestState);
        }
        params.put("_meta", Map.of(MetaKeys.PROTOCOL_VERSION, "2026-07-28", MetaKeys.CLIENT_CAPABILITIES, URL_ELICITATION));
        String body = JsonMapper.shared().writeValueAsString(Map.of("jsonrpc", "2.0", "id", 1, "method", "tools/call", "params", params));
        return http.send(HttpRequest.newBuilder(mcpUrl()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token)
                .header("MCP-Protocol-Version", "2026-07-28").header("Mcp-Method", "tools/call").header("Mcp-Name", tool)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<HttpResponse<String>> concurrently(int calls, Exchange call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < calls; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.send();
                }));
            }
            go.countDown();
            List<HttpResponse<String>> results = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
