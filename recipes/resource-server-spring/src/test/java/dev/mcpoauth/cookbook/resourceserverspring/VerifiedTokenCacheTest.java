package dev.mcpoauth.cookbook.resourceserverspring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mcpoauth.cookbook.testkit.time.HandMovedClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {

    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    private static final String KEY = "thumbprint-1";

    private final HandMovedClock clock = new HandMovedClock(Instant.parse("2026-12-07T00:00:00Z"));
    private final VerifiedTokenCache<String> cache = new VerifiedTokenCache<>(3, Duration.ofSeconds(60), clock);

    @Test
    void findsTheVerdictOfATokenVerifiedBefore() {
        cache.remember(TOKEN, "alice", clock.instant().plusSeconds(300), KEY);

        assertThat(cache.find(TOKEN, key -> true)).contains("alice");
    }

    @Test
    void missesATokenWithOneSignatureCharacterChanged() {
        cache.remember(TOKEN, "alice", clock.instant().plusSeconds(300), KEY);

        assertThat(cache.find(TOKEN.substring(0, TOKEN.length() - 1) + "Z", key -> true)).isEmpty();
    }

    @Test
    void forgetsATokenAtItsExpiry() {
        cache.remember(TOKEN, "alice", clock.instant().plusSeconds(30), KEY);

        clock.advance(Duration.ofSeconds(30));

        assertThat(cache.find(TOKEN, key -> true)).isEmpty();
        assertThat(cache.size()).isZero();
    }

    @Test
    void forgetsATokenAfterTheMaximumAgeEvenBeforeItsExpiry() {
        cache.remember(TOKEN, "alice", clock.instant().plusSeconds(3600), KEY);

        clock.advance(Duration.ofSeconds(60));

        assertThat(cache.find(TOKEN, key -> true)).isEmpty();
    }

    @Test
    void forgetsATokenWhoseVerificationKeyIsNoLongerTrusted() {
        cache.remember(TOKEN, "alice", clock.instant().plusSeconds(300), KEY);

        assertThat(cache.find(TOKEN, key -> !key.equals(KEY))).isEmpty();
        assertThat(cache.find(TOKEN, key -> true)).isEmpty();
    }

    @Test
    void keepsNothingForATokenAlreadyExpired() {
        cache.remember(TOKEN, "alice", clock.instant(), KEY);

        assertThat(cache.size()).isZero();
    }

    @Test
    void neverHoldsMoreThanItsMaximumEntries() {
        for (int i = 0; i < 10; i++) {
            cache.remember(TOKEN + i, "user" + i, clock.instant().plusSeconds(300), KEY);
            assertThat(cache.size()).isLessThanOrEqualTo(3);
        }
        assertThat(cache.find(TOKEN + 9, key -> true)).contains("user9");
    }

    @Test
    void refusesANonPositiveMaximumAge() {
        assertThatThrownBy(() -> new VerifiedTokenCache<String>(3, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
