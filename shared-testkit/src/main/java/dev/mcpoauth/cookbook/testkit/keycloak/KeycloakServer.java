package dev.mcpoauth.cookbook.testkit.keycloak;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * A running, real Keycloak reachable on loopback. Obtain the one shared by the whole test JVM
 * with {@link Keycloak#shared()} or by declaring a parameter of this type in a test that uses
 * {@link KeycloakExtension}.
 */
public interface KeycloakServer extends AutoCloseable {

    /** Public base URL, e.g. {@code http://localhost:38123}; issuers are {@code baseUrl/realms/<name>}. */
    URI baseUrl();

    /** Client of the admin REST API, authenticated as the bootstrap administrator. */
    KeycloakAdminClient admin();

    /** Where the server's own log goes, for reading after a failed run. */
    Path logFile();

    /** Stops the server, keeping its data: used by "authorization server down" tests. */
    void stop();

    /** Starts a stopped server again on the same URL with the same realms and keys. */
    void start();

    boolean isRunning();

    /** Shuts the server down for good (at JVM exit). */
    @Override
    default void close() {
        stop();
    }

    /**
     * Imports a realm from a realm-export JSON document, replacing a realm of the same name.
     * {@code ${NAME}} placeholders in the document are replaced from {@code placeholders} first;
     * one left unresolved is an error, so a typo cannot silently produce a half-configured realm.
     */
    default Realm importRealm(Path realmJson, Map<String, String> placeholders) {
        return admin().importRealm(RealmJson.read(realmJson, placeholders));
    }

    /**
     * The same realm file imported under another name: a second copy of a recipe's realm beside the one
     * its other tests use (the scale-out tests' realm names the load balancer's URL, not an instance's).
     */
    default Realm importRealmAs(String realmName, Path realmJson, Map<String, String> placeholders) {
        tools.jackson.databind.node.ObjectNode realm = (tools.jackson.databind.node.ObjectNode)
                tools.jackson.databind.json.JsonMapper.shared().readTree(RealmJson.read(realmJson, placeholders));
        realm.put("realm", realmName);
        return admin().importRealm(realm.toString());
    }

    default Realm realm(String name) {
        return new Realm(name, baseUrl().resolve("/realms/" + name), this);
    }
}
