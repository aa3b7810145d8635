package dev.mcpoauth.cookbook.probe;

import static dev.mcpoauth.cookbook.probe.Level.MUST;
import static dev.mcpoauth.cookbook.probe.Level.SHOULD;

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

    private final String idPrefix;
    private final String description;
    private final boolean tokenSent;
    private final Check status;
    private final Check challenge;
    private final Check error;
    private final Check resourceMetadata;
    private final Check scope;

    RejectedCredential(String idPrefix, String description, Step step, String statusRule) {
        this.idPrefix = idPrefix;
        this.description = description;
        this.tokenSent = step != Step.UNAUTHENTICATED;
        this.status = new Check(idPrefix + ".status", step, MUST, statusRule,
                (step == Step.AUDIENCE ? "a token for another resource"
                        : tokenSent ? "invalid token" : "no token") + ": 401, never 200 or 5xx");
        this.challenge = new Check(idPrefix + ".challenge", step, MUST,
                "RFC 9110 section 11.6.1; RFC 6750 section 3",
                "the 401 carries exactly one WWW-Authenticate: Bearer challenge, each parameter once");
        this.error = tokenSent
                ? new Check(idPrefix + ".error", step, SHOULD, "RFC 6750 section 3.1",
                        "error=\"invalid_token\" when the token was refused")
                : new Check(idPrefix + ".error", step, SHOULD, "RFC 6750 section 3.1",
                        "no error code when the request carried no credentials");
        this.resourceMetadata = new Check(idPrefix + ".resource-metadata", step, SHOULD,
                "RFC 9728 section 5.1; MCP Protected Resource Metadata Discovery Requirements",
                "resource_metadata names the protected resource metadata URL");
        this.scope = new Check(idPrefix + ".scope", step, SHOULD,
                "MCP Protected Resource Metadata Discovery Requirements; RFC 6750 section 3",
                "scope names the scopes to ask for");
    }

    public String idPrefix() {
        return idPrefix;
    }

    public String description() {
        return description;
    }

    public boolean tokenSent() {
        return tokenSent;
    }

    public Check status() {
        return status;
    }

    public Check challenge() {
        return challenge;
    }

    public Check error() {
        return error;
    }

    public Check resourceMetadata() {
        return resourceMetadata;
    }

    public Check scope() {
        return scope;
    }

    public List<Check> checks() {
        return List.of(status, challenge, error, resourceMetadata, scope);
    }

    /** The rules the refusals follow (a holder: enum constants cannot use the enum's own static fields). */
    private static final class Rules {
        static final String TOKEN_HANDLING = "MCP Authorization, Token Handling; OAuth 2.1 section 5.3";
        static final String AUDIENCE_VALIDATION = "MCP Authorization, Token Handling (audience validation);"
                + " RFC 8707 section 2; RFC 9068 section 4; OAuth 2.1 section 5.3";
    }
}
