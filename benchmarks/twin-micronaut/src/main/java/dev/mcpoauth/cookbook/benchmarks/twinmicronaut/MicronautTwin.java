package dev.mcpoauth.cookbook.benchmarks.twinmicronaut;

import io.micronaut.runtime.Micronaut;

/**
 * The baseline of the Micronaut auth-overhead figure: what {@code resource-server-micronaut} is
 * without Micronaut Security and its filters (see {@link TwinEndpoint}). Benchmark-only.
 */
public class MicronautTwin {

    public static void main(String[] args) {
        Micronaut.run(MicronautTwin.class, args);
    }
}
