package dev.mcpoauth.cookbook.tokengateway;

import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.ALICE;
import static dev.mcpoauth.cookbook.testkit.contract.ContractRealm.CLIENT_ID;
import static dev.mcpoauth.cookbook.tokengateway.GatewayEnvironment.CONTRACT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Limits and outages: each test starts its own gateway (fresh rate limits, empty exchange cache). */
class GatewayResilienceTest {

    private static final String WHOAMI = """
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"resilience-test","version":"1"}}}""";

    private final HttpClient http = HttpClient.newHttpClient();
    private TokenGateway gateway;

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.stop();
        }
    }

    @Test
    void theRequestAfterTheLimitGets429WithRetryAfter() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config().withRateLimit(5, Duration.ofMinutes(1)));
        String token = login();

        for (int request = 1; request <= 5; request++) {
            assertThat(post(token, INITIALIZE, null).statusCode()).as("request %d", request).isEqualTo(200);
        }
        HttpResponse<String> limited = post(token, INITIALIZE, null);

        assertThat(limited.statusCode()).isEqualTo(429);
        // 5 per minute refill one every 12 s: the client is told to wait that long, not a whole minute.
        assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 12L);
        assertThat(limited.body()).contains("\"code\":-32000").contains("Too many requests");
    }

    @Test
    void whileKeycloakIsDownCachedExchangedTokensServeUntilTheyExpireThenA503() throws Exception {
        gateway = GatewayEnvironment.startGateway(GatewayEnvironment.config());
        String token = login();
        HttpResponse<String> initialized = post(token, INITIALIZE, null);
        String session = initialized.headers().firstValue("Mcp-Session-Id").orElseThrow();
        Instant exchangedAt = Instant.now();
        assertThat(post(token, WHOAMI, session).statusCode()).isEqualTo(200);
        long exchanges = gateway.exchangesPerformed();

        CONTRACT.realm().server().stop();
        try {
            assertThat(post(token, WHOAMI, session).statusCode()).isEqualTo(200);
            assertThat(gateway.exchangesPerformed()).isEqualTo(exchanges);

            // The cached token is renewed 10 s before it expires: from then on it needs Keycloak.
            Duration untilRenewal = Duration.between(Instant.now(), exchangedAt
                    .plus(GatewayEnvironment.EXCHANGED_TOKEN_LIFESPAN).minusSeconds(10)).plusSeconds(1);
            Thread.sleep(Math.max(0, untilRenewal.toMillis()));
            Instant asked = Instant.now();
            HttpResponse<String> unavailable = post(token, WHOAMI, session);

            assertThat(Duration.between(asked, Instant.now())).isLessThan(Duration.ofSeconds(6)); // not a hang
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.headers().firstValue("Retry-After")).contains("5");
            assertThat(unavailable.body()).contains("\"id\":3")
                    .contains("The gateway cannot reach its authorization server; try again shortly");
        } finally {
            CONTRACT.realm().server().start();
        }
    }

    private static String login() {
        return AuthorizationCodeFlow.with(CONTRACT.realm(), CLIENT_ID).scope("mcp:tools").resource(CONTRACT.mcpUrl())
                .run(new HeadlessUserAgent(), ALICE).accessToken();
    }

    private HttpResponse<String> post(String token, String body, String session) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(GatewayEnvironment.endpoint("notes"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").timeout(Duration.ofSeconds(30));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
