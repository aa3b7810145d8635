package dev.mcpoauth.cookbook.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.docs.BarChart.Bar;
import dev.mcpoauth.cookbook.docs.BarChart.Group;
import dev.mcpoauth.cookbook.docs.BarChart.Limit;
import dev.mcpoauth.cookbook.docs.ResultsTable.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The charts read from a results.md with the rows issue 24 adds ({@code issue-24.md}) and from the table as it
 * was before them ({@code before-issue-24.md}: no peer, no percentiles, the single full-flow row).
 */
class BenchmarkChartsTest {

    static final Path FIXTURES = Path.of("src", "test", "resources", "benchmark-results");

    static ResultsTable fixture(String name) throws Exception {
        return ResultsTable.parse(name, Files.readString(FIXTURES.resolve(name)));
    }

    private static BarChart chart(List<BarChart> charts, String titleStart) {
        return charts.stream().filter(c -> c.title().startsWith(titleStart)).findFirst().orElseThrow();
    }

    @Test
    void drawsTheFiveChartsFromTheIssue24Rows() throws Exception {
        List<BarChart> charts = BenchmarkCharts.of(fixture("issue-24.md"));

        assertThat(charts).extracting(BarChart::title).containsExactly(
                "Auth overhead: throughput with auth as a share of without auth",
                "Auth overhead: tools/call throughput with and without auth (4 clients)",
                "Gateway latency (1 client, tools/call): through the gateway and direct",
                "github-proxy latency (1 client, tools/call whoami): through the proxy and direct",
                "Full flow, bare URL to first tools/call against local Keycloak (median of 7)");
    }

    @Test
    void chartsEachRatioAgainstItsBarWithTheTablesVerdict() throws Exception {
        BarChart ratios = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Auth overhead: throughput with auth");

        assertThat(ratios.groups()).extracting(Group::label).containsExactly("Javalin", "Spring", "Micronaut", "peer");
        assertThat(ratios.groups()).extracting(g -> g.bars().get(0).value()).containsExactly(0.94, 0.52, 0.95, 0.89);
        assertThat(ratios.groups().subList(0, 3)).extracting(g -> g.limit().orElseThrow())
                .containsExactly(new Limit(0.90, "bar >= 0.90", Verdict.PASS), new Limit(0.90, "bar >= 0.90", Verdict.MISS),
                        new Limit(0.90, "bar >= 0.90", Verdict.PASS));
    }

    @Test
    void drawsThePeerWithoutABarOfItsOwn() throws Exception {
        BarChart ratios = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Auth overhead: throughput with auth");

        Group peer = ratios.groups().get(3);
        assertThat(peer.limit()).isEmpty();
        assertThat(peer.detail()).isEqualTo("700 of 790 calls/s, no bar of its own");
        assertThat(ratios.svg()).contains("peer: MCP TypeScript SDK 1.32.2 requireBearerAuth + jose 6.2.19, Node 22");
    }

    @Test
    void writesTheAheadOfThePeerVerdictUnderTheRatios() throws Exception {
        BarChart ratios = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Auth overhead: throughput with auth");

        assertThat(ratios.svg()).contains("Ahead of the peer: Spring below the peer; Javalin 1.49 × the peer: <tspan")
                .contains(">MISS</tspan>");
    }

    @Test
    void putsTheThroughputWithAndWithoutAuthSideBySide() throws Exception {
        BarChart throughput = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Auth overhead: tools/call throughput");

        assertThat(throughput.groups().get(0).bars()).containsExactly(new Bar(0, 1040, "1040 calls/s"),
                new Bar(1, 1102, "1102 calls/s"));
        assertThat(throughput.groups().get(3).bars()).containsExactly(new Bar(0, 700, "700 calls/s"),
                new Bar(1, 790, "790 calls/s"));
    }

    @Test
    void chartsEveryLatencyPercentileThroughAndDirect() throws Exception {
        BarChart gateway = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Gateway latency");

        assertThat(gateway.groups()).extracting(Group::label)
                .containsExactly("p10", "p25", "p50", "p75", "p90", "p99", "p99.9");
        assertThat(gateway.groups().get(6).bars()).containsExactly(new Bar(0, 7.10, "7.10 ms"), new Bar(1, 4.00, "4.00 ms"));
    }

    @Test
    void drawsTheLatencyBarAtDirectPlusTheAddedTimeAllowed() throws Exception {
        BarChart proxy = chart(BenchmarkCharts.of(fixture("issue-24.md")), "github-proxy latency");

        Group p50 = proxy.groups().get(2);
        Group p99 = proxy.groups().get(5);
        assertThat(p50.limit()).contains(new Limit(0.41 + 1, "bar: added <= 1 ms", Verdict.MISS));
        assertThat(p50.detail()).isEqualTo("added +1.89 ms");
        assertThat(p99.limit()).contains(new Limit(2.86 + 3, "bar: added <= 3 ms", Verdict.MISS));
        assertThat(proxy.groups().get(0).limit()).isEmpty();
    }

    @Test
    void showsTheLoginPostOfTheFirstSignInApart() throws Exception {
        BarChart fullFlow = chart(BenchmarkCharts.of(fixture("issue-24.md")), "Full flow");

        assertThat(fullFlow.groups()).extracting(Group::label).containsExactly("returning user", "first sign-in");
        assertThat(fullFlow.groups().get(0).limit()).contains(new Limit(300, "bar <= 300 ms", Verdict.PASS));
        assertThat(fullFlow.groups().get(1).bars()).containsExactly(new Bar(0, 400, "400 ms"), new Bar(1, 150, "150 ms"));
        assertThat(fullFlow.groups().get(1).limit()).isEmpty();
        assertThat(fullFlow.groups().get(1).detail()).isEqualTo("min 300 ms, max 480 ms");
    }

    @Test
    void leavesThePeerOutOfATableWithoutItsRow() throws Exception {
        BarChart ratios = chart(BenchmarkCharts.of(fixture("before-issue-24.md")), "Auth overhead: throughput with auth");

        assertThat(ratios.groups()).extracting(Group::label).containsExactly("Javalin", "Spring", "Micronaut");
        assertThat(ratios.svg()).doesNotContain("peer");
    }

    @Test
    void fallsBackToTheP50AndP99RowsWithoutAPercentilesRow() throws Exception {
        BarChart gateway = chart(BenchmarkCharts.of(fixture("before-issue-24.md")), "Gateway latency");

        assertThat(gateway.groups()).extracting(Group::label).containsExactly("p50", "p99");
        assertThat(gateway.groups().get(0).bars()).containsExactly(new Bar(0, 1.78, "1.78 ms"), new Bar(1, 0.77, "0.77 ms"));
        assertThat(gateway.groups().get(1).limit()).contains(new Limit(4.29 + 3, "bar: added <= 3 ms", Verdict.MISS));
    }

    @Test
    void fallsBackToTheSingleFullFlowRowOfOlderTables() throws Exception {
        BarChart fullFlow = chart(BenchmarkCharts.of(fixture("before-issue-24.md")), "Full flow");

        assertThat(fullFlow.groups()).hasSize(1);
        assertThat(fullFlow.groups().get(0).bars()).containsExactly(new Bar(0, 406, "406 ms"));
        assertThat(fullFlow.groups().get(0).limit()).contains(new Limit(300, "bar <= 300 ms", Verdict.MISS));
    }

    @Test
    void leavesOutAChartWhoseRowsAreAbsent() {
        ResultsTable onlyFullFlow = ResultsTable.parse("results.md",
                "| Full flow, returning user (SSO) | 250 ms | min 220 ms, max 290 ms | 250 ms | <= 300 ms | pass |\n");

        assertThat(BenchmarkCharts.of(onlyFullFlow)).extracting(BarChart::title)
                .containsExactly("Full flow, bare URL to first tools/call against local Keycloak (median of 7)");
    }

    @Test
    void stopsTheBuildOnAnExpectedRowItCannotRead() throws Exception {
        String broken = Files.readString(FIXTURES.resolve("issue-24.md"))
                .replace("| 504 calls/s | 962 calls/s without auth |", "| n/a | 962 calls/s without auth |");

        assertThatThrownBy(() -> BenchmarkCharts.of(ResultsTable.parse("benchmarks/results.md", broken)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("benchmarks/results.md: the row 'Auth overhead, Spring: tools/call throughput, 4 clients' cannot be"
                        + " charted: its measured cell 'n/a' holds 0 numbers, not 1 (docs-site/README.md lists the rows the"
                        + " benchmark page charts)");
    }

    @Test
    void stopsTheBuildOnABarWithoutAVerdict() throws Exception {
        String broken = Files.readString(FIXTURES.resolve("issue-24.md")).replace("| <= 300 ms | pass |", "| <= 300 ms | - |");

        assertThatThrownBy(() -> BenchmarkCharts.of(ResultsTable.parse("benchmarks/results.md", broken)))
                .hasMessageContaining("'Full flow, returning user")
                .hasMessageContaining("it has the bar '<= 300 ms' but the verdict '-'");
    }

    @Test
    void chartsTheResultsCommittedInThisCheckout() throws Exception {
        Path published = Path.of("..", "benchmarks", "results.md");

        List<BarChart> charts = BenchmarkCharts.of(ResultsTable.parse("benchmarks/results.md", Files.readString(published)));

        assertThat(charts).hasSize(5);
    }
}
