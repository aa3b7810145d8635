package dev.mcpoauth.cookbook.tokengateway.backends;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The calendar backend: {@code list_events} (needs {@code calendar:read}), {@code sync_calendar}
 * (slow, streams progress notifications) and {@code delete_event} (the gateway's policy requires the
 * realm role {@code calendar-admin}).
 */
public final class CalendarTools {

    static final String CALENDAR_READ = "calendar:read";
    /** Tool name -> scope the backend's token needs beyond the base scope (the gateway's policy asks the same). */
    private static final Map<String, String> EXTRA_SCOPE_BY_TOOL = Map.of("list_events", CALENDAR_READ);
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
        return Stream.of(
                SyncToolSpecification.builder().tool(listEvents).callHandler((exchange, request) -> {
                    BackendUser user = BackendUser.of(exchange);
                    List<String> events = List.of("Stand-up with " + user.username(), "1:1 with " + user.username() + "'s manager");
                    return CallToolResult.builder().addTextContent(String.join("\n", events))
                            .structuredContent(Map.of("events", events)).build();
                }).build(),
                // Progress goes out on the request's event stream while the tool works (MCP progress notifications).
                SyncToolSpecification.builder().tool(syncCalendar).callHandler((exchange, request) -> {
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
                SyncToolSpecification.builder().tool(deleteEvent).callHandler((exchange, request) ->
                        CallToolResult.builder().addTextContent("Deleted event " + request.arguments().get("id") + ".").build())
                        .build())
                .map(tool -> recorded(callRecord, checkingScope(tool))).toList();
    }

    /** Every call that reaches a handler is recorded by tool name: the proof that a denied call never did. */
    private static SyncToolSpecification recorded(List<String> callRecord, SyncToolSpecification tool) {
        return SyncToolSpecification.builder().tool(tool.tool()).callHandler((exchange, request) -> {
            callRecord.add(request.name());
            return tool.callHandler().apply(exchange, request);
        }).build();
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

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
