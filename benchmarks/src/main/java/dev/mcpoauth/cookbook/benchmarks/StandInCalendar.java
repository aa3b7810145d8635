package dev.mcpoauth.cookbook.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The multi-user store's upstream calendar API for the scale-out figure: {@code GET /events} answers
 * Alice's events to any bearer request, 401 without one. A stand-in, benchmark-only: the upstream is
 * someone else's API and not what the figure measures (the recipe's tests run a real resource server,
 * which checks the token's signature, issuer and audience).
 */
final class StandInCalendar implements AutoCloseable {

    private static final byte[] EVENTS = """
            {"owner":"alice","events":[{"start":"2026-12-01T09:00","title":"Alice: dentist"},\
            {"start":"2026-12-02T14:00","title":"Alice: design review"}]}""".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);

    private StandInCalendar(HttpServer server) {
        this.server = server;
    }

    static StandInCalendar start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        StandInCalendar calendar = new StandInCalendar(server);
        server.createContext("/events", exchange -> {
            try (exchange) {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                if (authorization == null || !authorization.startsWith("Bearer ")) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, EVENTS.length);
                exchange.getResponseBody().write(EVENTS);
            }
        });
        server.setExecutor(calendar.executor);
        server.start();
        return calendar;
    }

    URI url() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
