package dev.mcpoauth.cookbook.multiuserstore.upstream;

/** The user has no usable upstream connection: the tool answers with a connect link. */
public class ConnectionRequiredException extends RuntimeException {

    /** Why a (re)connect is needed; each has its own wording in the tool answer. */
    public enum Reason {
        /** Never connected, or disconnected. */
        NOT_CONNECTED,
        /** The upstream refused the refresh token ({@code invalid_grant}). */
        RECONNECT_NEEDED,
        /** The stored row failed its integrity check; it cannot be used. */
        UNREADABLE
    }

    private final Reason reason;

    public ConnectionRequiredException(Reason reason) {
        super(reason.name());
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
