package dev.mcpoauth.cookbook.multiuserstore.upstream;

/**
 * Escape hatches around every refresh. Declare a bean implementing this interface and it is called
 * for every refresh of every user: audit logging, alerting, pushing a "reconnect" notice to the user,
 * or vetoing a refresh ({@link #beforeRefresh} throwing aborts it; the tool then reports the error).
 * Hooks must not log token values; they are never given any.
 */
public interface RefreshHook {

    /** About to call the upstream token endpoint, holding the row lock. */
    default void beforeRefresh(RefreshEvent event) {
    }

    /** The new tokens are committed to the store. */
    default void onRefresh(RefreshEvent event) {
    }

    /** The refresh failed; {@code reconnectNeeded} when the upstream answered {@code invalid_grant}. */
    default void onRefreshError(RefreshEvent event, RuntimeException failure, boolean reconnectNeeded) {
    }

    /**
     * @param userId   realm A subject
     * @param upstream which upstream
     * @param trigger  why the refresh happened
     */
    record RefreshEvent(String userId, String upstream, Trigger trigger) {
    }

    enum Trigger {
        /** The access token runs out within the configured skew. */
        EXPIRING,
        /** The upstream API answered 401 to the current access token. */
        REJECTED_BY_UPSTREAM
    }
}
