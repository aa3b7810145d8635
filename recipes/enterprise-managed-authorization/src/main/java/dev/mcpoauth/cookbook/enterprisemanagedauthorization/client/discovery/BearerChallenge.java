package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Bearer} challenge of a {@code WWW-Authenticate} header (RFC 6750 §3), with the
 * parameters MCP reads from it: {@code resource_metadata} (RFC 9728 §5.1), {@code scope} and
 * {@code error}.
 */
public record BearerChallenge(Map<String, String> parameters) {

    // auth-param = token BWS "=" BWS ( token / quoted-string )   (RFC 9110 §11.2)
    private static final Pattern PARAM = Pattern.compile(
            "([A-Za-z0-9!#$%&'*+.^_`|~-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s,]*))");

    private static final Pattern BEARER = Pattern.compile("(?i)(?:^|,)\\s*(bearer)(?=\\s|$)");

    /** The Bearer challenge among the response's {@code WWW-Authenticate} values, if any. */
    public static Optional<BearerChallenge> from(List<String> wwwAuthenticateValues) {
        for (String value : wwwAuthenticateValues) {
            int start = indexOfScheme(value);
            if (start < 0) {
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = PARAM.matcher(value);
            m.region(start + "bearer".length(), value.length());
            while (m.find()) {
                String quoted = m.group(2);
                String v = quoted != null ? quoted.replaceAll("\\\\(.)", "$1") : m.group(3);
                params.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), v);
            }
            return Optional.of(new BearerChallenge(Collections.unmodifiableMap(params))); // keeps the header's order
        }
        return Optional.empty();
    }

    private static int indexOfScheme(String value) {
        Matcher m = BEARER.matcher(value);
        return m.find() ? m.start(1) : -1;
    }

    public Optional<String> resourceMetadata() {
        return Optional.ofNullable(parameters.get("resource_metadata"));
    }

    public Optional<String> scope() {
        return Optional.ofNullable(parameters.get("scope")).filter(s -> !s.isBlank());
    }

    public Optional<String> error() {
        return Optional.ofNullable(parameters.get("error"));
    }

    public boolean isInsufficientScope() {
        return "insufficient_scope".equals(parameters.get("error"));
    }
}
