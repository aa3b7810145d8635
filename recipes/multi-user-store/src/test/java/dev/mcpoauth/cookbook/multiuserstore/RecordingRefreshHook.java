package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.multiuserstore.upstream.RefreshHook;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link RefreshHook} bean of the tests: records what every server instance in the test JVM reported. */
@Singleton
final class RecordingRefreshHook implements RefreshHook {

    /** What happened, e.g. {@code before:EXPIRING}, {@code refreshed:REJECTED_BY_UPSTREAM}, {@code error:EXPIRING:reconnect}. */
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void beforeRefresh(RefreshEvent event) {
        calls.add("before:" + event.trigger());
    }

    @Override
    public void onRefresh(RefreshEvent event) {
        calls.add("refreshed:" + event.trigger());
    }

    @Override
    public void onRefreshError(RefreshEvent event, RuntimeException failure, boolean reconnectNeeded) {
        calls.add("error:" + event.trigger() + (reconnectNeeded ? ":reconnect" : ":transient"));
    }
}
