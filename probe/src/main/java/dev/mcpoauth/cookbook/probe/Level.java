package dev.mcpoauth.cookbook.probe;

/** How strongly the rule a check cites binds the server (RFC 2119 keywords). */
public enum Level {
    /** Violating it breaks compliant clients or security: the probe exits 1. */
    MUST,
    /** Recommended: a violation is a warning, the exit code stays 0. */
    SHOULD,
    /** Not a requirement: what the probe saw, for the reader. */
    INFO
}
