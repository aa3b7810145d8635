package dev.mcpoauth.cookbook.keycloakdcr;

import java.util.Optional;

/**
 * Where the client keeps what it must not ask the user for twice: its registration at each
 * authorization server, and the tokens for each MCP server. {@link FileTokenStore} is the local
 * default; an app with an OS keychain or a database implements this instead. Implementations must
 * be safe for concurrent use.
 */
public interface TokenStore {

    Optional<RegisteredClient> loadClient(String issuer);

    void saveClient(RegisteredClient client);

    /** Forgets a registration the authorization server no longer knows ({@code invalid_client}). */
    void removeClient(String issuer);

    /** Tokens for the MCP server at {@code serverUrl} (the URL the app connects to). */
    Optional<TokenSet> loadTokens(String serverUrl);

    void saveTokens(String serverUrl, TokenSet tokens);

    void removeTokens(String serverUrl);
}
