package dev.mcpoauth.cookbook.githubproxy.mcp;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubAccess;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubAccess.ReconnectRequiredException;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubApi;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The MCP tools: GitHub calls for the signed-in user with their stored GitHub token, which the
 * MCP client never sees. Each call is audited with the MCP client's id.
 */
@Component
class GitHubTools {

    static final String REPOS_READ = "repos:read";

    /**
     * Tool name -> scope it needs beyond the base scope ({@link McpAuthFilter} refuses the call with
     * 403 {@code insufficient_scope} without it, and the tool answers a tool error). Every scope here is
     * also in {@code proxy.scopes}, so clients can ask for it.
     */
    private static final Map<String, String> EXTRA_SCOPE_BY_TOOL = Map.of("list_repositories", REPOS_READ);

    private final McpJsonMapper json;
    private final GitHubAccess github;
    private final GitHubApi api;
    private final AuditLog audit;

    GitHubTools(McpJsonMapper json, GitHubAccess github, GitHubApi api, AuditLog audit) {
        this.json = json;
        this.github = github;
        this.api = api;
        this.audit = audit;
    }

    List<SyncToolSpecification> specifications() {
        return List.of(
                tool("whoami", "Your GitHub account (login, name, id) and the MCP client you are calling through.",
                        this::whoami),
                tool("list_repositories", "Your GitHub repositories, most recently updated first (up to 30). Needs the "
                        + REPOS_READ + " scope.", this::listRepositories));
    }

    /** The extra scope a tool needs, if any. */
    static Optional<String> requiredScope(String toolName) {
        return Optional.ofNullable(EXTRA_SCOPE_BY_TOOL.get(toolName));
    }

    private CallToolResult whoami(AuthenticatedUser caller) throws ReconnectRequiredException {
        JsonNode user = github.call(caller.userId(), api::user);
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("login", user.path("login").asString());
        who.put("name", user.path("name").asString(""));
        who.put("id", user.path("id").asLong());
        who.put("client", caller.clientId());
        return CallToolResult.builder()
                .addTextContent("You are " + who.get("login") + " on GitHub, calling through MCP client " + caller.clientId() + ".")
                .structuredContent(who)
                .build();
    }

    private CallToolResult listRepositories(AuthenticatedUser caller) throws ReconnectRequiredException {
        JsonNode repositories = github.call(caller.userId(), api::repositories);
        List<String> names = new ArrayList<>();
        repositories.values().forEach(repository -> names.add(repository.path("full_name").asString()));
        return CallToolResult.builder()
                .addTextContent(names.isEmpty() ? "You have no repositories." : String.join("\n", names))
                .structuredContent(Map.of("repositories", names))
                .build();
    }

    @FunctionalInterface
    private interface Handler {
        CallToolResult handle(AuthenticatedUser caller) throws ReconnectRequiredException;
    }

    private SyncToolSpecification tool(String name, String description, Handler handler) {
        Tool tool = Tool.builder().name(name).description(description)
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        String scope = EXTRA_SCOPE_BY_TOOL.get(name);
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            AuthenticatedUser caller = AuthenticatedUser.of(exchange);
            // Defence in depth: the tool checks its extra scope again, so a call that ever got past
            // McpAuthFilter's reading of the body still never reaches GitHub.
            if (scope != null && !caller.scopes().contains(scope)) {
                audit.record("tool_call", caller.clientId(), caller.userId(), "insufficient_scope", Map.of("tool", name));
                return error("This tool needs the scope " + scope + "; ask for it and retry");
            }
            try {
                CallToolResult result = handler.handle(caller);
                audit.record("tool_call", caller.clientId(), caller.userId(), "ok", Map.of("tool", name));
                return result;
            } catch (ReconnectRequiredException e) {
                audit.record("tool_call", caller.clientId(), caller.userId(), "reconnect_required", Map.of("tool", name));
                return error("GitHub access for your account has ended (" + e.getMessage() + "). "
                        + "Sign in again: remove and re-add this MCP server in your client, or revoke its token, to start a new authorization.");
            } catch (GitHubApi.GitHubUnavailableException e) {
                audit.record("tool_call", caller.clientId(), caller.userId(), "github_unavailable", Map.of("tool", name));
                return error("GitHub is not reachable right now (" + e.getMessage() + "). Nothing was changed; try again in a minute.");
            }
        }).build();
    }

    private static CallToolResult error(String text) {
        return CallToolResult.builder().isError(true).addTextContent(text).build();
    }
}
