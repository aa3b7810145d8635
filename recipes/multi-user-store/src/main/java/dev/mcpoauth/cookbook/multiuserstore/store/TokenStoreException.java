package dev.mcpoauth.cookbook.multiuserstore.store;

/** The token store could not be reached or did not answer (database down, pool exhausted). */
public class TokenStoreException extends RuntimeException {

    public TokenStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
