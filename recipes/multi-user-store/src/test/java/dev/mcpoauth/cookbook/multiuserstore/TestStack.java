package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.contract.ContractEnvironment;
import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.KeycloakServer;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.postgres.PostgresServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything around the server, once per test JVM: one Keycloak with realm A (MCP users) and realm B
 * (the calendar service), the calendar API, a proxy in front of realm B's back channel (counts
 * token requests, injects faults), and a PostgreSQL server. Each test class takes its own database.
 * Realm A is imported the way the resource-server contract needs it ({@link ContractEnvironment}),
 * so {@link ResourceServerContractTest} and the other tests share one realm and one resource URL.
 */
final class TestStack {

    static final UserCredentials ALICE = new UserCredentials("alice", "alice-demo-password");
    static final UserCredentials BOB = new UserCredentials("bob", "bob-demo-password");
    static final UserCredentials ALICE_CALENDAR = new UserCredentials("alice", "alice-calendar-password");
    static final UserCredentials BOB_CALENDAR = new UserCredentials("bob", "bob-calendar-password");
    static final String CONNECTOR_SECRET = "test-only-connector-secret";
    /** Two key-encryption keys: tests start under k1 and rotate to k2. */
    static final String KEK_1 = "k1:" + java.util.Base64.getEncoder().encodeToString("test-only-key-encryption-key-001".getBytes());
    static final String KEK_2 = "k2:" + java.util.Base64.getEncoder().encodeToString("test-only-key-encryption-key-002".getBytes());
    /** request-state.key, the same for every instance unless a test overrides it. */
    static final String REQUEST_STATE_KEY = java.util.Base64.getEncoder().encodeToString(
            "test-only-request-state-key-default-3".getBytes());

    private static TestStack shared;

    /** Realm A, the resource URL and a counting proxy in front of realm A's JWKS, as the contract sees them. */
    final ContractEnvironment contract;
    final KeycloakServer keycloak;
    final Realm users;
    final Realm calendar;
    /** The MCP server's canonical URL: what tokens carry in aud. Instances listen elsewhere, as behind a load balancer. */
    final URI resource;
    final CalendarApi calendarApi;
    final UpstreamProxy upstreamProxy;
    final PostgresServer postgres;

    private TestStack(ContractEnvironment contract, KeycloakServer keycloak, Realm calendar, CalendarApi calendarApi) {
        this.contract = contract;
        this.resource = contract.mcpUrl();
        this.keycloak = keycloak;
        this.users = contract.realm();
        this.calendar = calendar;
        this.calendarApi = calendarApi;
        this.upstreamProxy = new UpstreamProxy(keycloak.baseUrl());
        this.postgres = PostgresServer.shared();
    }

    static synchronized TestStack shared() {
        if (shared == null) {
            // Also installs the log capture before any server starts: the whole log is checked for tokens.
            ContractEnvironment contract = ContractEnvironment.shared(Path.of("keycloak/users-realm.json"));
            URI resource = contract.mcpUrl();
            KeycloakServer keycloak = Keycloak.shared();
            int calendarPort = FreePort.find();
            URI calendarUrl = URI.create("http://localhost:" + calendarPort);
            Realm calendar = keycloak.importRealm(Path.of("keycloak/calendar-realm.json"), Map.of(
                    "CALENDAR_API_URL", calendarUrl.toString(),
                    "CONNECTOR_SECRET", CONNECTOR_SECRET,
                    "CONNECT_CALLBACK_URL", resource.resolve("/connect/callback").toString()));
            CalendarApi api = new CalendarApi(calendarPort, calendar.issuer(), calendar.jwksUri());
            shared = new TestStack(contract, keycloak, calendar, api);
        }
        return shared;
    }

    URI tokenEndpoint() {
        return calendar.tokenEndpoint();
    }

    /** Refresh and code requests that reached realm B's token endpoint so far. */
    int tokenRequests() {
        return upstreamProxy.count(calendar.tokenEndpoint());
    }

    /** Server configuration for one instance on {@code database}; {@code overrides} win. */
    Map<String, Object> serverProperties(PostgresServer.Database database, Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("micronaut.server.port", FreePort.find());
        properties.put("mcp.resource", resource.toString());
        properties.put("mcp.authorization-server", users.issuer().toString());
        properties.put("upstream.issuer", calendar.issuer().toString());
        properties.put("upstream.token-endpoint", upstreamProxy.url(calendar.tokenEndpoint()).toString());
        properties.put("upstream.revocation-endpoint",
                upstreamProxy.url(URI.create(calendar.issuer() + "/protocol/openid-connect/revoke")).toString());
        properties.put("upstream.client-secret", CONNECTOR_SECRET);
        properties.put("upstream.api-url", calendarApi.url().toString());
        // Long enough for Keycloak on a loaded 2-core machine: a timed-out refresh that Keycloak did process has
        // already rotated the refresh token (see README, "the window that cannot be closed here").
        properties.put("upstream.http-timeout", "3s");
        properties.put("upstream.initial-backoff", "100ms");
        properties.put("upstream.max-backoff", "400ms");
        properties.put("token-store.key-encryption-keys", KEK_1 + "," + KEK_2);
        properties.put("token-store.current-key-id", "k1");
        properties.put("request-state.key", REQUEST_STATE_KEY);
        properties.put("datasources.default.url", database.jdbcUrl());
        properties.put("datasources.default.username", database.user());
        properties.put("datasources.default.password", database.password());
        // Everything at DEBUG: the log must stay free of tokens even then.
        properties.put("logger.levels.dev.mcpoauth.cookbook", "DEBUG");
        properties.put("logger.levels.io.micronaut.security", "DEBUG");
        properties.putAll(overrides);
        return properties;
    }
}
