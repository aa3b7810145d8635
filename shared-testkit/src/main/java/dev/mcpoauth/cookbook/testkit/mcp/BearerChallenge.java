package dev.mcpoauth.cookbook.testkit.mcp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code WWW-Authenticate: Bearer ...} challenge (RFC 6750 section 3), so tests can assert
 * its parameters exactly without depending on their order.
 */
public record BearerChallenge(Map<String, String> parameters) {

    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public static BearerChallenge parse(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw new IllegalArgumentException("Not a Bearer challenge: " + header);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        Matcher matcher = PARAMETER.matcher(header.substring(6));
        while (matcher.find()) {
            if (parameters.put(matcher.group(1), matcher.group(2)) != null) {
                throw new IllegalArgumentException("Parameter " + matcher.group(1) + " appears twice: " + header);
            }
        }
        return new BearerChallenge(parameters);
    }

    public String get(String name) {
        return parameters.get(name);
    }
}
