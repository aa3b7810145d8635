package dev.mcpoauth.cookbook.testkit.net;

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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server that forwards GETs to one upstream URL and counts them. Point a resource
 * server's JWKS URI here to count its key fetches (bounded refetch under a flood of unknown kids).
 * When the upstream is unreachable it answers 502, as a reverse proxy would.
 */
public final class CountingProxy implements AutoCloseable {

    private final URI upstream;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger requests = new AtomicInteger();

    private CountingProxy(URI upstream) {
        this.upstream = upstream;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            int status;
            byte[] body;
            String contentType = "application/json";
            try {
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                status = response.statusCode();
                body = response.body();
                contentType = response.headers().firstValue("Content-Type").orElse(contentType);
            } catch (IOException | InterruptedException unreachable) {
                status = 502;
                body = new byte[0];
            }
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public static CountingProxy to(URI upstream) {
        return new CountingProxy(upstream);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + upstream.getPath());
    }

    public int requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
