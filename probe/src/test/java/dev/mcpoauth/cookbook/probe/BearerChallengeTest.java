package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BearerChallengeTest {

    @Test
    void readsQuotedAndTokenParametersWhateverTheirCase() {
        BearerChallenge challenge = BearerChallenge.parse(
                "bearer Error=invalid_token, resource_metadata=\"https://a.example/.well-known/x\", scope=\"a b\"");

        assertThat(challenge.parameters()).isEqualTo(Map.of("error", "invalid_token",
                "resource_metadata", "https://a.example/.well-known/x", "scope", "a b"));
        assertThat(challenge.tokenValued()).containsExactly("error");
    }

    @Test
    void unescapesQuotedPairs() {
        assertThat(BearerChallenge.parse("Bearer error_description=\"say \\\"hi\\\"\"").get("error_description"))
                .isEqualTo("say \"hi\"");
    }

    @Test
    void refusesAParameterThatAppearsTwice() {
        // RFC 6750 section 3: attributes MUST NOT appear more than once.
        assertThatThrownBy(() -> BearerChallenge.parse("Bearer scope=\"a\", scope=\"b\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("appears twice");
    }

    @Test
    void refusesAnotherScheme() {
        assertThatThrownBy(() -> BearerChallenge.parse("Basic realm=\"x\"")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BearerChallenge.parse("Bearerish realm=\"x\"")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stopsAtTheNextChallenge() {
        BearerChallenge challenge = BearerChallenge.parse("Bearer scope=\"a\", DPoP algs=\"ES256\"");

        assertThat(challenge.parameters()).isEqualTo(Map.of("scope", "a"));
    }

    @Test
    void findsTheBearerChallengeAmongSeveralHeaders() {
        assertThat(BearerChallenge.from(List.of("Basic realm=\"x\"", "Bearer resource_metadata=\"u\"")))
                .hasValueSatisfying(c -> assertThat(c.resourceMetadata()).hasValue("u"));
        assertThat(BearerChallenge.from(List.of("Basic realm=\"x\""))).isEmpty();
    }
}
