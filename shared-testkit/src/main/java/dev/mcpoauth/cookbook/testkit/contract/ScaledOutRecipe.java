package dev.mcpoauth.cookbook.testkit.contract;

import dev.mcpoauth.cookbook.testkit.keycloak.Keycloak;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.process.RecipeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a recipe tells {@link ScaleOutContract} about running several copies of itself: how to start
 * one instance in a JVM of its own, the realm whose tokens name the load balancer's URL, a path every
 * instance answers 200 on (the load balancer's health check), and its tools.
 *
 * <pre>{@code
 * ScaledOutRecipe.of("resource-server-javalin", Path.of("keycloak/realm.json"), instance ->
 *         RecipeProcess.start(instance.name("javalin"), JavalinResourceServer.class.getName(), Path.of("."),
 *                 Map.of("PORT", String.valueOf(instance.port()), "MCP_RESOURCE", instance.mcpUrl().toString(),
 *                         "MCP_AUTHORIZATION_SERVER", instance.realm().issuer().toString())))
 * }</pre>
 *
 * @param realm      imports the realm for a resource at the load balancer's URL; tokens carry that URL in {@code aud}
 * @param launcher   starts instance {@code index} on its own port, serving the load balancer's URL as its public URL
 * @param healthPath a path every instance answers 200 on without a token (the RFC 9728 metadata unless the recipe says
 *                   otherwise)
 * @param tools      the recipe's tools: the identity call is what the clients call, the step-up call the 403
 */
public record ScaledOutRecipe(RealmSetup realm, InstanceLauncher launcher, String healthPath, RecipeTools tools) {

    /** The RFC 9728 metadata of a resource at {@code /mcp}: every recipe serves it, without a token. */
    public static final String METADATA_PATH = "/.well-known/oauth-protected-resource/mcp";

    /** Imports the realm for the resource at {@code mcpUrl} (the load balancer's {@code /mcp}). */
    @FunctionalInterface
    public interface RealmSetup {
        Realm importFor(URI mcpUrl);
    }

    /** Starts one instance as an operator would: its port, its public URL and realm in its environment. */
    @FunctionalInterface
    public interface InstanceLauncher {
        RecipeProcess start(Instance instance);
    }

    /**
     * One instance to start.
     *
     * @param index  0-based: the load balancers' {@code X-Cookbook-Instance} for it
     * @param port   where it listens (on loopback)
     * @param mcpUrl the public URL it serves: the load balancer's, never its own
     * @param realm  the realm whose tokens it accepts
     */
    public record Instance(int index, int port, URI mcpUrl, Realm realm) {

        /** A name for its process and log file: {@code <recipe>-<index>}. */
        public String name(String recipe) {
            return recipe + "-" + index;
        }
    }

    /** A notes recipe: its realm file imported again for the load balancer's URL, health-checked on its metadata. */
    public static ScaledOutRecipe of(Path realmFile, InstanceLauncher launcher) {
        return new ScaledOutRecipe(mcpUrl -> copyOfRealm(realmFile, mcpUrl, Map.of()), launcher, METADATA_PATH,
                RecipeTools.notes());
    }

    public ScaledOutRecipe withTools(RecipeTools tools) {
        return new ScaledOutRecipe(realm, launcher, healthPath, tools);
    }

    public ScaledOutRecipe withRealm(RealmSetup realm) {
        return new ScaledOutRecipe(realm, launcher, healthPath, tools);
    }

    /**
     * The recipe's realm file imported into the shared Keycloak as {@code <its name>-scale-out}, for a
     * resource at {@code mcpUrl}: beside the realm the recipe's other tests use (which names an instance's
     * own URL), not in its place.
     */
    public static Realm copyOfRealm(Path realmFile, URI mcpUrl, Map<String, String> morePlaceholders) {
        String name;
        try {
            name = JsonMapper.shared().readTree(Files.readString(realmFile)).path("realm").asString() + "-scale-out";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> placeholders = new HashMap<>(morePlaceholders);
        placeholders.putAll(ContractRealm.placeholders(mcpUrl));
        return Keycloak.shared().importRealmAs(name, realmFile, placeholders);
    }
}
