package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.ClientStore;
import java.util.Optional;

/**
 * Where the client keeps what it must not ask the user for twice: its registration at each
 * authorization server (the {@link ClientStore} methods), and the tokens for each MCP server.
 * {@link FileTokenStore} is the local default; an app with an OS keychain or a database implements
 * this instead. Implementations must be safe for concurrent use.
 */
public interface TokenStore extends ClientStore {

    /** Tokens for the MCP server at {@code serverUrl} (the URL the app connects to). */
    Optional<TokenSet> loadTokens(String serverUrl);

    void saveTokens(String serverUrl, TokenSet tokens);

    void removeTokens(String serverUrl);
}
