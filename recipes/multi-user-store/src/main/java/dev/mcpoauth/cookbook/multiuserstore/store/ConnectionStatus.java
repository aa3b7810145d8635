package dev.mcpoauth.cookbook.multiuserstore.store;

/** What a user's stored connection to the upstream is good for. */
public enum ConnectionStatus {
    /** Tokens stored; tools use them, refreshing as needed. */
    CONNECTED,
    /**
     * The upstream refused the refresh token ({@code invalid_grant}: session ended, grant revoked,
     * token reused). Only the user can fix it, by connecting again; the tokens are already erased.
     */
    RECONNECT_NEEDED
}
