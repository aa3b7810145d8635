package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.probe.CheckResult;
import dev.mcpoauth.cookbook.probe.Probe;
import dev.mcpoauth.cookbook.probe.ProbeReport;
import dev.mcpoauth.cookbook.probe.Revision;
import dev.mcpoauth.cookbook.probe.RevisionSupport;
import dev.mcpoauth.cookbook.probe.Step;
import dev.mcpoauth.cookbook.probe.TextReport;
import dev.mcpoauth.cookbook.probe.Verdict;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** What {@code make probe URL=http://127.0.0.1:8090/mcp} checks, run against the proxy's MCP endpoint. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeTest {

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void probeFindsEveryMustMetAtTheProxysMcpEndpoint() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Probe"), ALICE).accessToken();

        ProbeReport report = Probe.of(stack.mcpUrl()).token(token).register(true).run();

        System.out.println(TextReport.render(report));
        assertThat(report.failedMusts()).as(TextReport.render(report)).isEmpty();
        assertThat(report.exitCode()).isZero();
        // Refusals complete, SHOULDs included: 401, one Bearer challenge, error, resource_metadata, scope, for no
        // token, garbage, alg none and a key nobody published.
        assertThat(report.results()).filteredOn(r -> (r.check().step() == Step.UNAUTHENTICATED
                        || r.check().step() == Step.FORGED_TOKENS) && r.verdict() != Verdict.SKIP)
                .hasSize(20).allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        // The probe cannot sign what the proxy trusts, and the proxy issues tokens for its own /mcp only: expiry and
        // audience are the proxy's own tests' (McpEndpointTest), and the probe says it did not test them.
        assertThat(report.results()).filteredOn(r -> r.verdict() == Verdict.SKIP && (r.id().startsWith("forged.")
                        || r.id().startsWith("foreign-token."))).extracting(CheckResult::id)
                .containsExactly("forged.expired.status", "forged.wrong-audience.status", "foreign-token.status");
        // The proxy is the authorization server: issuer, PKCE, CIMD and DCR, RFC 9207.
        for (String id : new String[] {"as.discovery", "as.issuer", "as.endpoints", "as.pkce-s256", "as.registration",
                "as.cimd", "as.iss-parameter", "token.accepted", "prm.resource-identical", "registration.open"}) {
            assertThat(report.results(id)).as(id).singleElement().extracting(CheckResult::verdict).isEqualTo(Verdict.PASS);
        }
        // Open registration, but no RFC 7592 management endpoint: the probe says its client stays.
        assertThat(report.results("registration.delete")).singleElement()
                .satisfies(r -> assertThat(r.detail()).endsWith("stays registered"));
        assertThat(report.results("token.tools-list")).singleElement()
                .satisfies(r -> assertThat(r.detail()).contains("whoami", "list_repositories"));
        assertThat(TextReport.render(report)).doesNotContain(token);
    }

    @Test
    void probeFindsEveryRuleOfThe2026WireMetAtTheProxysMcpEndpoint() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Probe 2026"), ALICE).accessToken();

        ProbeReport report = Probe.of(stack.mcpUrl()).token(token).run();

        assertThat(report.supports(Revision.MCP_2025_11_25)).isEqualTo(RevisionSupport.Support.SPEAKS);
        assertThat(report.supports(Revision.MCP_2026_07_28)).isEqualTo(RevisionSupport.Support.SPEAKS);
        // server/discover without a token; no token, garbage, alg none and an untrusted key refused again (20 checks);
        // Mcp-Method, Mcp-Name, MCP-Protocol-Version disagreeing with the body; an unsupported version; an unknown method.
        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.STATELESS_WIRE && r.verdict() != Verdict.SKIP)
                .hasSize(26).allSatisfy(r -> assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.PASS));
        // As on the 2025-11-25 wire, the probe cannot forge what the proxy trusts: these it says it did not test.
        assertThat(report.results()).filteredOn(r -> r.check().step() == Step.STATELESS_WIRE && r.verdict() == Verdict.SKIP)
                .extracting(CheckResult::id).containsExactly("mcp2026.forged.expired.status",
                        "mcp2026.forged.wrong-audience.status", "mcp2026.foreign-token.status");
        assertThat(report.failedMusts()).isEmpty();
    }
}
