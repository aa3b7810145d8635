package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Tokens for one MCP server (its RFC 8707 resource), from one authorization server.
 *
 * @param resource the MCP server's resource identifier the tokens are bound to
 * @param issuer the authorization server that issued them; refresh goes back there only
 * @param accessToken sent as {@code Authorization: Bearer} on every request, never in a URL
 * @param refreshToken null when none was issued; replaced on every refresh (rotation)
 * @param expiresAt null when the server did not say
 * @param scope the granted scopes, space-separated (the requested ones if the server did not say)
 */
public record TokenSet(String resource, String issuer, String accessToken, String refreshToken,
        Instant expiresAt, String scope) {

    /** True when the access token expires within {@code margin} (clock skew plus a request's duration). */
    public boolean expiresWithin(Duration margin, Instant now) {
        return expiresAt != null && !now.plus(margin).isBefore(expiresAt);
    }

    public Set<String> scopes() {
        return scope == null || scope.isBlank() ? Set.of()
                : new LinkedHashSet<>(Arrays.asList(scope.trim().split("\\s+")));
    }

    /** Never prints a token. */
    @Override
    public String toString() {
        return "TokenSet[resource=" + resource + ", issuer=" + issuer + ", scope=" + scope + ", expiresAt="
                + expiresAt + ", refreshToken=" + (refreshToken == null ? "none" : "***") + "]";
    }
}
