package dev.mcpoauth.cookbook.githubproxy.mcp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The access tokens this server has already verified, so a token presented again skips the signature check and the
 * claim validation. MCP clients send the same token on every request for its whole lifetime, and RS256 verification
 * plus the framework's claim conversion is most of what authentication costs per request.
 *
 * <p>What it may and may not change, on purpose:
 * <ul>
 *   <li><b>Only successes are kept.</b> A refused token is verified again each time it comes back.</li>
 *   <li><b>The whole token is the key</b> (its SHA-256, so the map never holds a usable token): a token with any byte
 *       changed, its signature included, is a miss and is verified in full.</li>
 *   <li><b>Never past {@code exp}</b>, and never longer than {@code maxAge}. An entry ends at the token's {@code exp};
 *       the clock-skew allowance after it is left to the full check, which still applies it.</li>
 *   <li><b>Key rotation as without the cache.</b> Each entry remembers the key that verified it, and a hit counts only
 *       while the caller's {@code keyStillTrusted} test says that key is still in the key set it trusts, so a key
 *       removed from the JWKS ends its tokens exactly when it would have without the cache.</li>
 *   <li><b>Revocation as without the cache.</b> A JWT access token is judged locally until its {@code exp} either way;
 *       a server that must see revocation at once introspects, and does not use this class.</li>
 *   <li><b>Bounded.</b> At most {@code maxEntries}; when full the cache is cleared (a miss only costs one full check,
 *       and a flood of distinct valid tokens cannot grow memory).</li>
 * </ul>
 * Per instance and safe to lose: several instances each keep their own.
 *
 * @param <V> what the full check produced for the token (the framework's authenticated principal)
 */
public final class VerifiedTokenCache<V> {

    private record Entry<V>(V verdict, Instant expiresAt, String key) {}

    /** One SHA-256 instance a thread: looking the algorithm up per call cost more than hashing the token. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException notOnThisJvm) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", notOnThisJvm);
        }
    });

    private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final Duration maxAge;
    private final Clock clock;

    public VerifiedTokenCache(int maxEntries, Duration maxAge, Clock clock) {
        if (maxEntries < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxEntries must be at least 1 and maxAge positive");
        }
        this.maxEntries = maxEntries;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * The verdict of an earlier full check of exactly this token, if it is still before the token's {@code exp}, within
     * {@code maxAge}, and the key that verified it still passes {@code keyStillTrusted}.
     */
    public Optional<V> find(String token, Predicate<String> keyStillTrusted) {
        String id = digest(token);
        Entry<V> entry = entries.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expiresAt()) || !keyStillTrusted.test(entry.key())) {
            entries.remove(id, entry);
            return Optional.empty();
        }
        return Optional.of(entry.verdict());
    }

    /**
     * Keeps the verdict of a full check that succeeded. {@code key} names the verification key (a JWK thumbprint, say)
     * that {@link #find}'s test will be asked about.
     */
    public void remember(String token, V verdict, Instant tokenExpiresAt, String key) {
        Instant now = clock.instant();
        Instant until = tokenExpiresAt.isBefore(now.plus(maxAge)) ? tokenExpiresAt : now.plus(maxAge);
        if (!now.isBefore(until)) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        entries.put(digest(token), new Entry<>(verdict, until, key));
    }

    /** How many verdicts are kept now. */
    public int size() {
        return entries.size();
    }

    private static String digest(String token) {
        byte[] hash = SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
        return Base64.getEncoder().encodeToString(hash);
    }
}
