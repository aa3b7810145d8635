package dev.mcpoauth.cookbook.multiuserstore;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback reverse proxy in front of Keycloak's back channel (token and revocation endpoints), so
 * tests can count what reaches the upstream authorization server and inject faults: answers 503, or
 * a black hole that never answers. (The test kit's CountingProxy forwards GETs only; token requests are POSTs.)
 */
final class UpstreamProxy implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "keep-alive", "upgrade", "expect");

    private final URI target;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, AtomicInteger> countsByPath = new ConcurrentHashMap<>();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile boolean blackHole;

    UpstreamProxy(URI target) {
        this.target = target;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::forward);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    /** The same path, through this proxy. */
    URI url(URI upstreamUrl) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + upstreamUrl.getRawPath());
    }

    int count(URI upstreamUrl) {
        AtomicInteger count = countsByPath.get(upstreamUrl.getRawPath());
        return count == null ? 0 : count.get();
    }

    void failNext(int count) {
        failuresToServe.set(count);
    }

    /** While on, requests are accepted and never answered: the upstream hangs. */
    void blackHole(boolean on) {
        blackHole = on;
    }

    private void forward(HttpExchange exchange) throws IOException {
        countsByPath.computeIfAbsent(exchange.getRequestURI().getRawPath(), p -> new AtomicInteger()).incrementAndGet();
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (blackHole) {
                // Not a Clock case: a real hang, so that the server's real HTTP read timeout fires.
                sleepQuietly(Duration.ofSeconds(30));
                return;
            }
            if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(20))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            } catch (IOException e) {
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] answer = response.body();
            exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
