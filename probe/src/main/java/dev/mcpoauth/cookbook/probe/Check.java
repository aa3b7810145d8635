package dev.mcpoauth.cookbook.probe;

/**
 * One rule the probe checks.
 *
 * @param id    stable identifier, for CI filters and tests ({@code prm.resource})
 * @param step  where in the walk it is checked
 * @param level how strongly the rule binds
 * @param rule  the specification section that states it
 * @param title what a passing server does, in one line
 */
public record Check(String id, Step step, Level level, String rule, String title) {

    public CheckResult pass(String detail) {
        return new CheckResult(this, Verdict.PASS, detail);
    }

    /** Not met: {@link Verdict#FAIL} for a MUST, {@link Verdict#WARN} for a SHOULD. */
    public CheckResult violated(String detail) {
        return new CheckResult(this, level == Level.MUST ? Verdict.FAIL : Verdict.WARN, detail);
    }

    /** Met, with a caveat the reader should see (http allowed on loopback only). */
    public CheckResult warn(String detail) {
        return new CheckResult(this, Verdict.WARN, detail);
    }

    public CheckResult skip(String detail) {
        return new CheckResult(this, Verdict.SKIP, detail);
    }

    /** Not judged because {@code cause} already failed: the one cause is reported once, there. */
    public CheckResult skipBecause(CheckResult cause, String detail) {
        return new CheckResult(this, Verdict.SKIP, detail, cause.id());
    }

    public CheckResult info(String detail) {
        return new CheckResult(this, Verdict.INFO, detail);
    }

    public CheckResult judge(boolean met, String detail) {
        return met ? pass(detail) : violated(detail);
    }
}
