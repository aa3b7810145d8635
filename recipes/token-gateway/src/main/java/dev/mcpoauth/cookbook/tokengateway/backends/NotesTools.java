package dev.mcpoauth.cookbook.tokengateway.backends;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The notes backend: the resource-server contract's tools ({@code whoami}, {@code list_notes},
 * {@code add_note}) and one the gateway's policy never lets through ({@code purge_notes}).
 */
public final class NotesTools {

    static final String NOTES_WRITE = "notes:write";
    /** Tool name -> scope the backend's token needs beyond the base scope (the gateway's policy asks the same). */
    private static final Map<String, String> EXTRA_SCOPE_BY_TOOL = Map.of("add_note", NOTES_WRITE);
    private static final int MAX_NOTE_LENGTH = 500;

    private final McpJsonMapper json;
    private final Map<String, List<String>> notesBySubject = new ConcurrentHashMap<>();

    private NotesTools(McpJsonMapper json) {
        this.json = json;
    }

    public static List<SyncToolSpecification> specifications(McpJsonMapper json, List<String> callRecord) {
        NotesTools tools = new NotesTools(json);
        return Stream.of(tools.whoami(), tools.addNote(), tools.listNotes(), tools.purgeNotes())
                .map(tool -> tools.recorded(callRecord, checkingScope(tool))).toList();
    }

    /**
     * Defence in depth: a tool needing an extra scope checks it on the exchanged token it runs for (the
     * gateway's policy checked the client's), so a call that ever got past the gateway still changes nothing.
     */
    private static SyncToolSpecification checkingScope(SyncToolSpecification tool) {
        String scope = EXTRA_SCOPE_BY_TOOL.get(tool.tool().name());
        if (scope == null) {
            return tool;
        }
        return SyncToolSpecification.builder().tool(tool.tool()).callHandler((exchange, request) ->
                BackendUser.of(exchange).scopes().contains(scope)
                        ? tool.callHandler().apply(exchange, request)
                        : CallToolResult.builder().isError(true)
                                .addTextContent("This tool needs the scope " + scope + "; ask for it and retry").build())
                .build();
    }

    /** Every call that reaches a handler is recorded by tool name: the proof that a denied call never did. */
    private SyncToolSpecification recorded(List<String> callRecord, SyncToolSpecification tool) {
        return SyncToolSpecification.builder().tool(tool.tool()).callHandler((exchange, request) -> {
            callRecord.add(request.name());
            return tool.callHandler().apply(exchange, request);
        }).build();
    }

    private SyncToolSpecification whoami() {
        return tool("whoami", "Who the backend's token says you are: subject, username, client (the gateway) and scopes.",
                (exchange, request) -> {
                    BackendUser user = BackendUser.of(exchange);
                    Map<String, Object> who = new LinkedHashMap<>();
                    who.put("subject", user.subject());
                    who.put("username", user.username());
                    who.put("client", user.clientId());
                    who.put("scopes", user.scopes());
                    return CallToolResult.builder()
                            .addTextContent("You are " + user.username() + " (sub " + user.subject() + "), calling through "
                                    + user.clientId() + " with scopes " + String.join(" ", user.scopes()) + ".")
                            .structuredContent(who).build();
                });
    }

    private SyncToolSpecification addNote() {
        Tool tool = Tool.builder().name("add_note").description("Saves a short note for you. Needs " + NOTES_WRITE + ".")
                .inputSchema(json, """
                        {"type":"object","properties":{"text":{"type":"string","maxLength":%d}},"required":["text"]}"""
                        .formatted(MAX_NOTE_LENGTH))
                .build();
        return SyncToolSpecification.builder().tool(tool).callHandler(this::handleAddNote).build();
    }

    private CallToolResult handleAddNote(McpSyncServerExchange exchange, CallToolRequest request) {
        BackendUser user = BackendUser.of(exchange);
        Object text = request.arguments() == null ? null : request.arguments().get("text");
        if (!(text instanceof String note) || note.isBlank() || note.length() > MAX_NOTE_LENGTH) {
            return CallToolResult.builder().isError(true)
                    .addTextContent("text must be a non-empty string of at most " + MAX_NOTE_LENGTH + " characters").build();
        }
        List<String> notes = notesBySubject.computeIfAbsent(user.subject(), subject -> new CopyOnWriteArrayList<>());
        notes.add(note);
        return CallToolResult.builder().addTextContent("Saved. You have " + notes.size() + " note(s).")
                .structuredContent(Map.of("count", notes.size())).build();
    }

    private SyncToolSpecification listNotes() {
        return tool("list_notes", "Lists your notes (only yours).", (exchange, request) -> {
            List<String> notes = notesBySubject.getOrDefault(BackendUser.of(exchange).subject(), List.of());
            return CallToolResult.builder()
                    .addTextContent(notes.isEmpty() ? "You have no notes." : String.join("\n", notes))
                    .structuredContent(Map.of("notes", notes)).build();
        });
    }

    /** Destructive: the gateway's policy file denies it to everyone. Here only to prove the denial holds. */
    private SyncToolSpecification purgeNotes() {
        return tool("purge_notes", "Deletes every user's notes.", (exchange, request) -> {
            notesBySubject.clear();
            return CallToolResult.builder().addTextContent("All notes deleted.").build();
        });
    }

    private SyncToolSpecification tool(String name, String description,
                                       BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        Tool tool = Tool.builder().name(name).description(description)
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        return SyncToolSpecification.builder().tool(tool).callHandler(handler).build();
    }
}
