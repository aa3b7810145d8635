package dev.mcpoauth.cookbook.testkit.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a realm-export JSON file and fills in its {@code ${NAME}} placeholders. */
final class RealmJson {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");

    private RealmJson() {
    }

    static String read(Path file, Map<String, String> placeholders) {
        String template;
        try {
            template = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read realm file " + file.toAbsolutePath(), e);
        }
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder filled = new StringBuilder();
        while (matcher.find()) {
            String value = placeholders.get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException("Realm file " + file + " uses ${" + matcher.group(1)
                        + "} but no value was given; known: " + placeholders.keySet());
            }
            // The value lands inside a JSON string: quotes and backslashes would break out of it.
            if (value.contains("\"") || value.contains("\\")) {
                throw new IllegalArgumentException("Placeholder value for " + matcher.group(1) + " contains a quote or backslash");
            }
            matcher.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(filled);
        return filled.toString();
    }
}
