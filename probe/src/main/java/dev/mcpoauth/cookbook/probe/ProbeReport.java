package dev.mcpoauth.cookbook.probe;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Every verdict of one run against one MCP server, in the order the checks ran. */
public final class ProbeReport {

    /** Exit codes of the command line: all MUSTs pass, a MUST failed, usage error or server unreachable. */
    public static final int ALL_MUSTS_PASS = 0;
    public static final int MUST_FAILED = 1;
    public static final int USAGE_OR_UNREACHABLE = 2;

    private final URI target;
    private final List<CheckResult> results = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public ProbeReport(URI target) {
        this.target = target;
    }

    void add(CheckResult result) {
        results.add(result);
    }

    void addAll(Collection<CheckResult> more) {
        results.addAll(more);
    }

    void note(String note) {
        notes.add(note);
    }

    public URI target() {
        return target;
    }

    public List<CheckResult> results() {
        return List.copyOf(results);
    }

    /** Remarks on how the run was made (for example, which key signed the forged tokens). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** The results of one check id (a check may run once per document or issuer). */
    public List<CheckResult> results(String checkId) {
        return results.stream().filter(r -> r.id().equals(checkId)).toList();
    }

    public List<CheckResult> failedMusts() {
        return results.stream().filter(CheckResult::isFailedMust).toList();
    }

    public long count(Verdict verdict) {
        return results.stream().filter(r -> r.verdict() == verdict).count();
    }

    public int exitCode() {
        return failedMusts().isEmpty() ? ALL_MUSTS_PASS : MUST_FAILED;
    }
}
