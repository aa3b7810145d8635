package dev.mcpoauth.cookbook.probe;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/** Reading metadata documents as plain maps: a probe must report what is wrong, not fail to bind it. */
final class Json {

    private static final JsonMapper MAPPER = JsonMapper.shared();

    private Json() {
    }

    /** The body as a JSON object, or empty if it is not one. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> object(String body) {
        try {
            Object value = MAPPER.readValue(body, Object.class);
            return value instanceof Map<?, ?> map ? Optional.of((Map<String, Object>) map) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    static Optional<String> string(Map<String, Object> json, String name) {
        return json.get(name) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** A JSON array of strings; empty when absent; non-strings become their text. */
    static List<String> strings(Map<String, Object> json, String name) {
        return json.get(name) instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
    }

    static String write(Object value) {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    }
}
