package dev.mcpoauth.cookbook.tokengateway.backends;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Tool;
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

    public static List<SyncToolSpecification> specifications(McpJsonMapper json, Duration syncStepDelay,
                                                             List<String> callRecord) {
        Tool listEvents = Tool.builder().name("list_events").description("Your next events. Needs " + CALENDAR_READ + ".")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        Tool syncCalendar = Tool.builder().name("sync_calendar")
                .description("Synchronises your calendar, reporting progress as it goes.")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        Tool deleteEvent = Tool.builder().name("delete_event").description("Deletes one of your events.")
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}")
                .build();
        return List.of(
                SyncToolSpecification.builder().tool(listEvents).callHandler((exchange, request) -> {
                    callRecord.add(request.name());
                    BackendUser user = BackendUser.of(exchange);
                    // Defence in depth: the gateway's policy checked the client's scope; the backend checks its own token.
                    if (!user.scopes().contains(CALENDAR_READ)) {
                        return CallToolResult.builder().isError(true).addTextContent("This token may not read calendars").build();
                    }
                    List<String> events = List.of("Stand-up with " + user.username(), "1:1 with " + user.username() + "'s manager");
                    return CallToolResult.builder().addTextContent(String.join("\n", events))
                            .structuredContent(Map.of("events", events)).build();
                }).build(),
                // Progress goes out on the request's event stream while the tool works (MCP progress notifications).
                SyncToolSpecification.builder().tool(syncCalendar).callHandler((exchange, request) -> {
                    callRecord.add(request.name());
                    Object progressToken = request.meta() == null ? null : request.meta().get("progressToken");
                    for (int step = 1; step <= SYNC_STEPS; step++) {
                        sleep(syncStepDelay);
                        if (progressToken != null) {
                            exchange.progressNotification(new ProgressNotification(progressToken, step, (double) SYNC_STEPS,
                                    "Synchronised part " + step + " of " + SYNC_STEPS));
                        }
                    }
                    return CallToolResult.builder().addTextContent("Calendar synchronised.")
                            .structuredContent(Map.of("steps", SYNC_STEPS)).build();
                }).build(),
                SyncToolSpecification.builder().tool(deleteEvent).callHandler((exchange, request) -> {
                    callRecord.add(request.name());
                    return CallToolResult.builder().addTextContent("Deleted event " + request.arguments().get("id") + ".").build();
                }).build());
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
