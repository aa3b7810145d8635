package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization;

import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import java.awt.Desktop;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * For a desktop app (RFC 8252): listens on a fresh loopback port, opens the authorization URL in
 * the user's browser through {@link Desktop#browse} (never through a shell, which is how
 * CVE-2025-6514 ran a hostile "URL" as a command), and waits for the one redirect back.
 * Where no desktop is available it prints the URL for the user to open.
 */
public final class SystemBrowserUserAgent implements AuthorizationUserAgent {

    private static final byte[] DONE_PAGE = """
            <!doctype html><meta charset="utf-8"><title>Signed in</title>
            <p>Authorization finished. You can close this window and return to the app.</p>
            """.getBytes(StandardCharsets.UTF_8);

    private final Duration timeout;
    private final PrintStream out;

    public SystemBrowserUserAgent() {
        this(Duration.ofMinutes(5), System.err);
    }

    public SystemBrowserUserAgent(Duration timeout, PrintStream out) {
        this.timeout = timeout;
        this.out = out;
    }

    @Override
    public URI authorize(Function<URI, URI> authorizationUrlFor) {
        CompletableFuture<URI> callback = new CompletableFuture<>();
        HttpServer listener;
        try {
            listener = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new McpAuthorizationException("Cannot open a loopback port for the redirect", e);
        }
        URI redirectUri = AuthorizationUserAgent.loopbackRedirect(listener.getAddress().getPort());
        listener.createContext("/callback", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, DONE_PAGE.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(DONE_PAGE);
            }
            callback.complete(URI.create(redirectUri + (query == null ? "" : "?" + query)));
        });
        listener.start();
        try {
            URI authorizationUrl = authorizationUrlFor.apply(redirectUri);
            open(authorizationUrl);
            return callback.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new McpAuthorizationException("No authorization response within " + timeout);
        } catch (ExecutionException e) {
            throw new McpAuthorizationException("Authorization response could not be received", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthorizationException("Interrupted while waiting for the authorization response", e);
        } finally {
            listener.stop(0);
        }
    }

    private void open(URI authorizationUrl) {
        if (!java.awt.GraphicsEnvironment.isHeadless() && Desktop.isDesktopSupported()
                && Desktop.getDesktop().isSupported(Desktop.Action.BROWSE)) {
            try {
                Desktop.getDesktop().browse(authorizationUrl);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // fall through to printing it
            }
        }
        out.println("Open this URL in your browser to authorize the app:");
        out.println("  " + authorizationUrl);
    }
}
