package dev.mcpoauth.cookbook.probe;

/** A check's verdict on the server under test, with what was seen (never a token value). */
public record CheckResult(Check check, Verdict verdict, String detail) {

    public String id() {
        return check.id();
    }

    /** A violated MUST: makes the probe exit 1. */
    public boolean isFailedMust() {
        return verdict == Verdict.FAIL && check.level() == Level.MUST;
    }

    @Override
    public String toString() {
        return verdict + " " + check.level() + " " + check.id() + " [" + check.rule() + "]: " + detail;
    }
}
