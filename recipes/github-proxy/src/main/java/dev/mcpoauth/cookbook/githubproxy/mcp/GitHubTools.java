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
 * MCP client never sees. Each call is audited with the MCP client's id. Each tool is written once
 * ({@link Definition}) and served to 2025-11-25 clients here ({@link #specifications()}) and to
 * 2026-07-28 clients by {@link ModernTools}.
 */
@Component
class GitHubTools {

    static final String REPOS_READ = "repos:read";
    static final String NO_ARGUMENTS = "{\"type\":\"object\",\"properties\":{}}";

    /**
     * Tool name -> scope it needs beyond the base scope ({@link McpAuthFilter} refuses the call with
     * 403 {@code insufficient_scope} without it, and the tool answers a tool error). Every scope here is
     * also in {@code proxy.scopes}, so clients can ask for it.
     */
    private static final Map<String, String> EXTRA_SCOPE_BY_TOOL = Map.of("list_repositories", REPOS_READ);

    /** A tool as both protocol revisions describe it (no arguments), and what it does for a user. */
    record Definition(String name, String description, Handler handler) {
    }

    @FunctionalInterface
    interface Handler {
        Answer call(AuthenticatedUser caller) throws ReconnectRequiredException;
    }

    /** A tool's answer, before it becomes either revision's {@code CallToolResult}. */
    record Answer(String text, Map<String, Object> structuredContent, boolean isError) {

        static Answer of(String text, Map<String, Object> structuredContent) {
            return new Answer(text, structuredContent, false);
        }

        static Answer error(String text) {
            return new Answer(text, null, true);
        }
    }

    private final McpJsonMapper json;
    private final GitHubAccess github;
    private final GitHubApi api;
    private final AuditLog audit;
    private final List<Definition> definitions = List.of(
            new Definition("whoami", "Your GitHub account (login, name, id) and the MCP client you are calling through.",
                    this::whoami),
            new Definition("list_repositories", "Your GitHub repositories, most recently updated first (up to 30). Needs the "
                    + REPOS_READ + " scope.", this::listRepositories));

    GitHubTools(McpJsonMapper json, GitHubAccess github, GitHubApi api, AuditLog audit) {
        this.json = json;
        this.github = github;
        this.api = api;
        this.audit = audit;
    }

    List<Definition> definitions() {
        return definitions;
    }

    /** The extra scope a tool needs, if any. */
    static Optional<String> requiredScope(String toolName) {
        return Optional.ofNullable(EXTRA_SCOPE_BY_TOOL.get(toolName));
    }

    /** Runs a tool for the caller, whichever protocol revision asked, and audits it. */
    Answer call(Definition tool, AuthenticatedUser caller) {
        String name = tool.name();
        Optional<String> scope = requiredScope(name);
        // Defence in depth: the tool checks its extra scope again, so a call that ever got past
        // McpAuthFilter's reading of the body still never reaches GitHub.
        if (scope.isPresent() && !caller.scopes().contains(scope.get())) {
            audit.record("tool_call", caller.clientId(), caller.userId(), "insufficient_scope", Map.of("tool", name));
            return Answer.error("This tool needs the scope " + scope.get() + "; ask for it and retry");
        }
        try {
            Answer answer = tool.handler().call(caller);
            audit.record("tool_call", caller.clientId(), caller.userId(), "ok", Map.of("tool", name));
            return answer;
        } catch (ReconnectRequiredException e) {
            audit.record("tool_call", caller.clientId(), caller.userId(), "reconnect_required", Map.of("tool", name));
            return Answer.error("GitHub access for your account has ended (" + e.getMessage() + "). "
                    + "Sign in again: remove and re-add this MCP server in your client, or revoke its token, to start a new authorization.");
        } catch (GitHubApi.GitHubUnavailableException e) {
            audit.record("tool_call", caller.clientId(), caller.userId(), "github_unavailable", Map.of("tool", name));
            return Answer.error("GitHub is not reachable right now (" + e.getMessage() + "). Nothing was changed; try again in a minute.");
        }
    }

    /** The tools for the 2025-11-25 SDK server. */
    List<SyncToolSpecification> specifications() {
        return definitions.stream().map(tool -> SyncToolSpecification.builder()
                .tool(Tool.builder().name(tool.name()).description(tool.description()).inputSchema(json, NO_ARGUMENTS).build())
                .callHandler((exchange, request) -> {
                    Answer answer = call(tool, AuthenticatedUser.of(exchange));
                    CallToolResult.Builder result = CallToolResult.builder().addTextContent(answer.text())
                            .isError(answer.isError());
                    // The 2025-11-25 SDK's builder refuses a null structuredContent.
                    return answer.structuredContent() == null ? result.build()
                            : result.structuredContent(answer.structuredContent()).build();
                })
                .build()).toList();
    }

    private Answer whoami(AuthenticatedUser caller) throws ReconnectRequiredException {
        JsonNode user = github.call(caller.userId(), api::user);
        Map<String, Object> who = new LinkedHashMap<>();
        who.put("login", user.path("login").asString());
        who.put("name", user.path("name").asString(""));
        who.put("id", user.path("id").asLong());
        who.put("client", caller.clientId());
        return Answer.of("You are " + who.get("login") + " on GitHub, calling through MCP client " + caller.clientId() + ".", who);
    }

    private Answer listRepositories(AuthenticatedUser caller) throws ReconnectRequiredException {
        JsonNode repositories = github.call(caller.userId(), api::repositories);
        List<String> names = new ArrayList<>();
        repositories.values().forEach(repository -> names.add(repository.path("full_name").asString()));
        return Answer.of(names.isEmpty() ? "You have no repositories." : String.join("\n", names),
                Map.of("repositories", names));
    }
}
