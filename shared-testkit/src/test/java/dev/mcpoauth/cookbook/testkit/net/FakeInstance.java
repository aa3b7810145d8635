package dev.mcpoauth.cookbook.testkit.net;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A stand-in instance for {@link LoadBalancerTest}, run in a JVM of its own: {@code /health} answers 200,
 * {@code POST /mcp} without {@code Mcp-Session-Id} creates a session held only in this JVM (as the MCP
 * SDK's 2025-11-25 transport does) and with one answers 200 if this JVM holds it, else 404;
 * {@code POST /hang} prints that it arrived and never answers.
 */
public final class FakeInstance {

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        Set<String> sessions = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/health", exchange -> answer(exchange, 200, "ok"));
        server.createContext("/mcp", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String session = exchange.getRequestHeaders().getFirst("Mcp-Session-Id");
            if (session == null) {
                String created = UUID.randomUUID().toString();
                sessions.add(created);
                exchange.getResponseHeaders().add("Mcp-Session-Id", created);
                answer(exchange, 200, "created");
            } else {
                answer(exchange, sessions.contains(session) ? 200 : 404, "session");
            }
        });
        server.createContext("/hang", exchange -> {
            exchange.getRequestBody().readAllBytes();
            System.out.println("hang received");
            System.out.flush();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "late");
        });
        server.start();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
