package dev.mcpoauth.cookbook.probe;

/** The outcome of one check. */
public enum Verdict {
    PASS,
    /** A MUST is violated. */
    FAIL,
    /** A SHOULD is violated, or the server passes with a caveat (http on loopback). */
    WARN,
    /** Not checked: an earlier step gave nothing to check, or it does not apply. */
    SKIP,
    /** Information only (what the server advertises, a token's claims). */
    INFO
}
