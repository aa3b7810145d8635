package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration;

import java.util.Optional;

/**
 * Where a registration is kept, one per authorization server (keyed by issuer), so the client
 * registers once and not on every run. {@code TokenStore} is one, and the only one the client uses.
 */
public interface ClientStore {

    Optional<RegisteredClient> loadClient(String issuer);

    void saveClient(RegisteredClient client);

    /** Forgets a registration the authorization server no longer knows ({@code invalid_client}). */
    void removeClient(String issuer);
}
