package dev.mcpoauth.cookbook.multiuserstore.store;


/**
 * A row of the token store, decrypted.
 *
 * @param userId   realm A {@code sub} of the MCP user
 * @param upstream which upstream (its configured name, {@code upstream.name})
 * @param status   connected, or waiting for the user to reconnect
 * @param tokens   the decrypted tokens; null when {@link ConnectionStatus#RECONNECT_NEEDED}
 * @param version  incremented by every write: the compare-and-set value for refreshes
 * @param keyId    the key-encryption key the row's data key is wrapped with
 */
public record StoredConnection(String userId, String upstream, ConnectionStatus status, UpstreamTokens tokens,
                               long version, String keyId) {
}
