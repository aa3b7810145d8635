package dev.mcpoauth.cookbook.githubproxy;

import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hamcrest.Description;
import org.hamcrest.TypeSafeMatcher;

/** A {@code WWW-Authenticate} header that is a Bearer challenge (RFC 6750) with these parameters, in any order. */
final class BearerChallengeMatcher extends TypeSafeMatcher<String> {

    private final Map<String, String> expected;

    private BearerChallengeMatcher(Map<String, String> expected) {
        this.expected = expected;
    }

    /** {@code bearerChallenge("error", "invalid_token", "scope", "mcp:tools")}. */
    static BearerChallengeMatcher bearerChallenge(String... namesAndValues) {
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            expected.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new BearerChallengeMatcher(expected);
    }

    @Override
    protected boolean matchesSafely(String header) {
        if (!header.startsWith("Bearer")) {
            return false;
        }
        BearerChallenge challenge = BearerChallenge.parse(header);
        return expected.entrySet().stream().allMatch(e -> e.getValue().equals(challenge.get(e.getKey())));
    }

    @Override
    public void describeTo(Description description) {
        description.appendText("a Bearer challenge with ").appendValue(expected);
    }
}
