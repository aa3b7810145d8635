package dev.mcpoauth.cookbook.multiuserstore;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The clock token expiry is read on (when to refresh, within the skew): the system's, in UTC, unless
 * the application brings its own (the tests bring one they can move forward instead of sleeping).
 */
@Factory
class ClockFactory {

    @Singleton
    @Requires(missingBeans = Clock.class)
    Clock clock() {
        return Clock.systemUTC();
    }
}
