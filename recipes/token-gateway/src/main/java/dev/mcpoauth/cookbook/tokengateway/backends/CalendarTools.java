package dev.mcpoauth.cookbook.tokengateway.backends;

import dev.mcpoauth.cookbook.tokengateway.backends.BackendTools.Answer;
import dev.mcpoauth.cookbook.tokengateway.backends.BackendTools.Definition;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The calendar backend: {@code list_events} (needs {@code calendar:read}), {@code sync_calendar}
 * (slow, streams progress notifications) and {@code delete_event} (the gateway's policy requires the
 * realm role {@code calendar-admin}).
 */
public final class CalendarTools {

    static final String CALENDAR_READ = "calendar:read";
    private static final int SYNC_STEPS = 5;

    private CalendarTools() {
    }

    /**
     * @param syncStepDelay how long each of {@code sync_calendar}'s steps takes
     * @param callRecord    where every call that reaches a tool is recorded by name
     */
    public static BackendTools tools(Duration syncStepDelay, List<String> callRecord) {
        Definition listEvents = new Definition("list_events", "Your next events. Needs " + CALENDAR_READ + ".",
                BackendTools.NO_ARGUMENTS, (user, arguments, progress) -> {
                    List<String> events = List.of("Stand-up with " + user.username(),
                            "1:1 with " + user.username() + "'s manager");
                    return Answer.of(String.join("\n", events), Map.of("events", events));
                });
        // Progress goes out on the request's event stream while the tool works (MCP progress notifications).
        Definition syncCalendar = new Definition("sync_calendar",
                "Synchronises your calendar, reporting progress as it goes.", BackendTools.NO_ARGUMENTS,
                (user, arguments, progress) -> {
                    for (int step = 1; step <= SYNC_STEPS; step++) {
                        sleep(syncStepDelay);
                        progress.report(step, SYNC_STEPS, "Synchronised part " + step + " of " + SYNC_STEPS);
                    }
                    return Answer.of("Calendar synchronised.", Map.of("steps", SYNC_STEPS));
                });
        Definition deleteEvent = new Definition("delete_event", "Deletes one of your events.",
                "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}",
                (user, arguments, progress) -> Answer.of("Deleted event " + arguments.get("id") + ".", null));
        return new BackendTools(List.of(listEvents, syncCalendar, deleteEvent), Map.of("list_events", CALENDAR_READ),
                callRecord);
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
