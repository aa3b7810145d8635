package dev.mcpoauth.cookbook.probe;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * The tokens of the negative checks. Each is plausible except for one thing: issuer, audience,
 * subject and scope are what the server advertises, so a server that checks only some claims is
 * caught. Sending them changes nothing on the server: every one must be refused.
 */
public final class ForgedTokens {

    /** An audience no real server has (RFC 2606 reserves {@code .invalid}). */
    public static final String OTHER_AUDIENCE = "https://another-resource.mcp-oauth-probe.invalid/mcp";
    public static final String SUBJECT = "mcp-oauth-probe";

    private final String issuer;
    private final String audience;
    private final String scope;
    private final TokenSigner signer;
    private final TokenSigner untrusted = TokenSigner.untrusted();

    /**
     * @param issuer   the issuer the server trusts (its first authorization server)
     * @param audience the server's resource identifier (RFC 8707)
     * @param scope    the scope it asks for, or null
     */
    public ForgedTokens(String issuer, String audience, String scope, TokenSigner signer) {
        this.issuer = issuer;
        this.audience = audience;
        this.scope = scope;
        this.signer = signer;
    }

    /** Claims of a token the issuer could have issued for this server, valid five minutes from now. */
    public JWTClaimsSet.Builder plausibleClaims() {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(SUBJECT)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5)))).jwtID(UUID.randomUUID().toString());
        if (scope != null) {
            claims.claim("scope", scope);
        }
        return claims;
    }

    public String token(RejectedCredential kind) {
        return switch (kind) {
            case GARBAGE -> "mcp-oauth-probe." + UUID.randomUUID() + ".not-a-token";
            case ALG_NONE -> algNone(plausibleClaims().build());
            case UNTRUSTED_KEY -> untrusted.sign(plausibleClaims().build());
            case EXPIRED -> {
                Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
                yield signer.sign(plausibleClaims().issueTime(Date.from(anHourAgo.minus(Duration.ofMinutes(5))))
                        .notBeforeTime(Date.from(anHourAgo.minus(Duration.ofMinutes(5))))
                        .expirationTime(Date.from(anHourAgo)).build());
            }
            case WRONG_AUDIENCE -> signer.sign(plausibleClaims().audience(OTHER_AUDIENCE).build());
            default -> throw new IllegalArgumentException("No forged token for " + kind);
        };
    }

    /** {@code alg: none} (RFC 7519 section 6): no signature at all; a verifier must never accept it. */
    public static String algNone(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }
}
