package dev.mcpoauth.cookbook.testkit.mcp;

import java.util.Map;

/**
 * A parsed {@code WWW-Authenticate: Bearer ...} challenge (RFC 6750 section 3), so tests can assert
 * its parameters exactly without depending on their order. The parsing is the probe's
 * ({@link dev.mcpoauth.cookbook.probe.BearerChallenge}), so the contract and {@code make probe} read a
 * challenge the same way; tests additionally require the header to be a Bearer challenge and nothing else.
 */
public record BearerChallenge(Map<String, String> parameters) {

    /**
     * @throws IllegalArgumentException if the header does not start with the Bearer scheme, a
     *                                  parameter appears twice or is not a quoted string (RFC 6750 section 3)
     */
    public static BearerChallenge parse(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer", 0, 6)
                || (header.length() > 6 && header.charAt(6) != ' ')) {
            throw new IllegalArgumentException("Not a Bearer challenge: " + header);
        }
        dev.mcpoauth.cookbook.probe.BearerChallenge parsed = dev.mcpoauth.cookbook.probe.BearerChallenge.parse(header);
        if (!parsed.tokenValued().isEmpty()) {
            throw new IllegalArgumentException("Not quoted strings: " + parsed.tokenValued() + " in " + header);
        }
        return new BearerChallenge(parsed.parameters());
    }

    public String get(String name) {
        return parameters.get(name);
    }
}
