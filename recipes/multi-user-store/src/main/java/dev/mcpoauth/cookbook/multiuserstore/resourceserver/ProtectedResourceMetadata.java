package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/**
 * The RFC 9728 (section 2) document that tells a client which authorization server issues tokens
 * for this resource and how to present them.
 *
 * @param resource                               this server's canonical URL, as configured
 * @param authorizationServers                   issuers a client may get tokens from
 * @param scopesSupported                        every scope some request here needs
 * @param bearerMethodsSupported                 {@code header} only: no tokens in query strings or bodies
 * @param resourceName                           human-readable name for consent screens
 * @param tlsClientCertificateBoundAccessTokens  false: no mTLS-bound tokens (RFC 8705) here
 */
@Serdeable(naming = SnakeCaseStrategy.class)
public record ProtectedResourceMetadata(
        String resource,
        List<String> authorizationServers,
        List<String> scopesSupported,
        List<String> bearerMethodsSupported,
        String resourceName,
        boolean tlsClientCertificateBoundAccessTokens) {
}
