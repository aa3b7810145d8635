package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration;

import java.util.Objects;

/**
 * Client credentials an administrator registered by hand (MCP "Client Registration Approaches":
 * the first choice when present).
 *
 * @param issuer the only authorization server these credentials are sent to; null means any
 *        server the MCP server names (see {@link #forAnyIssuer}), which is only safe when you
 *        trust every MCP server this client connects to
 * @param clientSecret null for a public client
 */
public record PreRegisteredClient(String issuer, String clientId, String clientSecret) {

    public PreRegisteredClient {
        Objects.requireNonNull(clientId, "clientId");
    }

    public static PreRegisteredClient forIssuer(String issuer, String clientId, String clientSecret) {
        return new PreRegisteredClient(Objects.requireNonNull(issuer, "issuer"), clientId, clientSecret);
    }

    /** Credentials handed to whichever authorization server the MCP server's metadata names. */
    public static PreRegisteredClient forAnyIssuer(String clientId, String clientSecret) {
        return new PreRegisteredClient(null, clientId, clientSecret);
    }

    boolean appliesTo(String issuerToUse) {
        return issuer == null || issuer.equals(issuerToUse);
    }

    @Override
    public String toString() {
        return "PreRegisteredClient[" + clientId + (issuer == null ? "" : " at " + issuer)
                + (clientSecret == null ? "" : ", secret ***") + "]";
    }
}
