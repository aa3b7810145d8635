package dev.mcpoauth.cookbook.multiuserstore.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request-state keys a server refuses to start with, and that the refusal never prints a key. */
class RequestStateConfigurationTest {

    private static final String GOOD_KEY = base64("test-only-request-state-key-32-bytes");
    private static final String SHORT_KEY = base64("sixteen-byte-key");

    static Stream<Arguments> unusableKeys() {
        return Stream.of(
                argumentSet("no key (MCP_REQUEST_STATE_KEY unset)", null, null, "request-state.key must be base64 of at least 32 random bytes"),
                argumentSet("a key of 16 bytes", SHORT_KEY, null, "request-state.key must be base64 of at least 32 random bytes"),
                argumentSet("a key that is not base64", "not base64: " + GOOD_KEY, null, "request-state.key must be base64"),
                argumentSet("an accepted key of 16 bytes", GOOD_KEY, GOOD_KEY + "," + SHORT_KEY,
                        "request-state.accepted-keys must be base64 of at least 32 random bytes"));
    }

    @ParameterizedTest(name = "{argumentSetName}")
    @MethodSource("unusableKeys")
    void anUnusableKeyStopsTheServerWithAMessageThatDoesNotPrintIt(String key, String acceptedKeys, String message) {
        assertThatThrownBy(() -> new RequestStateConfiguration(key, acceptedKeys, Duration.ofMinutes(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .hasNoCause();
    }

    @Test
    void theConfigurationPrintsNoKey() {
        String printed = new RequestStateConfiguration(GOOD_KEY, GOOD_KEY, Duration.ofMinutes(10)).toString();

        assertThat(printed).doesNotContain(GOOD_KEY)
                .isEqualTo("RequestStateConfiguration[key=<hidden>, acceptedKeys=<hidden>, lifetime=PT10M]");
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
