package dev.mcpoauth.cookbook.probe;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges the answer to a request that must be refused (no token, or a token that is not valid
 * here): the checks of {@link RejectedCredential}. Pure: it sees only status and headers, so the
 * CLI and the test kit's contract judge the same way whatever sent the request.
 */
public final class UnauthorizedResponse {

    private UnauthorizedResponse() {
    }

    /**
     * @param expectedResourceMetadata the metadata URL the challenge must name, or null to accept any
     */
    public static List<CheckResult> judge(RejectedCredential sent, int status, List<String> wwwAuthenticate,
                                          String expectedResourceMetadata) {
        return judge(sent.on(Revision.MCP_2025_11_25), status, wwwAuthenticate, expectedResourceMetadata);
    }

    /**
     * The same, for the refusal's checks on one wire ({@link RejectedCredential#on(Revision)}).
     *
     * @param expectedResourceMetadata the metadata URL the challenge must name, or null to accept any
     */
    public static List<CheckResult> judge(RefusalChecks sent, int status, List<String> wwwAuthenticate,
                                          String expectedResourceMetadata) {
        List<CheckResult> results = new ArrayList<>();
        CheckResult statusResult = sent.status().judge(status == 401, statusText(status)
                + (status == 200 ? ": the server let the request through" : "")
                + (status >= 500 ? ": a server error instead of a refusal" : ""));
        results.add(statusResult);

        if (status != 401 && wwwAuthenticate.isEmpty()) {
            // Already failed on its status; the challenge checks would only repeat it.
            results.add(sent.challenge().skipBecause(statusResult, "not a 401"));
            skipRest(sent, results, statusResult, "not a 401");
            return results;
        }
        List<BearerChallenge> challenges;
        try {
            challenges = BearerChallenge.allFrom(wwwAuthenticate);
        } catch (IllegalArgumentException duplicated) {
            CheckResult unparsable = sent.challenge().violated(duplicated.getMessage());
            results.add(unparsable);
            skipRest(sent, results, unparsable, "the challenge could not be parsed");
            return results;
        }
        if (challenges.size() != 1) {
            CheckResult notOne = sent.challenge().violated(challenges.isEmpty()
                    ? "no Bearer challenge in " + (wwwAuthenticate.isEmpty() ? "(no WWW-Authenticate header)" : wwwAuthenticate)
                    : challenges.size() + " Bearer challenges");
            results.add(notOne);
            if (challenges.isEmpty()) {
                skipRest(sent, results, notOne, "no Bearer challenge");
                return results;
            }
        } else {
            results.add(sent.challenge().pass("WWW-Authenticate: " + String.join(" | ", wwwAuthenticate)));
        }
        BearerChallenge challenge = challenges.get(0);

        String error = challenge.get("error");
        if (sent.tokenSent()) {
            results.add(sent.error().judge("invalid_token".equals(error), "error=" + quoted(error)));
        } else {
            // RFC 6750 section 3.1: "SHOULD NOT include an error code or other error information".
            results.add(sent.error().judge(error == null, error == null ? "no error code" : "error=" + quoted(error)));
        }

        String resourceMetadata = challenge.get("resource_metadata");
        if (resourceMetadata == null) {
            results.add(sent.resourceMetadata().violated("no resource_metadata: clients must guess the well-known URL"));
        } else if (expectedResourceMetadata != null && !expectedResourceMetadata.equals(resourceMetadata)) {
            results.add(sent.resourceMetadata().violated("resource_metadata=" + quoted(resourceMetadata)
                    + ", expected " + quoted(expectedResourceMetadata)));
        } else {
            results.add(sent.resourceMetadata().pass("resource_metadata=" + quoted(resourceMetadata)));
        }

        String scope = challenge.get("scope");
        results.add(sent.scope().judge(scope != null && !scope.isBlank(), "scope=" + quoted(scope)));
        return results;
    }

    private static void skipRest(RefusalChecks sent, List<CheckResult> results, CheckResult cause, String why) {
        results.add(sent.error().skipBecause(cause, why));
        results.add(sent.resourceMetadata().skipBecause(cause, why));
        results.add(sent.scope().skipBecause(cause, why));
    }

    static String statusText(int status) {
        return "HTTP " + status;
    }

    private static String quoted(String value) {
        return value == null ? "(none)" : "\"" + value + "\"";
    }
}
