package dev.mcpoauth.cookbook.multiuserstore.upstream;

/**
 * The upstream authorization server answered {@code invalid_grant} (RFC 6749 section 5.2): the refresh
 * token or code is no longer valid. Retrying cannot help; the user has to connect again.
 */
public class InvalidGrantException extends RuntimeException {

    public InvalidGrantException(String description) {
        super("invalid_grant" + (description == null ? "" : ": " + description));
    }
}
