package dev.mcpoauth.cookbook.resourceservermicronaut;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The MCP server's tools and the extra scope each needs. Every tool sees the authenticated user;
 * notes are kept per user ({@code sub}), so one user never reads another's.
 */
@Singleton
public class McpTools {

    static final String NOTES_WRITE = "notes:write";
    private static final int MAX_NOTE_LENGTH = 500;

    private final Map<String, List<String>> notesBySubject = new ConcurrentHashMap<>();

    /** Tool name -> scope it needs beyond the server's base scope. One place for both tools/list and the 403. */
    private final Map<String, String> extraScopeByTool = Map.of("add_note", NOTES_WRITE);

    /** The tools as the MCP SDK registers them; {@code json} parses their input schemas. */
    List<SyncToolSpecification> specifications(McpJsonMapper json) {
        return Stream.of(whoami(json), addNote(json), listNotes(json)).map(this::checkingScope).toList();
    }

    /** The extra scope a tool needs, if any: McpAuthFilter refuses the call without it, and so does the tool. */
    Optional<String> requiredScope(String toolName) {
        return Optional.ofNullable(extraScopeByTool.get(toolName));
    }

    /** RFC 9728 {@code scopes_supported}: the base scope, then every tool scope. */
    List<String> scopesSupported(String baseScope) {
        LinkedHashSet<String> scopes = new LinkedHashSet<>();
        scopes.add(baseScope);
        scopes.addAll(extraScopeByTool.values());
        return new ArrayList<>(scopes);
    }

    /**
     * Defence in depth: a tool needing an extra scope checks it again on the user it runs for, so a call
     * that ever got past McpAuthFilter's reading of the body still changes nothing.
     */
    private SyncToolSpecification checkingScope(SyncToolSpecification spec) {
        Optional<String> scope = requiredScope(spec.tool().name());
        if (scope.isEmpty()) {
            return spec;
        }
        return SyncToolSpecification.builder().tool(spec.tool()).callHandler((exchange, request) ->
                AuthenticatedUser.of(exchange).scopes().contains(scope.get())
                        ? spec.callHandler().apply(exchange, request)
                        : CallToolResult.builder().isError(true)
                                .addTextContent("This tool needs the scope " + scope.get() + "; ask for it and retry")
                                .build())
                .build();
    }

    // tag::whoami-tool[]
    private SyncToolSpecification whoami(McpJsonMapper json) {
        Tool tool = Tool.builder()
                .name("whoami")
                .description("Who the access token says you are: subject, username, client and scopes.")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}")
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            AuthenticatedUser user = AuthenticatedUser.of(exchange);
            Map<String, Object> who = new LinkedHashMap<>();
            who.put("subject", user.subject());
            who.put("username", user.username());
            who.put("client", user.clientId());
            who.put("scopes", user.scopes());
            return CallToolResult.builder()
                    .addTextContent("You are " + user.username() + " (sub " + user.subject() + "), calling through client "
                            + user.clientId() + " with scopes " + String.join(" ", user.scopes()) + ".")
                    .structuredContent(who)
                    .build();
        }).build();
    }
    // end::whoami-tool[]

    private SyncToolSpecification addNote(McpJsonMapper json) {
        Tool tool = Tool.builder()
                .name("add_note")
                .description("Saves a short note for you. Needs the " + NOTES_WRITE + " scope.")
                .inputSchema(json, """
                        {"type":"object","properties":{"text":{"type":"string","maxLength":%d}},"required":["text"]}"""
                        .formatted(MAX_NOTE_LENGTH))
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(this::handleAddNote).build();
    }

    private CallToolResult handleAddNote(McpSyncServerExchange exchange, CallToolRequest request) {
        AuthenticatedUser user = AuthenticatedUser.of(exchange);
        Object text = request.arguments() == null ? null : request.arguments().get("text");
        if (!(text instanceof String note) || note.isBlank() || note.length() > MAX_NOTE_LENGTH) {
            return CallToolResult.builder().isError(true)
                    .addTextContent("text must be a non-empty string of at most " + MAX_NOTE_LENGTH + " characters")
                    .build();
        }
        List<String> notes = notesBySubject.computeIfAbsent(user.subject(), subject -> new CopyOnWriteArrayList<>());
        notes.add(note);
        return CallToolResult.builder()
                .addTextContent("Saved. You have " + notes.size() + " note(s).")
                .structuredContent(Map.of("count", notes.size()))
                .build();
    }

    private SyncToolSpecification listNotes(McpJsonMapper json) {
        Tool tool = Tool.builder()
                .name("list_notes")
                .description("Lists your notes (only yours).")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}")
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) -> {
            List<String> notes = notesBySubject.getOrDefault(AuthenticatedUser.of(exchange).subject(), List.of());
            return CallToolResult.builder()
                    .addTextContent(notes.isEmpty() ? "You have no notes." : String.join("\n", notes))
                    .structuredContent(Map.of("notes", notes))
                    .build();
        }).build();
    }
}
