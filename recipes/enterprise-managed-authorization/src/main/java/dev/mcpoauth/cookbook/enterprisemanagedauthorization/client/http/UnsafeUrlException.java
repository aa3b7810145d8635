package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http;

/**
 * A URL taken from a server's metadata was refused before anything fetched or opened it: the
 * CVE-2025-6514 class, where a malicious server hands the client a {@code javascript:}, {@code file:}
 * or shell-laden "authorization endpoint".
 */
public final class UnsafeUrlException extends McpAuthorizationException {

    public UnsafeUrlException(String message) {
        super(message);
    }
}
