package dev.mcpoauth.cookbook.probe;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a JSON-RPC result from a Streamable HTTP answer: a JSON body, or the last event of an SSE stream. */
final class McpResult {

    private McpResult() {
    }

    static Optional<Map<String, Object>> message(ProbeResponse response) {
        String contentType = response.first("Content-Type").orElse("");
        if (!contentType.startsWith("text/event-stream")) {
            return Json.object(response.body());
        }
        Optional<Map<String, Object>> last = Optional.empty();
        for (String line : response.body().split("\r?\n")) {
            if (line.startsWith("data:")) {
                Optional<Map<String, Object>> event = Json.object(line.substring(5).trim());
                if (event.isPresent()) {
                    last = event;
                }
            }
        }
        return last;
    }

    /** The names in a {@code tools/list} result, or what came instead. */
    static String toolNames(ProbeResponse response) {
        Optional<Map<String, Object>> message = message(response);
        if (message.isEmpty() || !(message.get().get("result") instanceof Map<?, ?> result)) {
            return "(no JSON-RPC result" + message.map(m -> ": " + m.get("error")).orElse("") + ")";
        }
        if (!(result.get("tools") instanceof List<?> tools)) {
            return "(no tools member)";
        }
        return String.join(", ", tools.stream().map(t -> t instanceof Map<?, ?> tool ? String.valueOf(tool.get("name")) : "?")
                .toList());
    }
}
