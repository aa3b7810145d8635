package dev.mcpoauth.cookbook.testkit.keycloak;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small client of Keycloak's admin REST API: just what the recipes' tests need. It logs in to
 * the master realm as the bootstrap administrator and renews that token when it runs out.
 */
public final class KeycloakAdminClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KeycloakServer server;
    private final String username;
    private final String password;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String accessToken;
    private Instant accessTokenExpiry = Instant.MIN;

    KeycloakAdminClient(KeycloakServer server, String username, String password) {
        this.server = server;
        this.username = username;
        this.password = password;
    }

    /** Creates the realm described by {@code realmJson}, deleting an existing realm of that name first. */
    public Realm importRealm(String realmJson) {
        String name = JSON.readTree(realmJson).path("realm").asString();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Realm JSON has no \"realm\" name");
        }
        if (send("GET", "/admin/realms/" + name, null).statusCode() == 200) {
            expect(send("DELETE", "/admin/realms/" + name, null), 204);
        }
        expect(send("POST", "/admin/realms", realmJson), 201);
        return server.realm(name);
    }

    /**
     * Adds an RSA signing key to a realm and returns the {@code kid} Keycloak gives it. A passive
     * key is published in the realm's JWKS but never used to sign, which lets tests sign tokens
     * that the realm's relying parties trust; an active key with a higher priority than the realm's
     * current key becomes the new signing key, which is how tests rotate keys.
     */
    public String addRsaKey(String realm, RSAPrivateKey privateKey, boolean active, int priority) {
        String pkcs8 = Base64.getEncoder().encodeToString(privateKey.getEncoded());
        Map<String, Object> component = Map.of(
                "name", "testkit-rsa-" + Instant.now().toEpochMilli(),
                "providerId", "rsa",
                "providerType", "org.keycloak.keys.KeyProvider",
                "parentId", realmId(realm),
                "config", Map.of(
                        "privateKey", List.of(pkcs8),
                        "active", List.of(Boolean.toString(active)),
                        "enabled", List.of("true"),
                        "priority", List.of(Integer.toString(priority)),
                        "algorithm", List.of("RS256")));
        HttpResponse<String> created = send("POST", "/admin/realms/" + realm + "/components",
                JSON.writeValueAsString(component));
        expect(created, 201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String componentId = location.substring(location.lastIndexOf('/') + 1);
        for (JsonNode key : realmKeys(realm)) {
            if (componentId.equals(key.path("providerId").asString())) {
                return key.path("kid").asString();
            }
        }
        throw new IllegalStateException("Keycloak did not list the key it just created in realm " + realm);
    }

    /**
     * Removes the key {@code kid} from a realm (deletes its key provider): the realm's JWKS stops publishing it, as
     * when an operator retires a compromised signing key.
     */
    public void removeKey(String realm, String kid) {
        for (JsonNode key : realmKeys(realm)) {
            if (kid.equals(key.path("kid").asString())) {
                expect(send("DELETE", "/admin/realms/" + realm + "/components/" + key.path("providerId").asString(), null), 204);
                return;
            }
        }
        throw new IllegalArgumentException("No key " + kid + " in realm " + realm);
    }

    /** The realm's keys as the admin API lists them (kid, algorithm, status, providerId, ...). */
    public List<JsonNode> realmKeys(String realm) {
        HttpResponse<String> response = send("GET", "/admin/realms/" + realm + "/keys", null);
        expect(response, 200);
        return JSON.readTree(response.body()).path("keys").valueStream().toList();
    }

    private String realmId(String realm) {
        HttpResponse<String> response = send("GET", "/admin/realms/" + realm, null);
        expect(response, 200);
        return JSON.readTree(response.body()).path("id").asString();
    }

    private HttpResponse<String> send(String method, String path, String jsonBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUrl().resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminToken());
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, jsonBody == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody));
        return exchange(request.build());
    }

    private synchronized String adminToken() {
        if (Instant.now().isBefore(accessTokenExpiry)) {
            return accessToken;
        }
        String form = "grant_type=password&client_id=admin-cli"
                + "&username=" + URLEncoder.encode(username, StandardCharsets.UTF_8)
                + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(
                        server.baseUrl().resolve("/realms/master/protocol/openid-connect/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
        expect(response, 200);
        JsonNode token = JSON.readTree(response.body());
        accessToken = token.path("access_token").asString();
        accessTokenExpiry = Instant.now().plusSeconds(Math.max(0, token.path("expires_in").asLong() - 10));
        return accessToken;
    }

    private HttpResponse<String> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak admin call " + request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException("Keycloak admin call " + response.request().method() + " "
                    + response.request().uri().getPath() + " answered " + response.statusCode()
                    + " (expected " + status + "): " + response.body());
        }
    }
}
