package dev.mcpoauth.cookbook.probe;

import java.util.List;

/**
 * What a request that must be refused carries instead of a valid token, and the checks its answer
 * passes: 401, a Bearer challenge, {@code error="invalid_token"} exactly when a token was sent, the
 * {@code resource_metadata} URL and the {@code scope} to ask for.
 */
public enum RejectedCredential {
    NO_TOKEN("unauthenticated", "no Authorization header", Step.UNAUTHENTICATED, Rules.TOKEN_HANDLING),
    GARBAGE("forged.garbage", "a Bearer value that is not a token", Step.FORGED_TOKENS, Rules.TOKEN_HANDLING),
    ALG_NONE("forged.alg-none", "an unsigned JWT (alg: none, RFC 7519 section 6)", Step.FORGED_TOKENS, Rules.TOKEN_HANDLING),
    UNTRUSTED_KEY("forged.untrusted-key", "a JWT with the advertised issuer, audience and scope, signed with a key"
            + " nobody published", Step.FORGED_TOKENS, Rules.TOKEN_HANDLING),
    /** Needs a key the server trusts ({@link Probe#signer}): otherwise refused for its signature, not its expiry. */
    EXPIRED("forged.expired", "a JWT expired an hour ago, signed with a key the server trusts", Step.FORGED_TOKENS,
            Rules.TOKEN_HANDLING),
    /** Needs a key the server trusts ({@link Probe#signer}): otherwise refused for its signature, not its audience. */
    WRONG_AUDIENCE("forged.wrong-audience", "a JWT for another resource (RFC 8707), signed with a key the server trusts",
            Step.FORGED_TOKENS, Rules.AUDIENCE_VALIDATION),
    /** A real token the server's own authorization server issued for another resource ({@code --foreign-token}). */
    FOREIGN_TOKEN("foreign-token", "a real token from the server's authorization server, issued for another resource",
            Step.AUDIENCE, Rules.AUDIENCE_VALIDATION),
    /** Any other invalid token a caller forged (the test kit's contract has more kinds than the CLI). */
    INVALID("forged.invalid", "an invalid token", Step.FORGED_TOKENS, Rules.TOKEN_HANDLING);

    private final String description;
    private final RefusalChecks legacy;
    private final RefusalChecks stateless;

    RejectedCredential(String idPrefix, String description, Step step, String statusRule) {
        this.description = description;
        boolean tokenSent = step != Step.UNAUTHENTICATED;
        this.legacy = RefusalChecks.of(idPrefix, step, tokenSent, step == Step.AUDIENCE, statusRule);
        this.stateless = RefusalChecks.of(STATELESS_PREFIX + idPrefix, Step.STATELESS_WIRE, tokenSent,
                step == Step.AUDIENCE, statusRule + "; the same on the 2026-07-28 wire");
    }

    /** Where the refusals of a stateless (2026-07-28) request are reported: {@code mcp2026.forged.garbage.status}. */
    public static final String STATELESS_PREFIX = "mcp2026.";

    /** The checks of this refusal on one revision's wire. */
    public RefusalChecks on(Revision wire) {
        return wire == Revision.MCP_2026_07_28 ? stateless : legacy;
    }

    public String idPrefix() {
        return legacy.idPrefix();
    }

    public String description() {
        return description;
    }

    public boolean tokenSent() {
        return legacy.tokenSent();
    }

    public Check status() {
        return legacy.status();
    }

    public Check challenge() {
        return legacy.challenge();
    }

    public Check error() {
        return legacy.error();
    }

    public Check resourceMetadata() {
        return legacy.resourceMetadata();
    }

    public Check scope() {
        return legacy.scope();
    }

    /** The checks on the 2025-11-25 wire (an {@code initialize} refused). */
    public List<Check> checks() {
        return legacy.checks();
    }

    /** The rules the refusals follow (a holder: enum constants cannot use the enum's own static fields). */
    private static final class Rules {
        static final String TOKEN_HANDLING = "MCP Authorization, Token Handling; OAuth 2.1 section 5.3";
        static final String AUDIENCE_VALIDATION = "MCP Authorization, Token Handling (audience validation);"
                + " RFC 8707 section 2; RFC 9068 section 4; OAuth 2.1 section 5.3";
    }
}
