package dev.mcpoauth.cookbook.tokengateway.backends;

import dev.mcpoauth.cookbook.tokengateway.backends.BackendTools.Answer;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendTools.Definition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The notes backend: the resource-server contract's tools ({@code whoami}, {@code list_notes},
 * {@code add_note}) and one the gateway's policy never lets through ({@code purge_notes}).
 */
public final class NotesTools {

    static final String NOTES_WRITE = "notes:write";
    private static final int MAX_NOTE_LENGTH = 500;

    private final Map<String, List<String>> notesBySubject = new ConcurrentHashMap<>();

    private NotesTools() {
    }

    /** @param callRecord where every call that reaches a tool is recorded by name */
    public static BackendTools tools(List<String> callRecord) {
        NotesTools notes = new NotesTools();
        return new BackendTools(List.of(notes.whoami(), notes.addNote(), notes.listNotes(), notes.purgeNotes()),
                Map.of("add_note", NOTES_WRITE), callRecord);
    }

    private Definition whoami() {
        return new Definition("whoami",
                "Who the backend's token says you are: subject, username, client (the gateway) and scopes.",
                BackendTools.NO_ARGUMENTS, (user, arguments, progress) -> {
                    Map<String, Object> who = new LinkedHashMap<>();
                    who.put("subject", user.subject());
                    who.put("username", user.username());
                    who.put("client", user.clientId());
                    who.put("scopes", user.scopes());
                    return Answer.of("You are " + user.username() + " (sub " + user.subject() + "), calling through "
                            + user.clientId() + " with scopes " + String.join(" ", user.scopes()) + ".", who);
                });
    }

    private Definition addNote() {
        return new Definition("add_note", "Saves a short note for you. Needs " + NOTES_WRITE + ".", """
                {"type":"object","properties":{"text":{"type":"string","maxLength":%d}},"required":["text"]}"""
                .formatted(MAX_NOTE_LENGTH), (user, arguments, progress) -> {
                    if (!(arguments.get("text") instanceof String note) || note.isBlank()
                            || note.length() > MAX_NOTE_LENGTH) {
                        return Answer.error("text must be a non-empty string of at most " + MAX_NOTE_LENGTH + " characters");
                    }
                    List<String> notes = notesBySubject.computeIfAbsent(user.subject(), subject -> new CopyOnWriteArrayList<>());
                    notes.add(note);
                    return Answer.of("Saved. You have " + notes.size() + " note(s).", Map.of("count", notes.size()));
                });
    }

    private Definition listNotes() {
        return new Definition("list_notes", "Lists your notes (only yours).", BackendTools.NO_ARGUMENTS,
                (user, arguments, progress) -> {
                    List<String> notes = notesBySubject.getOrDefault(user.subject(), List.of());
                    return Answer.of(notes.isEmpty() ? "You have no notes." : String.join("\n", notes),
                            Map.of("notes", notes));
                });
    }

    /** Destructive: the gateway's policy file denies it to everyone. Here only to prove the denial holds. */
    private Definition purgeNotes() {
        return new Definition("purge_notes", "Deletes every user's notes.", BackendTools.NO_ARGUMENTS,
                (user, arguments, progress) -> {
                    notesBySubject.clear();
                    return Answer.of("All notes deleted.", null);
                });
    }
}
