package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The 2026-07-28 wire, seen from outside: which revisions the server speaks, {@code server/discover}
 * without a token, every refusal of the 2025-11-25 wire again on stateless requests, and the rules
 * only this revision has (MCP 2026-07-28 Streamable HTTP, "Request Metadata"): headers that disagree
 * with the body refused with 400 and -32020, an unsupported version with 400 and -32022, an unknown
 * method with 404 and -32601. Those need a token (authorization comes first); without one they are
 * reported as not checked, never as passed. Nothing here can run a tool: the one {@code tools/call}
 * names a tool that does not exist.
 */
final class StatelessWire {

    /** The spec's own example of a version no server supports (schema, UnsupportedProtocolVersionError). */
    static final String UNSUPPORTED_VERSION = "1900-01-01";
    static final int HEADER_MISMATCH = -32020;
    static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;
    static final int METHOD_NOT_FOUND = -32601;
    /** The errors only a server of the stateless era answers (Streamable HTTP, Backward Compatibility). */
    static final Set<Integer> MODERN_ERRORS = Set.of(HEADER_MISMATCH, -32021, UNSUPPORTED_PROTOCOL_VERSION);
    /** The refusals sent again on this wire, in report order. */
    static final List<RejectedCredential> REFUSALS = List.of(RejectedCredential.NO_TOKEN, RejectedCredential.GARBAGE,
            RejectedCredential.ALG_NONE, RejectedCredential.UNTRUSTED_KEY, RejectedCredential.EXPIRED,
            RejectedCredential.WRONG_AUDIENCE, RejectedCredential.FOREIGN_TOKEN);
    static final String NO_SUCH_TOOL = "mcp-oauth-probe-no-such-tool";
    static final String NO_SUCH_METHOD = "mcp-oauth-probe/no-such-method";
    private static final List<Check> WIRE_RULES = List.of(Checks.MCP_METHOD_MISMATCH, Checks.MCP_NAME_MISMATCH,
            Checks.PROTOCOL_VERSION_MISMATCH, Checks.UNSUPPORTED_VERSION, Checks.UNKNOWN_METHOD);

    /**
     * What the walk on the 2025-11-25 wire found, for this one.
     *
     * @param acceptedToken   the --token, if the server accepted it; null otherwise
     * @param initialize      the answer to initialize (with the token when there is one)
     * @param forgedTokens    the forged tokens sent on the 2025-11-25 wire, each sent again here
     * @param foreignToken    the --foreign-token, if it was sent on the 2025-11-25 wire; null otherwise
     * @param foreignVerdict  that wire's foreign-token.status, or null
     * @param causes          the violations reported so far: one cause is reported once
     */
    record Walked(String acceptedToken, ProbeResponse initialize, boolean initializeWithToken,
                  String challengedMetadataUrl, Map<RejectedCredential, String> forgedTokens, String foreignToken,
                  CheckResult foreignVerdict, List<CheckResult> causes) {
    }

    private final ProbeHttp http;
    private final URI target;

    StatelessWire(ProbeHttp http, URI target) {
        this.http = http;
        this.target = target;
    }

    void check(ProbeReport report, Walked walked) {
        String authorization = walked.acceptedToken() == null ? null : "Bearer " + walked.acceptedToken();
        Optional<ProbeResponse> anonymousDiscover = send(null, StatelessRequest.of(StatelessRequest.DISCOVER));
        Optional<ProbeResponse> discover = authorization == null ? anonymousDiscover
                : send(authorization, StatelessRequest.of(StatelessRequest.DISCOVER));

        RevisionSupport legacy = RevisionSupport.fromInitialize(walked.initialize(), walked.initializeWithToken());
        RevisionSupport stateless = discover.map(d -> RevisionSupport.fromDiscover(d, authorization != null))
                .orElseGet(() -> new RevisionSupport(Revision.MCP_2026_07_28, RevisionSupport.Support.NOT_DETERMINED,
                        "server/discover: no answer"));
        report.add(legacy.result());
        report.add(stateless.result());
        report.setRevisions(List.of(legacy, stateless));
        CheckResult discoverWithoutToken = anonymousDiscover.map(StatelessWire::judgeDiscoverWithoutToken)
                .orElseGet(() -> Checks.DISCOVER_WITHOUT_TOKEN.violated("no answer"));
        Optional<CheckResult> missingChallenge = walked.causes().stream()
                .filter(c -> c.id().equals(RejectedCredential.NO_TOKEN.challenge().id())).findFirst();
        if (discoverWithoutToken.isViolation() && missingChallenge.isPresent()
                && anonymousDiscover.map(ProbeResponse::status).orElse(0) == 401) {
            discoverWithoutToken = Checks.DISCOVER_WITHOUT_TOKEN.skipBecause(missingChallenge.get(),
                    "the same as " + missingChallenge.get().id() + ": " + discoverWithoutToken.detail());
        }
        report.add(discoverWithoutToken);

        if (stateless.support() == RevisionSupport.Support.DOES_NOT_SPEAK) {
            String why = "not tested: the server does not speak 2026-07-28 (see revisions.2026-07-28), which is no"
                    + " failure; its refusals are judged on the 2025-11-25 wire above";
            REFUSALS.forEach(kind -> report.add(kind.on(Revision.MCP_2026_07_28).status().skip(why)));
            WIRE_RULES.forEach(rule -> report.add(rule.skip(why)));
            return;
        }
        checkRefusals(report, walked);
        checkWireRules(report, authorization);
    }

    /** Either answer is allowed: the spec exempts no method from authorization, and requires none be refused. */
    private static CheckResult judgeDiscoverWithoutToken(ProbeResponse answer) {
        Check check = Checks.DISCOVER_WITHOUT_TOKEN;
        String seen = McpResult.describe(answer);
        if (answer.status() / 100 == 2) {
            return McpResult.result(answer).isPresent()
                    ? check.pass(seen + ": answered without a token (allowed: a DiscoverResult carries no user data)")
                    : check.violated(seen + ": a 2xx without a JSON-RPC result");
        }
        if (answer.status() == 401) {
            Optional<BearerChallenge> challenge;
            try {
                challenge = BearerChallenge.from(answer.all("WWW-Authenticate"));
            } catch (IllegalArgumentException e) {
                return check.violated(seen + ": " + e.getMessage());
            }
            return challenge.map(c -> check.pass(seen + ": refused (allowed), WWW-Authenticate: "
                            + String.join(" | ", answer.all("WWW-Authenticate"))
                            + (c.resourceMetadata().isPresent() ? "" : " (no resource_metadata, see unauthenticated.resource-metadata)")))
                    .orElseGet(() -> check.violated(seen + ": a 401 without a Bearer challenge: a client cannot find"
                            + " the authorization server"));
        }
        if (answer.status() >= 500) {
            return check.violated(seen + ": a server error");
        }
        return check.info(seen + ": neither answered nor refused for want of a token (see revisions.2026-07-28)");
    }

    /** Every refusal of the 2025-11-25 wire again, on a stateless tools/list: the same answer is required. */
    private void checkRefusals(ProbeReport report, Walked walked) {
        StatelessRequest toolsList = StatelessRequest.of(StatelessRequest.TOOLS_LIST);
        for (RejectedCredential kind : REFUSALS) {
            RefusalChecks checks = kind.on(Revision.MCP_2026_07_28);
            String token = kind == RejectedCredential.NO_TOKEN ? null
                    : kind == RejectedCredential.FOREIGN_TOKEN ? walked.foreignToken()
                    : walked.forgedTokens().get(kind);
            if (kind != RejectedCredential.NO_TOKEN && token == null) {
                report.add(checks.status().skip(kind == RejectedCredential.FOREIGN_TOKEN
                        ? "not tested: no --foreign-token was sent on the 2025-11-25 wire (see foreign-token.status)"
                        : "not tested: not sent on the 2025-11-25 wire either (see " + kind.status().id() + ")"));
                continue;
            }
            Optional<ProbeResponse> answer = send(token == null ? null : "Bearer " + token, toolsList);
            if (answer.isEmpty()) {
                report.add(checks.status().violated("no answer"));
                continue;
            }
            List<CheckResult> judged = new ArrayList<>(UnauthorizedResponse.judge(checks, answer.get().status(),
                    answer.get().all("WWW-Authenticate"), walked.challengedMetadataUrl()));
            CheckResult status = judged.get(0);
            if (answer.get().status() == 401 && McpResult.result(answer.get()).isPresent()) {
                status = checks.status().violated(McpResult.describe(answer.get())
                        + ": a 401 that carries the request's result: it ran");
            } else if (kind == RejectedCredential.FOREIGN_TOKEN && walked.foreignVerdict() != null
                    && walked.foreignVerdict().verdict() == Verdict.SKIP && status.verdict() == Verdict.PASS) {
                status = checks.status().skipBecause(walked.foreignVerdict(), status.detail()
                        + ": not an audience test, as on the 2025-11-25 wire");
            } else if (kind == RejectedCredential.FOREIGN_TOKEN && walked.foreignVerdict() != null
                    && walked.foreignVerdict().isViolation() && status.isViolation()) {
                status = checks.status().skipBecause(walked.foreignVerdict(), "the same as "
                        + walked.foreignVerdict().id() + ": " + status.detail());
            }
            judged.set(0, status);
            // The same finding as on the 2025-11-25 wire is one cause, reported there; then say which request this was.
            for (CheckResult result : Probe.sameCauseOnce(judged, checks, walked.causes())) {
                report.add(new CheckResult(result.check(), result.verdict(), "stateless tools/list: " + result.detail(),
                        result.because()));
            }
        }
    }

    /** Header/body agreement, versions, methods: each must be refused with its own status and error code. */
    private void checkWireRules(ProbeReport report, String authorization) {
        String listedTool = authorization == null ? null
                : send(authorization, StatelessRequest.of(StatelessRequest.TOOLS_LIST)).flatMap(McpResult::result)
                        .filter(r -> r.get("tools") instanceof List<?> tools && !tools.isEmpty()
                                && tools.get(0) instanceof Map<?, ?> tool && tool.get("name") instanceof String)
                        .map(r -> (String) ((Map<?, ?>) ((List<?>) r.get("tools")).get(0)).get("name"))
                        .orElse(null);
        // A policy that trusts the header would allow a listed tool; the body names one that does not exist.
        String headerTool = listedTool != null ? listedTool : "mcp-oauth-probe-listed-tool";
        judgeRefused(report, authorization, Checks.MCP_METHOD_MISMATCH,
                StatelessRequest.of(StatelessRequest.TOOLS_LIST).withHeaderMethod(StatelessRequest.DISCOVER),
                400, HEADER_MISMATCH, null);
        // The one request with a second fault, on purpose: its body names no tool, so that nothing can run.
        judgeRefused(report, authorization, Checks.MCP_NAME_MISMATCH,
                StatelessRequest.toolsCall(NO_SUCH_TOOL).withTool(NO_SUCH_TOOL, headerTool), 400, HEADER_MISMATCH,
                StatelessRequest.toolsCall(NO_SUCH_TOOL));
        judgeRefused(report, authorization, Checks.PROTOCOL_VERSION_MISMATCH,
                StatelessRequest.of(StatelessRequest.DISCOVER).withMetaVersion(Revision.MCP_2025_11_25.version()),
                400, HEADER_MISMATCH, null);
        judgeRefused(report, authorization, Checks.UNSUPPORTED_VERSION,
                StatelessRequest.of(StatelessRequest.DISCOVER).atVersion(UNSUPPORTED_VERSION), 400,
                UNSUPPORTED_PROTOCOL_VERSION, null);
        judgeRefused(report, authorization, Checks.UNKNOWN_METHOD, StatelessRequest.of(NO_SUCH_METHOD), 404,
                METHOD_NOT_FOUND, null);
    }

    /**
     * @param control for a request the probe made refusable for another reason too (a tool that does not exist),
     *                the same request without the rule's fault, or null: answered the same way, the refusal is for
     *                that other reason and says nothing about the rule (Server Validation requires -32020 only of a
     *                request refused for its headers); answered differently, the rule's fault made the difference
     */
    private void judgeRefused(ProbeReport report, String authorization, Check check, StatelessRequest request,
                              int status, int code, StatelessRequest control) {
        Optional<ProbeResponse> sent = send(authorization, request);
        if (sent.isEmpty()) {
            report.add(check.violated(request.describe() + ": no answer"));
            return;
        }
        ProbeResponse answer = sent.get();
        String seen = request.describe() + ": " + McpResult.describe(answer);
        if (answer.status() == 401 || answer.status() == 403) {
            report.add(check.skip("NOT CHECKED: " + seen + (authorization == null
                    ? ", refused for want of a token before the server reads the request (authorization comes first,"
                            + " as it should); give --token-file to check this rule"
                    : ", refused by authorization before the server reads the request")));
            return;
        }
        boolean met = answer.status() == status && McpResult.errorCode(answer).filter(c -> c == code).isPresent();
        if (!met && control != null && answer.status() / 100 == 4 && McpResult.errorCode(answer).isPresent()) {
            Optional<ProbeResponse> controlled = send(authorization, control);
            if (controlled.isPresent() && controlled.get().status() == answer.status()
                    && McpResult.errorCode(controlled.get()).equals(McpResult.errorCode(answer))) {
                report.add(check.skip("NOT CHECKED: " + seen + ", as " + control.describe() + " is answered: refused for"
                        + " the tool the body names, which does not exist (so that nothing can run), before Mcp-Name was"
                        + " compared with it; whether it is cannot be seen without calling a real tool"));
                return;
            }
        }
        if (met && code == UNSUPPORTED_PROTOCOL_VERSION) {
            Optional<String> wrongData = unsupportedVersionDataProblem(answer);
            if (wrongData.isPresent()) {
                report.add(check.violated(seen + ": " + wrongData.get()));
                return;
            }
        }
        String expected = "HTTP " + status + " with JSON-RPC " + code;
        if (met && code == UNSUPPORTED_PROTOCOL_VERSION) {
            Map<?, ?> data = (Map<?, ?>) McpResult.error(answer).orElseThrow().get("data");
            seen += ", data.supported " + data.get("supported") + ", data.requested " + data.get("requested");
        }
        report.add(met ? check.pass(seen + (authorization == null ? " (before authorization)" : ""))
                : check.violated(seen + ", expected " + expected + (McpResult.result(answer).isPresent()
                        ? ": the server answered the request as if it agreed" : "")));
    }

    /** UnsupportedProtocolVersionError's data: {@code supported}, a non-empty string array, and {@code requested}. */
    private static Optional<String> unsupportedVersionDataProblem(ProbeResponse answer) {
        Object data = McpResult.error(answer).map(e -> e.get("data")).orElse(null);
        if (!(data instanceof Map<?, ?> map)) {
            return Optional.of("error.data is missing: a client cannot learn the supported versions");
        }
        if (!(map.get("supported") instanceof List<?> supported) || supported.isEmpty()
                || !supported.stream().allMatch(v -> v instanceof String)) {
            return Optional.of("error.data.supported is not a non-empty array of versions: " + map.get("supported"));
        }
        if (!UNSUPPORTED_VERSION.equals(map.get("requested"))) {
            return Optional.of("error.data.requested is " + map.get("requested") + ", not " + UNSUPPORTED_VERSION);
        }
        return Optional.empty();
    }

    private Optional<ProbeResponse> send(String authorization, StatelessRequest request) {
        try {
            return Optional.of(http.postMcp(target, authorization, request.body(), request.headers()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
