package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.probe.RevisionSupport.Support;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The probe against servers of the MCP Java SDK's own transports (2.2.0): what the SDK answers on the
 * 2026-07-28 wire is what the probe's checks expect, so a server built on it meets every MUST; and a server
 * of either era alone is reported as such, without failing.
 */
class ProbeAgainstSdkServersTest {

    private static final List<String> WIRE_RULES = List.of("mcp2026.header-mismatch.mcp-method",
            "mcp2026.header-mismatch.mcp-name", "mcp2026.header-mismatch.protocol-version", "mcp2026.unsupported-version",
            "mcp2026.unknown-method");

    @Test
    void findsEveryMustMetOnBothWiresOfTheSdksTransports() throws Exception {
        try (SdkMcpServer server = new SdkMcpServer(SdkMcpServer.Revisions.BOTH)) {
            ProbeReport report = Probe.of(server.mcpUrl()).token(SdkMcpServer.GOOD_TOKEN).run();

            assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
            assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(Support.SPEAKS);
            assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(Support.SPEAKS);
            for (String id : WIRE_RULES) {
                assertThat(report.results(id)).as(id).singleElement()
                        .satisfies(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
            }
            assertThat(report.results()).filteredOn(r -> r.id().startsWith("mcp2026.unauthenticated.")
                            || r.id().startsWith("mcp2026.forged.garbage.")).hasSize(10)
                    .allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        }
    }

    @Test
    void reportsTheSdksStatelessTransportAloneAsSpeakingOnly2026() throws Exception {
        try (SdkMcpServer server = new SdkMcpServer(SdkMcpServer.Revisions.STATELESS_ONLY)) {
            ProbeReport report = Probe.of(server.mcpUrl()).token(SdkMcpServer.GOOD_TOKEN).run();

            assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
            assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(Support.DOES_NOT_SPEAK);
            assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(Support.SPEAKS);
            assertThat(report.results("revisions.2025-11-25").get(0).detail()).contains("-32022", "supported [2026-07-28]");
            assertThat(report.results("token.tools-list").get(0).detail()).isEqualTo("tools: whoami");
        }
    }

    @Test
    void reportsTheSdksSessionTransportAloneAsSpeakingOnly2025() throws Exception {
        try (SdkMcpServer server = new SdkMcpServer(SdkMcpServer.Revisions.INITIALIZE_ONLY)) {
            ProbeReport report = Probe.of(server.mcpUrl()).token(SdkMcpServer.GOOD_TOKEN).run();

            assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
            assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(Support.SPEAKS);
            assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(Support.DOES_NOT_SPEAK);
            assertThat(report.results()).filteredOn(r -> WIRE_RULES.contains(r.id()))
                    .allSatisfy(r -> assertThat(r.verdict()).isEqualTo(Verdict.SKIP));
        }
    }
}
