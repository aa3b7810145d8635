package dev.mcpoauth.cookbook.tokengateway.policy;

import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The policy file: for each backend, the scopes its exchanged tokens may carry, and a rule per tool.
 * A tool the file does not name is denied: adding a tool to a backend does not open it at the gateway.
 *
 * <pre>{@code
 * { "notes": { "scopes": ["mcp:tools", "notes:write"],
 *              "tools": { "list_notes": {}, "add_note": {"scopes": ["notes:write"]},
 *                         "purge_notes": {"deny": true} } } }
 * }</pre>
 * A tool rule may need {@code scopes} (missing: 403 {@code insufficient_scope}, the client can step up,
 * so the tool stays listed), {@code roles} (missing: denied and hidden) or be denied outright.
 */
public final class ToolPolicy {

    /** What the gateway does with one {@code tools/call}. */
    public sealed interface Decision {
        record Allow() implements Decision {
        }

        /** The client may step up: 403 with these scopes (the base scope included). */
        record NeedsScopes(Set<String> scopes) implements Decision {
        }

        /** A JSON-RPC error; the backend never sees the call. */
        record Deny(String reason) implements Decision {
        }
    }

    private record ToolRule(Set<String> scopes, Set<String> roles, boolean deny) {
    }

    private record BackendRules(Set<String> scopes, Map<String, ToolRule> tools) {
    }

    private final Map<String, BackendRules> backends;
    private final String baseScope;

    private ToolPolicy(Map<String, BackendRules> backends, String baseScope) {
        this.backends = backends;
        this.baseScope = baseScope;
    }

    public static ToolPolicy load(Path file, String baseScope) {
        try {
            return parse(Files.readString(file), baseScope);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the policy file " + file.toAbsolutePath(), e);
        }
    }

    static ToolPolicy parse(String json, String baseScope) {
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("The policy file is not valid JSON: " + e.getOriginalMessage());
        }
        Map<String, BackendRules> backends = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> backend : root.properties()) {
            Map<String, ToolRule> tools = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> tool : backend.getValue().path("tools").properties()) {
                JsonNode rule = tool.getValue();
                tools.put(tool.getKey(), new ToolRule(strings(rule.path("scopes")), strings(rule.path("roles")),
                        rule.path("deny").asBoolean(false)));
            }
            Set<String> scopes = strings(backend.getValue().path("scopes"));
            for (ToolRule rule : tools.values()) {
                if (!scopes.containsAll(rule.scopes())) {
                    throw new IllegalArgumentException("Backend " + backend.getKey() + ": a tool needs a scope its "
                            + "exchanged tokens may not carry; add it to the backend's \"scopes\"");
                }
            }
            backends.put(backend.getKey(), new BackendRules(scopes, tools));
        }
        return new ToolPolicy(backends, baseScope);
    }

    /** Every scope a rule of {@code backend} names, the base scope first: its metadata's {@code scopes_supported}. */
    public List<String> scopesSupported(String backend) {
        Set<String> scopes = new LinkedHashSet<>(List.of(baseScope));
        rules(backend).tools().values().forEach(rule -> scopes.addAll(rule.scopes()));
        return new ArrayList<>(scopes);
    }

    /**
     * The scopes the token exchanged for {@code backend} asks for: what the client was granted
     * AND what the backend may receive. The exchange can then only narrow, never widen.
     */
    public Set<String> exchangeScopes(String backend, Set<String> granted) {
        Set<String> scopes = new LinkedHashSet<>(rules(backend).scopes());
        scopes.retainAll(granted);
        return scopes;
    }

    public Decision decide(String backend, String tool, AuthenticatedUser user) {
        ToolRule rule = rules(backend).tools().get(tool);
        if (rule == null) {
            return new Decision.Deny("Tool '" + tool + "' is not available through this gateway");
        }
        if (rule.deny() || !user.roles().containsAll(rule.roles())) {
            return new Decision.Deny("The gateway's policy does not allow you to call '" + tool + "'");
        }
        if (!user.scopes().containsAll(rule.scopes())) {
            Set<String> needed = new LinkedHashSet<>(List.of(baseScope));
            needed.addAll(rule.scopes());
            return new Decision.NeedsScopes(needed);
        }
        return new Decision.Allow();
    }

    /** {@code tools/list} shows what the user may call now or after a step-up; denied tools are hidden. */
    public boolean isListed(String backend, String tool, AuthenticatedUser user) {
        return !(decide(backend, tool, user) instanceof Decision.Deny);
    }

    /** Whether the policy file has a rule for {@code tool} of {@code backend}; a tool it does not name is no tool here. */
    public boolean names(String backend, String tool) {
        return rules(backend).tools().containsKey(tool);
    }

    public boolean knows(String backend) {
        return backends.containsKey(backend);
    }

    private BackendRules rules(String backend) {
        BackendRules rules = backends.get(backend);
        if (rules == null) {
            throw new IllegalArgumentException("No policy for backend " + backend);
        }
        return rules;
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.values().forEach(value -> values.add(value.asString()));
        return Collections.unmodifiableSet(values); // in file order: challenges list scopes as written
    }
}
