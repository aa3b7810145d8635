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

    /** The {@code result} member of the JSON-RPC answer, if it has one. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> result(ProbeResponse response) {
        return message(response).filter(m -> m.get("result") instanceof Map<?, ?>)
                .map(m -> (Map<String, Object>) m.get("result"));
    }

    /** The {@code error} member of the JSON-RPC answer, if it has one. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> error(ProbeResponse response) {
        return message(response).filter(m -> m.get("error") instanceof Map<?, ?>)
                .map(m -> (Map<String, Object>) m.get("error"));
    }

    /** The JSON-RPC error code, if the answer is an error with an integer code. */
    static Optional<Integer> errorCode(ProbeResponse response) {
        return error(response).filter(e -> e.get("code") instanceof Number n && n.doubleValue() == n.intValue())
                .map(e -> ((Number) e.get("code")).intValue());
    }

    /** "HTTP 400, JSON-RPC -32020 "message"", or "HTTP 200, a result": what came back, for a report. */
    static String describe(ProbeResponse response) {
        String status = UnauthorizedResponse.statusText(response.status());
        Optional<Map<String, Object>> error = error(response);
        if (error.isPresent()) {
            return status + ", JSON-RPC " + error.get().get("code") + (error.get().get("message") instanceof String m
                    ? " \"" + (m.length() > 160 ? m.substring(0, 160) + "..." : m) + "\"" : "");
        }
        if (result(response).isPresent()) {
            return status + ", a JSON-RPC result";
        }
        return status + (response.body().isBlank() ? ", empty body" : ", no JSON-RPC message in the body");
    }
}
