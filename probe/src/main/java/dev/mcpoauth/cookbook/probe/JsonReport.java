package dev.mcpoauth.cookbook.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The report for CI: one JSON object, every check with its id, step, level, rule, verdict and detail. */
public final class JsonReport {

    private JsonReport() {
    }

    public static String render(ProbeReport report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("target", report.target().toString());
        json.put("exitCode", report.exitCode());
        Map<String, Object> summary = new LinkedHashMap<>();
        for (Verdict verdict : Verdict.values()) {
            summary.put(verdict.name().toLowerCase(java.util.Locale.ROOT), report.count(verdict));
        }
        summary.put("failedMust", report.failedMusts().size());
        json.put("summary", summary);
        // Which MCP revisions the server speaks: speaks, does-not-speak or not-determined, each with what was seen.
        Map<String, Object> revisions = new LinkedHashMap<>();
        for (RevisionSupport revision : report.revisions()) {
            revisions.put(revision.revision().version(), Map.of("support", revision.support().label(),
                    "detail", revision.detail()));
        }
        json.put("revisions", revisions);
        List<Map<String, Object>> checks = new ArrayList<>();
        for (CheckResult result : report.results()) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("id", result.id());
            check.put("step", result.check().step().name().toLowerCase(java.util.Locale.ROOT));
            if (result.check().step().wire() != null) {
                check.put("wire", result.check().step().wire().version());
            }
            check.put("level", result.check().level().name());
            check.put("verdict", result.verdict().name());
            check.put("rule", result.check().rule());
            check.put("title", result.check().title());
            check.put("detail", result.detail());
            if (result.because() != null) {
                check.put("because", result.because());
            }
            checks.add(check);
        }
        json.put("checks", checks);
        json.put("notes", report.notes());
        return Json.write(json);
    }

    /** An error before any check could run (usage, unreachable), in the same shape. */
    public static String error(String target, String message, int exitCode) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("target", target);
        json.put("exitCode", exitCode);
        json.put("error", message);
        return Json.write(json);
    }
}
