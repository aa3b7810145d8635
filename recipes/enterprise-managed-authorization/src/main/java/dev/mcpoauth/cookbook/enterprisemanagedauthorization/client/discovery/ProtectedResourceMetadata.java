package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The parts of an RFC 9728 protected-resource metadata document this client acts on.
 *
 * @param resource the server's resource identifier, sent as the RFC 8707 {@code resource} parameter
 * @param authorizationServers issuers that can issue tokens for it (RFC 9728 §2)
 * @param scopesSupported scopes to ask for when the 401 names none (MCP "Scope Selection Strategy")
 * @param location where the document was fetched, for messages
 */
public record ProtectedResourceMetadata(URI resource, List<URI> authorizationServers,
        Optional<String> scopesSupported, URI location) {
}
