package dev.mcpoauth.cookbook.probe;

import java.util.Locale;

/** The report for a person: the steps in order, each check's verdict, level, what was seen and the rule. */
public final class TextReport {

    private TextReport() {
    }

    public static String render(ProbeReport report) {
        StringBuilder out = new StringBuilder("mcp-oauth-probe  " + report.target() + "\n");
        Step current = null;
        int number = 0;
        for (CheckResult result : report.results()) {
            if (result.check().step() != current) {
                current = result.check().step();
                out.append("\n").append(++number).append(". ").append(current.title())
                        .append(current.wire() == null ? "" : "  [" + current.wire().version() + " wire: "
                                + current.wire().wire() + "]").append("\n");
            }
            out.append(String.format(Locale.ROOT, "  %-4s %-6s %s: %s%n", result.verdict(), result.check().level(),
                    result.id(), result.check().title()));
            out.append("              ").append(result.detail())
                    .append(result.because() == null ? "" : " (because of " + result.because() + ")").append("\n");
            out.append("              (").append(result.check().rule()).append(")\n");
        }
        if (!report.revisions().isEmpty()) {
            out.append("\nRevisions: ").append(String.join(", ", report.revisions().stream()
                    .map(r -> r.revision().version() + " " + r.support().label()).toList())).append("\n");
        }
        for (String note : report.notes()) {
            out.append("\nNote: ").append(note).append("\n");
        }
        out.append(String.format(Locale.ROOT, "%nResult: %d passed, %d MUST failed, %d warnings (SHOULD or loopback http),"
                        + " %d skipped, %d info. Exit code %d.%n",
                report.count(Verdict.PASS), report.failedMusts().size(), report.count(Verdict.WARN),
                report.count(Verdict.SKIP), report.count(Verdict.INFO), report.exitCode()));
        for (CheckResult failed : report.failedMusts()) {
            out.append("  FAILED ").append(failed.id()).append(": ").append(failed.detail()).append("\n");
        }
        return out.toString();
    }
}
