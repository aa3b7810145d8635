package dev.mcpoauth.cookbook.multiuserstore.upstream;

/** The upstream did not answer usefully after every retry: network error, timeout or 5xx. Transient. */
public class UpstreamUnavailableException extends RuntimeException {

    public UpstreamUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
