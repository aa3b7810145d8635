package dev.mcpoauth.cookbook.multiuserstore;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * The third-party API of this recipe's tests and demo: a small calendar protected by realm B. It is
 * a real resource server (RS256 signature from realm B's JWKS, {@code iss}, {@code aud} = its own URL,
 * {@code exp}), and serves each user the events of the {@code preferred_username} in the token.
 * It lives in the test tree: in production the upstream is someone else's API.
 *
 * <p>Test levers: {@link #revoke} (a token revoked upstream before it expires: 401),
 * {@link #failNext} (5xx), request counting.
 */
final class CalendarApi implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final Map<String, List<Map<String, String>>> EVENTS = Map.of(
            "alice", List.of(Map.of("start", "2026-12-01T09:00", "title", "Alice: dentist"),
                    Map.of("start", "2026-12-02T14:00", "title", "Alice: design review")),
            "bob", List.of(Map.of("start", "2026-12-03T10:00", "title", "Bob: board meeting")));

    private final HttpServer server;
    private final URI url;
    private final DefaultJWTProcessor<SecurityContext> tokens = new DefaultJWTProcessor<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    CalendarApi(int port, URI issuer, URI jwksUri) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            url = URI.create("http://localhost:" + server.getAddress().getPort());
            tokens.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
                    JWKSourceBuilder.create(jwksUri.toURL()).build()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tokens.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(url.toString(),
                new JWTClaimsSet.Builder().issuer(issuer.toString()).build(), Set.of("sub", "exp", "iat")));
        server.createContext("/events", this::events);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
    }

    URI url() {
        return url;
    }

    int requestCount() {
        return requests.get();
    }

    int rejectedCount() {
        return rejected.get();
    }

    /** The next {@code count} requests get {@code status}. */
    void failNext(int count, int status) {
        failureStatus = status;
        failuresToServe.set(count);
    }

    /** This access token gets 401 from now on, as if revoked at the calendar service before it expired. */
    void revoke(String accessToken) {
        revoked.add(accessToken);
    }

    private void events(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                exchange.sendResponseHeaders(failureStatus, -1);
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            JWTClaimsSet claims = null;
            if (authorization != null && authorization.startsWith("Bearer ") && !revoked.contains(authorization.substring(7))) {
                try {
                    claims = tokens.process(authorization.substring(7), null);
                } catch (Exception invalid) {
                    claims = null;
                }
            }
            if (claims == null) {
                rejected.incrementAndGet();
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String user = String.valueOf(claims.getClaim("preferred_username"));
            byte[] body = JSON.writeValueAsBytes(Map.of("owner", user, "events", EVENTS.getOrDefault(user, List.of())));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (RuntimeException e) {
            exchange.sendResponseHeaders(500, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
