package dev.mcpoauth.cookbook.resourceserverspring;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of every test class that needs the running server. One configuration for all of them, so
 * Spring starts the server once per JVM on the port the realm was imported for.
 */
// Security logging at DEBUG: the log must stay free of tokens even then.
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT,
        properties = "logging.level.org.springframework.security=DEBUG")
abstract class RunningServerTest {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        DemoEnvironment.registerProperties(registry);
    }
}
