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
    private final List<String> secrets = new ArrayList<>();
    private List<RevisionSupport> revisions = List.of();

    public ProbeReport(URI target) {
        this.target = target;
    }

    void add(CheckResult result) {
        results.add(redacted(result));
    }

    void addAll(Collection<CheckResult> more) {
        more.forEach(this::add);
    }

    void note(String note) {
        notes.add(redacted(note));
    }

    /** Replaces {@code old} (the same instance) with {@code replacement}, in place. */
    void replace(CheckResult old, CheckResult replacement) {
        results.replaceAll(r -> r == old ? redacted(replacement) : r);
    }

    /**
     * A value never to print: a real token. The server's answers are quoted in the details, and a server that
     * echoes the bearer value (in an error_description, say) must not get it into the report or a CI log.
     */
    void redact(String secret) {
        if (secret != null && secret.length() >= 8) {
            secrets.add(secret);
        }
    }

    private CheckResult redacted(CheckResult result) {
        String detail = redacted(result.detail());
        return detail.equals(result.detail()) ? result
                : new CheckResult(result.check(), result.verdict(), detail, result.because());
    }

    private String redacted(String text) {
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, "[the token, not printed]");
        }
        return out;
    }

    /** The check a result follows from, through every "because of", or the result itself. */
    CheckResult rootCause(CheckResult result) {
        CheckResult cause = result;
        for (int hops = 0; cause.because() != null && hops < 10; hops++) {
            String id = cause.because();
            CheckResult earlier = results.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
            if (earlier == null) {
                break;
            }
            cause = earlier;
        }
        return cause;
    }

    void setRevisions(List<RevisionSupport> revisions) {
        this.revisions = List.copyOf(revisions);
    }

    /** Which MCP revisions the server speaks, as far as the run could tell (empty before it looked). */
    public List<RevisionSupport> revisions() {
        return revisions;
    }

    /** Whether the server speaks {@code revision}, as far as the run could tell. */
    public RevisionSupport.Support supports(Revision revision) {
        return revisions.stream().filter(r -> r.revision() == revision).map(RevisionSupport::support).findFirst()
                .orElse(RevisionSupport.Support.NOT_DETERMINED);
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
