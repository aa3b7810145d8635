package dev.mcpoauth.cookbook.resourceserverspring;

import org.springframework.security.access.AccessDeniedException;

/** The token is valid but lacks a scope this request needs; answered with 403 {@code insufficient_scope}. */
class InsufficientScopeException extends AccessDeniedException {

    private final String requiredScopes;

    InsufficientScopeException(String requiredScopes) {
        super("Insufficient scope");
        this.requiredScopes = requiredScopes;
    }

    /** Space-separated, as in the {@code scope} parameter of the challenge (RFC 6750 section 3). */
    String requiredScopes() {
        return requiredScopes;
    }
}
