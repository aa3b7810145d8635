package dev.mcpoauth.cookbook.probe;

/**
 * A check's verdict on the server under test, with what was seen (never a token value).
 *
 * @param because the id of the check whose result this one follows from, or null: a check an earlier
 *                failure prevented is skipped because of it, so one cause is reported once
 */
public record CheckResult(Check check, Verdict verdict, String detail, String because) {

    public CheckResult(Check check, Verdict verdict, String detail) {
        this(check, verdict, detail, null);
    }

    public String id() {
        return check.id();
    }

    /** A violated MUST: makes the probe exit 1. */
    public boolean isFailedMust() {
        return verdict == Verdict.FAIL && check.level() == Level.MUST;
    }

    /** A violated rule of either level: a cause other checks may follow from. */
    public boolean isViolation() {
        return verdict == Verdict.FAIL || (verdict == Verdict.WARN && check.level() == Level.SHOULD);
    }

    @Override
    public String toString() {
        return verdict + " " + check.level() + " " + check.id() + " [" + check.rule() + "]: " + detail
                + (because == null ? "" : " (because of " + because + ")");
    }
}
