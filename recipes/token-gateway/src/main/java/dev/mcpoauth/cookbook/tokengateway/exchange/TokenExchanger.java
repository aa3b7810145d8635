package dev.mcpoauth.cookbook.tokengateway.exchange;

import dev.mcpoauth.cookbook.tokengateway.config.Backend;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 8693 token exchange at the authorization server: the client's token in, a token for one
 * backend out (its {@code audience} only, the scopes the policy allows for it, a short lifetime). The
 * gateway asks as the client named by the resource the client's token is for ({@code /mcp/<backend>}):
 * Keycloak exchanges only a subject token whose {@code aud} names the requesting client, and that
 * client may obtain its own backend's audience and no other.
 *
 * <p>Cached per (user, client, backend, scopes) until {@code renewBefore} ahead of its expiry, so the
 * hot path makes no call to the authorization server; one exchange at a time per key, concurrent
 * requests wait for it (single flight).
 */
public final class TokenExchanger {

    private static final Logger LOG = LoggerFactory.getLogger(TokenExchanger.class);
    private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    private static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    private static final int MAX_CACHED = 10_000;

    /** A token the gateway obtained for a backend. Never printed. */
    public record ExchangedToken(String value, Instant expiresAt, String scope) {
        @Override
        public String toString() {
            return "ExchangedToken[expiresAt=" + expiresAt + ", scope=" + scope + "]";
        }
    }

    /** Why no token could be had; {@link Kind} decides the HTTP answer. */
    public static final class ExchangeException extends Exception {

        public enum Kind {
            /** The authorization server no longer accepts the client's token (ended session, expired): 401. */
            SUBJECT_REFUSED,
            /** Unreachable, slow or failing authorization server: 503, try again later. */
            UNAVAILABLE,
            /** The server refused the gateway itself (secret, configuration): 502, an operator must look. */
            MISCONFIGURED
        }

        private final Kind kind;

        ExchangeException(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }

    private record Key(String subject, String clientId, String backend, Set<String> scopes) {
    }

    private final URI tokenEndpoint;
    private final Function<Backend, String> clientIds;
    private final String clientSecret;
    private final Duration timeout;
    private final Duration renewBefore;
    private final Clock clock;
    private final HttpClient http;
    private final Map<Key, CompletableFuture<ExchangedToken>> cache = new ConcurrentHashMap<>();
    private final LongAdder exchanges = new LongAdder();

    /** @param clientIds the client the gateway authenticates as for each backend ({@link GatewayConfig#clientId}) */
    public TokenExchanger(URI tokenEndpoint, Function<Backend, String> clientIds, String clientSecret, Duration timeout,
                          Duration renewBefore, Clock clock) {
        this.tokenEndpoint = tokenEndpoint;
        this.clientIds = clientIds;
        this.clientSecret = clientSecret;
        this.timeout = timeout;
        this.renewBefore = renewBefore;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A token for {@code backend}, from the cache when one is fresh enough. */
    public ExchangedToken tokenFor(AuthenticatedUser user, Backend backend, Set<String> scopes) throws ExchangeException {
        Key key = new Key(user.subject(), user.clientId(), backend.name(), Set.copyOf(scopes));
        CompletableFuture<ExchangedToken> mine = new CompletableFuture<>();
        CompletableFuture<ExchangedToken> current = cache.compute(key,
                (k, existing) -> existing != null && (!existing.isDone() || isFresh(existing)) ? existing : mine);
        if (current == mine) {
            return exchangeInto(mine, key, user.token(), backend, scopes);
        }
        try {
            return current.join(); // in flight for another request of the same user and client, or cached
        } catch (CompletionException failed) {
            if (failed.getCause() instanceof ExchangeException refused) {
                throw refused; // the exchange we waited for failed; it would for us too
            }
            throw failed;
        }
    }

    /** Exchange requests sent to the authorization server so far (a metric: the hot path should add none). */
    public long exchangesPerformed() {
        return exchanges.sum();
    }

    /** Forgets what was exchanged for this user and backend (a backend refused it). */
    public void forget(AuthenticatedUser user, Backend backend, Set<String> scopes) {
        cache.remove(new Key(user.subject(), user.clientId(), backend.name(), Set.copyOf(scopes)));
    }

    private ExchangedToken exchangeInto(CompletableFuture<ExchangedToken> mine, Key key, String subjectToken,
                                        Backend backend, Set<String> scopes) throws ExchangeException {
        try {
            ExchangedToken token = exchange(subjectToken, backend, scopes);
            mine.complete(token);
            evictExpiredWhenFull();
            return token;
        } catch (ExchangeException | RuntimeException e) {
            cache.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    // tag::exchange[]
    /** One RFC 8693 request. The client authenticates in the form body: its id is a URL, awkward in Basic. */
    public ExchangedToken exchange(String subjectToken, Backend backend, Set<String> scopes) throws ExchangeException {
        StringJoiner form = new StringJoiner("&");
        Map.of("grant_type", TOKEN_EXCHANGE,
                "subject_token", subjectToken,
                "subject_token_type", ACCESS_TOKEN_TYPE,
                "requested_token_type", ACCESS_TOKEN_TYPE,
                "audience", backend.audience(),         // Keycloak: the token's aud becomes exactly this client
                "scope", String.join(" ", scopes),      // explicit: never the gateway client's defaults
                "client_id", clientIds.apply(backend),  // the resource the subject token is for
                "client_secret", clientSecret)
                .forEach((name, value) -> form.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        HttpResponse<String> response;
        exchanges.increment();
        try {
            response = http.send(HttpRequest.newBuilder(tokenEndpoint).timeout(timeout)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException slow) {
            throw new ExchangeException(ExchangeException.Kind.UNAVAILABLE, "The authorization server did not answer in "
                    + timeout.toSeconds() + " s");
        } catch (IOException unreachable) {
            throw new ExchangeException(ExchangeException.Kind.UNAVAILABLE, "The authorization server is unreachable");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new ExchangeException(ExchangeException.Kind.UNAVAILABLE, "Interrupted");
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() == 200 && body.path("access_token").isString()) {
            long expiresIn = body.path("expires_in").asLong(0);
            return new ExchangedToken(body.path("access_token").asString(),
                    clock.instant().plusSeconds(expiresIn), body.path("scope").asString(""));
        }
        throw refusal(response.statusCode(), body.path("error").asString(""), backend);
    }
    // end::exchange[]

    /**
     * Keycloak answers a subject token it no longer accepts with 400 {@code invalid_request}
     * "Invalid token" (session ended, expired) or 403 {@code access_denied} (not for this gateway).
     */
    private static ExchangeException refusal(int status, String error, Backend backend) {
        if (status >= 500) {
            return new ExchangeException(ExchangeException.Kind.UNAVAILABLE,
                    "The authorization server failed (HTTP " + status + ")");
        }
        if ((status == 400 && error.equals("invalid_request")) || (status == 403 && error.equals("access_denied"))) {
            return new ExchangeException(ExchangeException.Kind.SUBJECT_REFUSED,
                    "The authorization server no longer accepts this token");
        }
        // Wrong secret, unknown audience, scope the policy allows but the realm does not: configuration.
        LOG.error("Token exchange for backend {} refused with HTTP {} {}: check the gateway client and the policy file",
                backend.name(), status, error.replaceAll("[^a-z_]", "?"));
        return new ExchangeException(ExchangeException.Kind.MISCONFIGURED, "The gateway could not obtain a backend token");
    }

    private static JsonNode parse(String body) {
        try {
            return JsonMapper.shared().readTree(body);
        } catch (JacksonException notJson) {
            return JsonMapper.shared().createObjectNode();
        }
    }

    private boolean isFresh(CompletableFuture<ExchangedToken> done) {
        return !done.isCompletedExceptionally()
                && done.join().expiresAt().isAfter(clock.instant().plus(renewBefore));
    }

    /** Bounded memory: when full, drop every entry that is no longer fresh. */
    private void evictExpiredWhenFull() {
        if (cache.size() > MAX_CACHED) {
            cache.values().removeIf(entry -> entry.isDone() && !isFresh(entry));
        }
    }
}
