package dev.mcpoauth.cookbook.tokengateway.backends;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.tokengateway.backends.BackendTools.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The backends' tools on their own, as both protocol revisions' SDK servers call them: the second scope
 * check, behind the gateway's policy.
 */
class BackendToolsTest {

    /** An exchanged token with the base scope only. */
    private final BackendUser baseScopeOnly = new BackendUser("user-1", "alice", "mcp-gateway", List.of("mcp:tools"));

    @Test
    void addNoteRefusesATokenWithoutNotesWriteEvenPastTheGateway() {
        BackendTools notes = NotesTools.tools(new ArrayList<>());

        Answer answer = call(notes, "add_note", Map.of("text", "slipped past the gateway"), baseScopeOnly);

        assertThat(answer.isError()).isTrue();
        assertThat(answer.text()).isEqualTo("This tool needs the scope notes:write; ask for it and retry");
        assertThat(call(notes, "list_notes", Map.of(), baseScopeOnly).structuredContent()).isEqualTo(Map.of("notes", List.of()));
    }

    @Test
    void listEventsRefusesATokenWithoutCalendarReadEvenPastTheGateway() {
        BackendTools calendar = CalendarTools.tools(Duration.ZERO, new ArrayList<>());

        Answer answer = call(calendar, "list_events", Map.of(), baseScopeOnly);

        assertThat(answer.isError()).isTrue();
        assertThat(answer.text()).isEqualTo("This tool needs the scope calendar:read; ask for it and retry");
        assertThat(answer.structuredContent()).isNull();
    }

    @Test
    void everyCallThatReachesAToolIsRecordedEvenARefusedOne() {
        List<String> calls = new ArrayList<>();
        BackendTools notes = NotesTools.tools(calls);

        call(notes, "add_note", Map.of("text", "no scope for it"), baseScopeOnly);
        call(notes, "whoami", Map.of(), baseScopeOnly);

        assertThat(calls).containsExactly("add_note", "whoami");
    }

    @Test
    void syncCalendarReportsEachStepAsProgress() {
        List<String> reported = new ArrayList<>();
        BackendTools calendar = CalendarTools.tools(Duration.ZERO, new ArrayList<>());
        BackendTools.Definition sync = definition(calendar, "sync_calendar");

        Answer answer = calendar.call(sync, baseScopeOnly, Map.of(),
                (done, total, message) -> reported.add(done + "/" + total + " " + message));

        assertThat(answer.structuredContent()).isEqualTo(Map.of("steps", 5));
        assertThat(reported).hasSize(5).first().isEqualTo("1/5 Synchronised part 1 of 5");
    }

    private static Answer call(BackendTools tools, String name, Map<String, Object> arguments, BackendUser user) {
        return tools.call(definition(tools, name), user, arguments, (done, total, message) -> { });
    }

    private static BackendTools.Definition definition(BackendTools tools, String name) {
        return tools.definitions().stream().filter(tool -> tool.name().equals(name)).findFirst().orElseThrow();
    }
}
