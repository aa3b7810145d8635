package dev.mcpoauth.cookbook.probe;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Bearer} challenge of a {@code WWW-Authenticate} header (RFC 6750 section 3), with the
 * parameters MCP reads from it: {@code resource_metadata} (RFC 9728 section 5.1), {@code scope} and
 * {@code error}. Parameter names are case-insensitive (RFC 9110 section 11.2), so they are kept in
 * lower case; values are unquoted.
 *
 * @param parameters    name (lower case) to value
 * @param tokenValued   names whose value was a bare token, not a quoted string: RFC 6750 section 3
 *                      quotes {@code scope} and {@code error}, lenient clients accept both
 */
public record BearerChallenge(Map<String, String> parameters, Set<String> tokenValued) {

    // auth-param = token BWS "=" BWS ( token / quoted-string )   (RFC 9110 section 11.2)
    private static final Pattern PARAM = Pattern.compile(
            "([A-Za-z0-9!#$%&'*+.^_`|~-]+)[ \\t]*=[ \\t]*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,\"]*))");
    private static final Pattern BEARER = Pattern.compile("(?i)(?:^|,)\\s*(bearer)(?=[ \\t]|,|$)");
    private static final Pattern SEPARATORS = Pattern.compile("[ \\t,]*");

    /**
     * Parses one header value that must be a Bearer challenge.
     *
     * @throws IllegalArgumentException if it is not one, or a parameter appears twice (RFC 6750
     *                                  section 3: "MUST NOT appear more than once")
     */
    public static BearerChallenge parse(String header) {
        if (header == null) {
            throw new IllegalArgumentException("No WWW-Authenticate header");
        }
        Matcher scheme = BEARER.matcher(header);
        if (!scheme.find()) {
            throw new IllegalArgumentException("Not a Bearer challenge: " + header);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        Set<String> tokenValued = new TreeSet<>();
        int position = scheme.end(1);
        Matcher separators = SEPARATORS.matcher(header);
        Matcher param = PARAM.matcher(header);
        while (position < header.length()) {
            separators.region(position, header.length()).lookingAt();
            position = separators.end();
            param.region(position, header.length());
            if (position >= header.length() || !param.lookingAt()) {
                break; // the end, or the next challenge's scheme
            }
            String quoted = param.group(2);
            String value = quoted != null ? quoted.replaceAll("\\\\(.)", "$1") : param.group(3);
            String name = param.group(1).toLowerCase(Locale.ROOT);
            if (parameters.put(name, value) != null) {
                throw new IllegalArgumentException("Parameter " + name + " appears twice: " + header);
            }
            if (quoted == null) {
                tokenValued.add(name);
            }
            position = param.end();
        }
        return new BearerChallenge(Collections.unmodifiableMap(parameters), Collections.unmodifiableSet(tokenValued));
    }

    /** The Bearer challenges among a response's {@code WWW-Authenticate} values (each parsed). */
    public static List<BearerChallenge> allFrom(List<String> wwwAuthenticateValues) {
        List<BearerChallenge> challenges = new ArrayList<>();
        for (String value : wwwAuthenticateValues) {
            if (BEARER.matcher(value).find()) {
                challenges.add(parse(value));
            }
        }
        return challenges;
    }

    /** The first Bearer challenge among the values, if any. */
    public static Optional<BearerChallenge> from(List<String> wwwAuthenticateValues) {
        return allFrom(wwwAuthenticateValues).stream().findFirst();
    }

    public String get(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }

    public Optional<String> resourceMetadata() {
        return Optional.ofNullable(get("resource_metadata"));
    }

    public Optional<String> scope() {
        return Optional.ofNullable(get("scope")).filter(s -> !s.isBlank());
    }

    public Optional<String> error() {
        return Optional.ofNullable(get("error"));
    }
}
