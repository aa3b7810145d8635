package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;

/** The token endpoint answered with an OAuth error ({@code invalid_grant}, {@code invalid_client}, ...). */
public final class TokenEndpointException extends McpAuthorizationException {

    private final String errorCode;

    public TokenEndpointException(String errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    /** The OAuth error code (RFC 6749 §5.2). */
    public String errorCode() {
        return errorCode;
    }
}
