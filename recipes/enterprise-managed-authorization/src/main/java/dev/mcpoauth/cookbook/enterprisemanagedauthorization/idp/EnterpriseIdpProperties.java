package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The enterprise identity provider's configuration ({@code enterprise-idp.*}): who it is, the users and MCP client
 * applications it knows, and the enterprise's policy of which users reach which MCP servers.
 *
 * @param issuer         the IdP's issuer identifier (its OpenID Connect discovery document is below it)
 * @param signingKey     the private JWK (JSON) ID tokens and ID-JAGs are signed with; empty: a new key each start
 *                       (demo only: every ID-JAG an authorization server cached the old key for stops verifying)
 * @param idJagLifetime  how long an ID-JAG is valid: a few minutes, the client redeems it at once (Keycloak refuses
 *                       ID-JAGs valid for longer than its identity provider's limit, 300 s in this recipe's realm)
 * @param users          the directory (demo: in memory; in production LDAP or your user store)
 * @param clients        the MCP client applications the company deployed, each a confidential client here
 * @param mcpServers     the catalogue of approved MCP servers and the enterprise's policy for each
 */
@ConfigurationProperties("enterprise-idp")
public record EnterpriseIdpProperties(URI issuer, String signingKey, @DefaultValue("240s") Duration idJagLifetime,
        List<User> users, List<Client> clients, List<McpServer> mcpServers) {

    public EnterpriseIdpProperties {
        users = users == null ? List.of() : List.copyOf(users);
        clients = clients == null ? List.of() : List.copyOf(clients);
        mcpServers = mcpServers == null ? List.of() : List.copyOf(mcpServers);
        if (idJagLifetime.isNegative() || idJagLifetime.isZero() || idJagLifetime.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("enterprise-idp.id-jag-lifetime must be between 1 s and 5 min, not " + idJagLifetime);
        }
    }

    /** A user: {@code password} in Spring Security's {@code {id}hash} form (bcrypt), never in clear. */
    public record User(String username, String password, Set<String> groups, @DefaultValue("true") boolean enabled) {
        public User {
            groups = groups == null ? Set.of() : Set.copyOf(groups);
        }
    }

    /** An MCP client application: its client id here and its secret ({@code {id}hash} form). */
    public record Client(String clientId, String clientSecret, String name) {
    }

    /**
     * One approved MCP server.
     *
     * @param resource            the MCP server's URL (its RFC 8707 resource identifier, RFC 9728 {@code resource})
     * @param authorizationServer the issuer of the MCP server's authorization server: the ID-JAG's {@code aud}
     * @param clientIds           IdP client id to that client's id at the MCP server's authorization server (the
     *                            ID-JAG's {@code client_id}); a client without an entry gets no ID-JAG for this server
     * @param groups              the groups whose members may reach this server
     * @param scopes              the scopes the enterprise allows for this server
     */
    public record McpServer(String name, URI resource, URI authorizationServer, Map<String, String> clientIds,
            Set<String> groups, Set<String> scopes) {
        public McpServer {
            clientIds = clientIds == null ? Map.of() : Map.copyOf(clientIds);
            groups = groups == null ? Set.of() : Set.copyOf(groups);
            scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        }
    }
}
