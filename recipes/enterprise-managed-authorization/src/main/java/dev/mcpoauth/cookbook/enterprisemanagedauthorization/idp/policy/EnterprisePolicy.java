package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpProperties;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpProperties.McpServer;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * The enterprise's policy, asked at every token exchange: may this user, through this client application, reach this
 * MCP server (the {@code resource}) at this authorization server (the {@code audience}), with these scopes? The answer
 * names the client's id at that authorization server and the scopes the ID-JAG carries. Nothing is allowed that the
 * catalogue ({@code enterprise-idp.mcp-servers}) does not list: an unknown server, an unlisted client, a user outside
 * the server's groups or a scope the server does not allow is refused.
 */
@Component
public class EnterprisePolicy {

    private final List<McpServer> catalogue;

    public EnterprisePolicy(EnterpriseIdpProperties properties) {
        this.catalogue = properties.mcpServers();
    }

    public Decision decide(String user, Collection<String> groups, String client, URI audience, URI resource,
            Set<String> requestedScopes) {
        McpServer server = catalogue.stream()
                // Exact strings: URI.equals ignores the host's case, and the ID-JAG carries the string the client sent,
                // which the authorization server compares exactly.
                .filter(s -> s.resource().toString().equals(resource.toString())
                        && s.authorizationServer().toString().equals(audience.toString()))
                .findFirst().orElse(null);
        if (server == null) {
            return Decision.refused("invalid_target", "No MCP server " + resource + " with authorization server "
                    + audience + " in the enterprise's catalogue");
        }
        String clientThere = server.clientIds().get(client);
        if (clientThere == null) {
            return Decision.refused("invalid_target", "The client " + client + " is not approved for " + server.name());
        }
        if (groups.stream().noneMatch(server.groups()::contains)) {
            return Decision.refused("invalid_target", "The enterprise's policy does not give " + user + " access to "
                    + server.name());
        }
        Set<String> notAllowed = new TreeSet<>(requestedScopes);
        notAllowed.removeAll(server.scopes());
        if (!notAllowed.isEmpty()) {
            return Decision.refused("invalid_scope", "The enterprise's policy does not allow scope "
                    + String.join(" ", notAllowed) + " for " + server.name());
        }
        // No scope asked for: everything the server allows (its authorization server still grants only what the
        // ID-JAG carries, and only scopes it knows).
        Set<String> scopes = new TreeSet<>(requestedScopes.isEmpty() ? server.scopes() : requestedScopes);
        return new Decision(true, server.name(), clientThere, scopes, null, null);
    }

    /**
     * What the policy answered: allowed (the server's name, the client's id at its authorization server, the
     * ID-JAG's scopes) or refused (the OAuth error code, RFC 8693 {@code invalid_target} or {@code invalid_scope},
     * and why, for the client and the audit log).
     */
    public record Decision(boolean allowed, String server, String clientIdThere, Set<String> scopes, String error,
            String reason) {

        static Decision refused(String error, String reason) {
            return new Decision(false, null, null, Set.of(), error, reason);
        }
    }
}
