package dev.mcpoauth.cookbook.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The footprint baseline: the least a JVM HTTP server can be (the JDK's own {@code com.sun.net.httpserver},
 * 200 on every path), started the same way as the recipes ({@code java -cp ... Main}, port in {@code PORT}).
 */
public final class TrivialHttpServer {

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0);
        byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
    }

    private TrivialHttpServer() {
    }
}
