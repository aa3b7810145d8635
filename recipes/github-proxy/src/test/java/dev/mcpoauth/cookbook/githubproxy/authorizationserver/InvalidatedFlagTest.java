package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The grant check's reading of Spring's token metadata ({@code GrantStore.isInvalidated}, a streaming
 * read): only a top-level {@code "metadata.token.invalidated": false} is live, anything else is not.
 */
class InvalidatedFlagTest {

    /** As Spring's JDBC authorization service writes it: type hints, the claims, then the flag. */
    private static final String SPRING_METADATA = """
            {"@class":"java.util.Collections$UnmodifiableMap","metadata.token.claims":{"@class":"java.util.Collections$UnmodifiableMap",
             "sub":"100001","aud":["http://127.0.0.1/mcp"],"scope":["mcp:tools"],"grant_id":"g-1"},
             "metadata.token.invalidated":%s}""";

    @Test
    void anExplicitFalseIsLive() {
        assertThat(GrantStore.isInvalidated(bytes(SPRING_METADATA.formatted("false")))).isFalse();
    }

    @Test
    void trueIsInvalidated() {
        assertThat(GrantStore.isInvalidated(bytes(SPRING_METADATA.formatted("true")))).isTrue();
    }

    @Test
    void aStringFalseIsInvalidated() {
        assertThat(GrantStore.isInvalidated(bytes(SPRING_METADATA.formatted("\"false\"")))).isTrue();
    }

    @Test
    void aMissingFlagIsInvalidated() {
        assertThat(GrantStore.isInvalidated(bytes("{\"metadata.token.claims\":{\"sub\":\"100001\"}}"))).isTrue();
    }

    @Test
    void aFlagInsideTheClaimsIsNotTheTokensFlag() {
        String nested = "{\"metadata.token.claims\":{\"metadata.token.invalidated\":false},\"metadata.token.invalidated\":true}";

        assertThat(GrantStore.isInvalidated(bytes(nested))).isTrue();
    }

    @Test
    void noMetadataIsInvalidated() {
        assertThat(GrantStore.isInvalidated(null)).isTrue();
    }

    @Test
    void metadataThatIsNotAnObjectIsInvalidated() {
        assertThat(GrantStore.isInvalidated(bytes("[false]"))).isTrue();
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
