package dev.mcpoauth.cookbook.multiuserstore;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/**
 * The registry the refresh and store metrics go to. An in-memory one unless the application brings
 * its own (for example micronaut-micrometer with a Prometheus or OTLP registry).
 */
@Factory
class MetricsFactory {

    @Singleton
    @Requires(missingBeans = MeterRegistry.class)
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
