package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.RegisteredClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps registrations and tokens for the life of the process only. */
public final class InMemoryTokenStore implements TokenStore {

    private final Map<String, RegisteredClient> clients = new ConcurrentHashMap<>();
    private final Map<String, TokenSet> tokens = new ConcurrentHashMap<>();

    @Override
    public Optional<RegisteredClient> loadClient(String issuer) {
        return Optional.ofNullable(clients.get(issuer));
    }

    @Override
    public void saveClient(RegisteredClient client) {
        clients.put(client.issuer(), client);
    }

    @Override
    public void removeClient(String issuer) {
        clients.remove(issuer);
    }

    @Override
    public Optional<TokenSet> loadTokens(String serverUrl) {
        return Optional.ofNullable(tokens.get(serverUrl));
    }

    @Override
    public void saveTokens(String serverUrl, TokenSet tokenSet) {
        tokens.put(serverUrl, tokenSet);
    }

    @Override
    public void removeTokens(String serverUrl) {
        tokens.remove(serverUrl);
    }
}
