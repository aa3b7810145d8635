package dev.mcpoauth.cookbook.tokengateway.forward;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Copies a backend's answer to the client. An event stream goes event by event, each flushed as it
 * arrives (progress notifications must not wait for the result); the answer to a {@code tools/list}
 * request loses the tools the user may not call. Any other successful answer is copied byte for byte, never
 * parsed: there is nothing in it to rewrite (error answers never get here: {@code GatewayServlet.relayError}).
 */
final class ResponseRelay {

    /** Which tools the user may see. */
    @FunctionalInterface
    interface ToolFilter {
        boolean isListed(String tool);
    }

    private ResponseRelay() {
    }

    /** {@code text/event-stream} (WHATWG HTML, server-sent events): one event per blank-line-terminated block. */
    static void events(InputStream in, HttpServletResponse response, ToolFilter filter)
            throws IOException {
        ServletOutputStream out = response.getOutputStream();
        response.flushBuffer(); // status and headers now: the client knows the stream is open
        if (filter == null) {
            // Nothing to rewrite (not a tools/list answer): the bytes go on as they arrive, each read flushed at
            // once, so no event waits for the next; no lines or strings are made of them. A last event the
            // backend never ended with a blank line reaches the client unended, and a client drops it (WHATWG
            // HTML, "dispatch the event" only on a blank line), as it would straight from the backend.
            byte[] chunk = new byte[8192];
            for (int read = in.read(chunk); read != -1; read = in.read(chunk)) {
                out.write(chunk, 0, read);
                out.flush();
            }
            return;
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<String> event = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.isEmpty()) {
                event.add(line);
                continue;
            }
            writeEvent(out, filtered(event, filter));
            event.clear();
        }
        if (!event.isEmpty()) {
            writeEvent(out, filtered(event, filter)); // an unended last event is filtered too, never passed as it is
        }
    }

    /** {@code application/json}: one JSON-RPC response. */
    static void json(InputStream in, HttpServletResponse response, ToolFilter filter)
            throws IOException {
        if (filter == null) {
            in.transferTo(response.getOutputStream());
            return;
        }
        byte[] body = in.readAllBytes();
        byte[] filtered = filterToolsList(new String(body, StandardCharsets.UTF_8), filter)
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(filtered.length);
        response.getOutputStream().write(filtered);
    }

    private static void writeEvent(ServletOutputStream out, List<String> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append('\n'));
        out.write(text.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The event with its {@code data} rewritten when it carries a tools/list result. */
    private static List<String> filtered(List<String> event, ToolFilter filter) {
        StringBuilder data = new StringBuilder();
        List<String> others = new ArrayList<>();
        for (String line : event) {
            if (line.startsWith("data:")) {
                data.append(data.length() > 0 ? "\n" : "").append(line.substring(line.startsWith("data: ") ? 6 : 5));
            } else {
                others.add(line);
            }
        }
        if (data.length() == 0) {
            return event;
        }
        others.add("data: " + filterToolsList(data.toString(), filter));
        return others;
    }

    /**
     * A JSON-RPC response with {@code result.tools} filtered; anything else unchanged. Called only on
     * the answer to a {@code tools/list} request, where any tool list is that answer: it is filtered
     * whatever its {@code id}, so an id the backend writes in another form (1.0 for 1) cannot unhide a tool.
     */
    static String filterToolsList(String json, ToolFilter filter) {
        JsonNode message;
        try {
            message = JsonMapper.shared().readTree(json);
        } catch (JacksonException notJson) {
            return json;
        }
        if (!(message instanceof ObjectNode response)
                || !(response.path("result").path("tools") instanceof ArrayNode tools)) {
            return json;
        }
        ArrayNode listed = JsonMapper.shared().createArrayNode();
        tools.values().forEach(tool -> {
            if (filter.isListed(tool.path("name").asString(""))) {
                listed.add(tool);
            }
        });
        ((ObjectNode) response.get("result")).set("tools", listed);
        return JsonMapper.shared().writeValueAsString(response); // one line: a single data field
    }
}
