package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The 2026-07-28 wire: which revisions the probe reports, and each rule of the stateless wire seen to
 * pass on a server that keeps it and to fail on one that breaks it (one break per test), in
 * {@link FakeMcpServer}, which speaks both revisions on /mcp unless told otherwise.
 */
class ProbeStatelessWireTest {

    private static final List<String> WIRE_RULES = List.of("mcp2026.header-mismatch.mcp-method",
            "mcp2026.header-mismatch.mcp-name", "mcp2026.header-mismatch.protocol-version", "mcp2026.unsupported-version",
            "mcp2026.unknown-method");

    private static final List<String> HEADER_RULES = WIRE_RULES.subList(0, 3);

    private FakeMcpServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeMcpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void reportsBothRevisionsOfADualEraServer() throws Exception {
        ProbeReport report = withToken();

        assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(only(report, "revisions.2025-11-25").detail()).contains("protocolVersion 2025-11-25", "Mcp-Session-Id set");
        assertThat(only(report, "revisions.2026-07-28").detail()).contains("supportedVersions [2026-07-28]");
    }

    @Test
    void passesEveryRuleOfTheStatelessWireOnACompliantServer() throws Exception {
        ProbeReport report = withToken();

        assertThat(report.failedMusts()).isEmpty();
        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.STATELESS_WIRE)
                .filteredOn(r -> r.verdict() != Verdict.SKIP)
                .allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        for (String id : WIRE_RULES) {
            assertThat(only(report, id).verdict()).as(id).isEqualTo(Verdict.PASS);
        }
        // No token, garbage, alg none, an untrusted key: 401, challenge, error, resource_metadata, scope.
        assertThat(report.results()).filteredOn(r -> r.id().startsWith("mcp2026.") && r.id().endsWith(".status"))
                .filteredOn(r -> r.verdict() == Verdict.PASS).hasSize(4);
    }

    /**
     * The body names a tool that does not exist, so a server that refuses that first (-32602) shows nothing about
     * Mcp-Name: not checked, neither passed nor failed.
     */
    @Test
    void reportsAMismatchedToolsCallRefusedForItsUnknownToolAsNotChecked() throws Exception {
        server.ignoresMcpName = true;

        ProbeReport report = withToken();

        CheckResult name = only(report, "mcp2026.header-mismatch.mcp-name");
        assertThat(name.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(name.detail()).startsWith("NOT CHECKED").contains("JSON-RPC -32602", "does not exist",
                "as tools/call mcp-oauth-probe-no-such-tool (MCP-Protocol-Version 2026-07-28) is answered");
        assertThat(report.failedMusts()).isEmpty();
    }

    @Test
    void neverRunsAToolWhenItSendsAMismatchedToolsCall() throws Exception {
        server.ignoresMcpName = true;
        server.unknownToolAsResult = true;

        withToken();

        // Mcp-Name names the listed tool a policy might allow; the body names one that does not exist.
        assertThat(server.statelessRequests).contains("tools/call tools/call whoami true");
        assertThat(server.toolsRun).isEmpty();
    }

    @Test
    void reportsTheRevisionsAsNotDeterminedWithoutAToken() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.NOT_DETERMINED);
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.NOT_DETERMINED);
        assertThat(only(report, "revisions.2026-07-28").detail()).contains("HTTP 401", "give --token-file");
    }

    /** Without a token the server answers 401 first, as it should: the rules are not checked, and never passed. */
    @Test
    void reportsTheWireRulesAsNotCheckedWithoutAToken() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        for (String id : WIRE_RULES) {
            CheckResult result = only(report, id);
            assertThat(result.verdict()).as(id).isEqualTo(Verdict.SKIP);
            assertThat(result.detail()).as(id).startsWith("NOT CHECKED").contains("HTTP 401", "give --token-file");
        }
        assertThat(report.exitCode()).isZero();
    }

    @Test
    void judgesTheWireRulesOfAServerThatChecksThemBeforeTheToken() throws Exception {
        server.validatesBeforeAuthorization = true;
        server.ignoresMcpMethod = true;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        // Refused before the token: passed. Let through to the 401: not checked, neither passed nor failed.
        assertThat(only(report, "mcp2026.header-mismatch.protocol-version").verdict()).isEqualTo(Verdict.PASS);
        assertThat(only(report, "mcp2026.header-mismatch.mcp-method").verdict()).isEqualTo(Verdict.SKIP);
        assertThat(only(report, "mcp2026.header-mismatch.mcp-method").detail()).contains("HTTP 401");
        assertThat(only(report, "mcp2026.header-mismatch.protocol-version").detail()).endsWith("(before authorization)");
    }

    @Test
    void acceptsDiscoverRefusedWithAChallenge() throws Exception {
        ProbeReport report = Probe.of(server.mcpUrl()).run();

        CheckResult discover = only(report, "mcp2026.discover-without-token");
        assertThat(discover.verdict()).isEqualTo(Verdict.PASS);
        assertThat(discover.detail()).contains("HTTP 401", "refused (allowed)", "resource_metadata=");
    }

    @Test
    void acceptsDiscoverAnsweredWithoutAToken() throws Exception {
        server.discoverOpen = true;

        ProbeReport report = Probe.of(server.mcpUrl()).run();

        CheckResult discover = only(report, "mcp2026.discover-without-token");
        assertThat(discover.verdict()).isEqualTo(Verdict.PASS);
        assertThat(discover.detail()).contains("HTTP 200", "answered without a token");
        // The answer shows the revision without a token; tools/list without one is still refused.
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(only(report, "mcp2026.unauthenticated.status").verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void failsA401WithoutAChallengeOnTheStatelessWireOnly() throws Exception {
        server.statelessRefusalWithoutChallenge = true;

        ProbeReport report = withToken();

        assertThat(only(report, "unauthenticated.challenge").verdict()).isEqualTo(Verdict.PASS);
        assertThat(only(report, "mcp2026.discover-without-token").verdict()).isEqualTo(Verdict.FAIL);
        assertThat(only(report, "mcp2026.unauthenticated.challenge").verdict()).isEqualTo(Verdict.FAIL);
        assertThat(only(report, "mcp2026.unauthenticated.challenge").detail()).contains("no WWW-Authenticate header");
        // One cause: the forged tokens' refusals lack it for the same reason.
        assertThat(only(report, "mcp2026.forged.garbage.challenge").because()).isEqualTo("mcp2026.unauthenticated.challenge");
        assertThat(report.exitCode()).isEqualTo(1);
    }

    @Test
    void failsAForgedTokenAcceptedOnTheStatelessWireOnly() throws Exception {
        server.statelessAcceptsAnyToken = true;

        ProbeReport report = withToken();

        assertThat(only(report, "forged.garbage.status").verdict()).isEqualTo(Verdict.PASS);
        CheckResult garbage = only(report, "mcp2026.forged.garbage.status");
        assertThat(garbage.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(garbage.detail()).startsWith("stateless tools/list: HTTP 200");
        // One cause: every forged token let through the same way.
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("mcp2026.forged.garbage.status");
        assertThat(only(report, "mcp2026.forged.untrusted-key.status").because()).isEqualTo("mcp2026.forged.garbage.status");
    }

    @Test
    void reportsAFailureOnBothWiresOnceAsOneCause() throws Exception {
        server.acceptsAlgNone = true;

        ProbeReport report = withToken();

        CheckResult stateless = only(report, "mcp2026.forged.alg-none.status");
        assertThat(stateless.verdict()).isEqualTo(Verdict.SKIP);
        assertThat(stateless.because()).isEqualTo("forged.alg-none.status");
        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactly("forged.alg-none.status");
    }

    static Stream<Arguments> brokenWireRules() {
        return Stream.of(
                Arguments.of("Mcp-Method disagreeing with the body, answered", List.of("mcp2026.header-mismatch.mcp-method"),
                        (Consumer<FakeMcpServer>) s -> s.ignoresMcpMethod = true),
                Arguments.of("Mcp-Name disagreeing with the body, answered", List.of("mcp2026.header-mismatch.mcp-name"),
                        (Consumer<FakeMcpServer>) s -> {
                            s.ignoresMcpName = true;
                            s.unknownToolAsResult = true;
                        }),
                Arguments.of("MCP-Protocol-Version disagreeing with _meta, answered",
                        List.of("mcp2026.header-mismatch.protocol-version"),
                        (Consumer<FakeMcpServer>) s -> s.ignoresProtocolVersionMismatch = true),
                Arguments.of("a header mismatch refused with -32600, not -32020", HEADER_RULES,
                        (Consumer<FakeMcpServer>) s -> s.headerMismatchCode = -32600),
                Arguments.of("a header mismatch refused with HTTP 200", HEADER_RULES,
                        (Consumer<FakeMcpServer>) s -> s.headerMismatchStatus = 200),
                Arguments.of("an unsupported version answered as if supported", List.of("mcp2026.unsupported-version"),
                        (Consumer<FakeMcpServer>) s -> s.acceptsAnyVersion = true),
                Arguments.of("-32022 without data.supported and data.requested", List.of("mcp2026.unsupported-version"),
                        (Consumer<FakeMcpServer>) s -> s.unsupportedVersionData = false),
                Arguments.of("an unknown method answered -32601 with HTTP 200", List.of("mcp2026.unknown-method"),
                        (Consumer<FakeMcpServer>) s -> s.unknownMethodStatus = 200));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenWireRules")
    void failsTheBrokenRuleOfTheStatelessWire(String broken, List<String> ids, Consumer<FakeMcpServer> breakIt)
            throws Exception {
        breakIt.accept(server);

        ProbeReport report = withToken();

        assertThat(report.failedMusts()).extracting(CheckResult::id).containsExactlyElementsOf(ids);
        assertThat(report.exitCode()).isEqualTo(1);
    }

    /** 2026-07-28 is one revision a server MAY support: speaking only 2025-11-25 is information. */
    @Test
    void reportsAServerOfTheInitializeEraOnlyWithoutFailingIt() throws Exception {
        server.speaksStateless = false;

        ProbeReport report = withToken();

        assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.DOES_NOT_SPEAK);
        assertThat(only(report, "revisions.2026-07-28").detail()).contains("HTTP 400", "initialize era");
        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.STATELESS_WIRE)
                .filteredOn(r -> !r.id().equals("mcp2026.discover-without-token"))
                .isNotEmpty().allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.SKIP));
        assertThat(report.failedMusts()).isEmpty();
    }

    @Test
    void reportsAServerOfTheStatelessEraOnlyWithoutFailingIt() throws Exception {
        server.speaksLegacy = false;

        ProbeReport report = withToken();

        assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.DOES_NOT_SPEAK);
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(only(report, "token.accepted").verdict()).isEqualTo(Verdict.PASS);
        assertThat(only(report, "token.tools-list").detail()).isEqualTo("tools: whoami, add_note");
        assertThat(report.failedMusts()).isEmpty();
    }

    @Test
    void printsTheRevisionsItSaw() throws Exception {
        String text = TextReport.render(withToken());

        assertThat(text).contains("\nRevisions: 2025-11-25 speaks, 2026-07-28 speaks\n");
    }

    @Test
    void printsTheWireOfEachStep() throws Exception {
        String text = TextReport.render(withToken());

        assertThat(text).contains("\n1. Request without a token  [2025-11-25 wire: initialize, then Mcp-Session-Id]\n",
                "\n2. Protected resource metadata (RFC 9728)\n",
                "\n8. The 2026-07-28 wire: the refusals again, header/body agreement, versions, methods  [2026-07-28 wire:"
                        + " stateless: MCP-Protocol-Version, Mcp-Method and _meta on every request]\n");
    }

    @Test
    void writesTheRevisionsInJson() throws Exception {
        JsonNode json = JsonMapper.shared().readTree(JsonReport.render(withToken()));

        assertThat(json.get("revisions").get("2025-11-25").get("support").asString()).isEqualTo("speaks");
        assertThat(json.get("revisions").get("2026-07-28").get("support").asString()).isEqualTo("speaks");
        assertThat(json.get("revisions").get("2026-07-28").get("detail").asString()).contains("supportedVersions [2026-07-28]");
    }

    @Test
    void writesTheWireOfEachCheckInJson() throws Exception {
        JsonNode json = JsonMapper.shared().readTree(JsonReport.render(withToken()));

        assertThat(check(json, "mcp2026.unknown-method").get("wire").asString()).isEqualTo("2026-07-28");
        assertThat(check(json, "forged.garbage.status").get("wire").asString()).isEqualTo("2025-11-25");
        assertThat(check(json, "prm.discoverable").has("wire")).isFalse();
    }

    private static JsonNode check(JsonNode json, String id) {
        return json.get("checks").valueStream().filter(c -> c.get("id").asString().equals(id)).findFirst().orElseThrow();
    }

    private ProbeReport withToken() throws ProbeUnreachableException {
        return Probe.of(server.mcpUrl()).token(FakeMcpServer.GOOD_TOKEN).run();
    }

    private static CheckResult only(ProbeReport report, String id) {
        assertThat(report.results(id)).as("results of " + id).hasSize(1);
        return report.results(id).get(0);
    }
}
