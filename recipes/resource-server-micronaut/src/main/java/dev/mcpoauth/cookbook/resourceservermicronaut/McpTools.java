package dev.mcpoauth.cookbook.resourceservermicronaut;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
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

/**
 * The MCP server's tools and the extra scope each needs. Every tool sees the authenticated user;
 * notes are kept per user ({@code sub}), so one user never reads another's. Each tool is written
 * once ({@link Definition}) and served to 2025-11-25 clients here ({@link #specifications(McpJsonMapper)}) and to
 * 2026-07-28 clients by {@link ModernTools}.
 */
@Singleton
public class McpTools {

    static final String NOTES_WRITE = "notes:write";
    private static final int MAX_NOTE_LENGTH = 500;
    private static final String NO_ARGUMENTS = "{\"type\":\"object\",\"properties\":{}}";

    /** A tool as both protocol revisions describe it, and what it does for a user. */
    record Definition(String name, String description, String inputSchema, Handler handler) {
    }

    interface Handler {
        Answer call(AuthenticatedUser user, Map<String, Object> arguments);
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

    private final Map<String, List<String>> notesBySubject = new ConcurrentHashMap<>();
    private final List<Definition> definitions = List.of(whoami(), addNote(), listNotes());

    /** Tool name -> scope it needs beyond the server's base scope. One place for both tools/list and the 403. */
    private final Map<String, String> extraScopeByTool = Map.of("add_note", NOTES_WRITE);

    List<Definition> definitions() {
        return definitions;
    }

    /**
     * Runs a tool for a user. Defence in depth: a tool needing an extra scope checks it again on the
     * user it runs for, so a call that ever got past McpAuthFilter's reading of the body still changes nothing.
     */
    Answer call(Definition tool, AuthenticatedUser user, Map<String, Object> arguments) {
        Optional<String> scope = requiredScope(tool.name());
        if (scope.isPresent() && !user.scopes().contains(scope.get())) {
            return Answer.error("This tool needs the scope " + scope.get() + "; ask for it and retry");
        }
        return tool.handler().call(user, arguments == null ? Map.of() : arguments);
    }

    /** The tools for the 2025-11-25 SDK server; {@code json} parses their input schemas. */
    List<SyncToolSpecification> specifications(McpJsonMapper json) {
        return definitions.stream().map(tool -> SyncToolSpecification.builder()
                .tool(Tool.builder().name(tool.name()).description(tool.description())
                        .inputSchema(json, tool.inputSchema()).build())
                .callHandler((exchange, request) -> {
                    Answer answer = call(tool, AuthenticatedUser.of(exchange), request.arguments());
                    CallToolResult.Builder result = CallToolResult.builder().addTextContent(answer.text())
                            .isError(answer.isError());
                    return answer.structuredContent() == null ? result.build()
                            : result.structuredContent(answer.structuredContent()).build();
                })
                .build()).toList();
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

    // tag::whoami-tool[]
    private Definition whoami() {
        return new Definition("whoami", "Who the access token says you are: subject, username, client and scopes.",
                NO_ARGUMENTS, (user, arguments) -> {
                    Map<String, Object> who = new LinkedHashMap<>();
                    who.put("subject", user.subject());
                    who.put("username", user.username());
                    who.put("client", user.clientId());
                    who.put("scopes", user.scopes());
                    return Answer.of("You are " + user.username() + " (sub " + user.subject() + "), calling through client "
                            + user.clientId() + " with scopes " + String.join(" ", user.scopes()) + ".", who);
                });
    }
    // end::whoami-tool[]

    private Definition addNote() {
        return new Definition("add_note", "Saves a short note for you. Needs the " + NOTES_WRITE + " scope.", """
                {"type":"object","properties":{"text":{"type":"string","maxLength":%d}},"required":["text"]}"""
                .formatted(MAX_NOTE_LENGTH), this::handleAddNote);
    }

    private Answer handleAddNote(AuthenticatedUser user, Map<String, Object> arguments) {
        if (!(arguments.get("text") instanceof String note) || note.isBlank() || note.length() > MAX_NOTE_LENGTH) {
            return Answer.error("text must be a non-empty string of at most " + MAX_NOTE_LENGTH + " characters");
        }
        List<String> notes = notesBySubject.computeIfAbsent(user.subject(), subject -> new CopyOnWriteArrayList<>());
        notes.add(note);
        return Answer.of("Saved. You have " + notes.size() + " note(s).", Map.of("count", notes.size()));
    }

    private Definition listNotes() {
        return new Definition("list_notes", "Lists your notes (only yours).", NO_ARGUMENTS, (user, arguments) -> {
            List<String> notes = notesBySubject.getOrDefault(user.subject(), List.of());
            return Answer.of(notes.isEmpty() ? "You have no notes." : String.join("\n", notes), Map.of("notes", notes));
        });
    }
}
