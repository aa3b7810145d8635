package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenSet;

/**
 * Hooks the embedding app can observe. Every method has a no-op default; calls happen on the
 * thread that needed the token, so keep them short. No argument ever carries token material in a
 * printable form ({@link TokenSet#toString()} redacts).
 */
public interface McpOAuthListener {

    McpOAuthListener NONE = new McpOAuthListener() {
    };

    /** One human-readable step of discovery, registration or authorization (the walk-through). */
    default void onStep(String description) {
    }

    /** New tokens: after an authorization, a refresh or a step-up. The store has already saved them. */
    default void onTokens(TokenSet tokens) {
    }

    /** A refresh failed; the client falls back to a new authorization (the user is asked again). */
    default void onRefreshError(McpAuthorizationException error) {
    }
}
