package dev.mcpoauth.cookbook.docs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves the built site on loopback only ({@code make docs-serve}, and the browser tests): static
 * files, no directory listings, nothing outside the site folder.
 */
public final class DocsServer implements AutoCloseable {

    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "json", "application/json", "svg", "image/svg+xml", "png", "image/png");

    private final HttpServer http;

    public DocsServer(Path site, int port) throws IOException {
        Path root = site.toAbsolutePath().normalize();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        http.createContext("/", exchange -> {
            String path = URI.create(exchange.getRequestURI().getRawPath()).getPath();
            Path file = root.resolve(path.substring(1)).normalize();
            if (Files.isDirectory(file)) {
                file = file.resolve("index.html");
            }
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            String name = file.getFileName().toString();
            String extension = name.substring(name.lastIndexOf('.') + 1);
            exchange.getResponseHeaders().set("Content-Type", TYPES.getOrDefault(extension, "application/octet-stream"));
            // The site loads nothing from elsewhere; the browser is told to enforce it.
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
            byte[] body = Files.readAllBytes(file);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
        http.stop(0);
    }

    public static void main(String[] args) throws Exception {
        Path site = Path.of(args[0]);
        if (!Files.exists(site.resolve("index.html"))) {
            System.err.println("No site at " + site + ": run `make docs` first.");
            System.exit(2);
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("DOCS_PORT", "8000"));
        DocsServer server = new DocsServer(site, port);
        System.out.println("The cookbook is served at " + server.url() + "index.html  (Ctrl-C to stop)");
        Thread.currentThread().join();
    }
}
