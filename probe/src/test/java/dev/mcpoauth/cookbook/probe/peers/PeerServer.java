package dev.mcpoauth.cookbook.probe.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.json.JsonMapper;

/**
 * One MCP server nobody on this project wrote, with its authorization server, as a local process on two free
 * loopback ports:
 * <ul>
 *   <li>{@link #sdkExample(boolean)}: the MCP TypeScript SDK's example server {@code simpleStreamableHttp.js}, run
 *       unchanged with {@code --oauth} (and {@code --oauth-strict}), and its demo authorization server;</li>
 *   <li>{@link #minimalBearer()}: {@code src/test/node/minimal-bearer-server.mjs}, a resource server assembled from
 *       the SDK's auth helpers (requireBearerAuth with requiredScopes mcp:tools and expectedResource) in front of the
 *       same demo authorization server, which issues tokens for any resource;</li>
 *   <li>{@link #fastmcp()}: {@code src/test/node/fastmcp-server.mjs}, a server of the fastmcp framework as its README
 *       shows one protected by OAuth (the {@code oauth} option's well-known documents and an {@code authenticate}
 *       function that throws a 401 {@code Response}), introspecting tokens at the same demo authorization server.</li>
 * </ul>
 * All name themselves {@code http://localhost:PORT/mcp}; the demo authorization server's issuer is
 * {@code http://localhost:AUTH_PORT/}. Its stdout and stderr go to {@link #log()}. Closing it ends the process
 * and its descendants.
 */
public final class PeerServer implements AutoCloseable {

    public enum Kind {
        /** The SDK example with {@code --oauth}: any token the demo AS knows is accepted, whatever its resource or scope. */
        SDK_EXAMPLE("sdk-example"),
        /** The SDK example with {@code --oauth --oauth-strict}: the demo AS issues tokens for this server only. */
        SDK_EXAMPLE_STRICT("sdk-example-strict"),
        /** minimal-bearer-server.mjs: the SDK's bearer middleware with a required scope and an expected resource. */
        MINIMAL_BEARER("minimal-bearer"),
        /** fastmcp-server.mjs: the fastmcp framework's oauth option and an authenticate function from its README. */
        FASTMCP("fastmcp");

        private final String logName;

        Kind(String logName) {
            this.logName = logName;
        }
    }

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;
    private static final JsonMapper JSON = JsonMapper.shared();

    private final Kind kind;
    private final Process process;
    private final Thread shutdownHook;
    private final int mcpPort;
    private final int authPort;
    private final Path log;
    private final URI issuer;
    private DemoAuthorization authorization;

    /** The SDK's example server, unchanged; {@code strict} adds {@code --oauth-strict}. */
    public static PeerServer sdkExample(boolean strict) {
        return start(strict ? Kind.SDK_EXAMPLE_STRICT : Kind.SDK_EXAMPLE);
    }

    /** The minimal resource server built from the SDK's auth helpers. */
    public static PeerServer minimalBearer() {
        return start(Kind.MINIMAL_BEARER);
    }

    /** The server built with the fastmcp framework. */
    public static PeerServer fastmcp() {
        return start(Kind.FASTMCP);
    }

    public static PeerServer start(Kind kind) {
        Path dir = PeerServers.install();
        // Two free ports are picked, then released for node to bind: another process may take one in between,
        // so a start that fails with EADDRINUSE is retried on new ports.
        for (int attempt = 1; ; attempt++) {
            try {
                return new PeerServer(kind, dir);
            } catch (PortTaken e) {
                if (attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("The " + kind + " server found its port taken " + attempt
                            + " times; last log:\n" + e.getMessage());
                }
            }
        }
    }

    private PeerServer(Kind kind, Path dir) {
        this.kind = kind;
        int[] ports = freeLoopbackPorts(2);
        this.mcpPort = ports[0];
        this.authPort = ports[1];
        List<String> command = new ArrayList<>();
        command.add(PeerServers.node().toString());
        switch (kind) {
            case SDK_EXAMPLE, SDK_EXAMPLE_STRICT -> {
                command.add(dir.resolve("node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/simpleStreamableHttp.js")
                        .toString());
                command.add("--oauth");
                if (kind == Kind.SDK_EXAMPLE_STRICT) {
                    command.add("--oauth-strict");
                }
            }
            case MINIMAL_BEARER -> command.add(dir.resolve("minimal-bearer-server.mjs").toString());
            case FASTMCP -> command.add(dir.resolve("fastmcp-server.mjs").toString());
        }
        try {
            Path logs = Files.createDirectories(dir.resolve("logs"));
            this.log = logs.resolve(kind.logName + "-" + mcpPort + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("MCP_PORT", Integer.toString(mcpPort));
            env.put("MCP_AUTH_PORT", Integer.toString(authPort));
            // The SDK refuses http issuers except on localhost; make sure nothing from the caller loosens that.
            env.remove("MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL");
            env.remove("NODE_OPTIONS");
            // fastmcp reads FASTMCP_STATELESS, FASTMCP_BASE_PATH and the like where the script does not say.
            env.keySet().removeIf(name -> name.startsWith("FASTMCP_"));
            this.process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + command, e);
        }
        this.shutdownHook = new Thread(this::stopProcess, "stop " + kind.logName + " peer server");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            this.issuer = awaitReady();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    public Kind kind() {
        return kind;
    }

    /** {@code http://localhost:PORT/mcp}, the URL the server names itself by (its RFC 9728 {@code resource}). */
    public URI mcpUrl() {
        return URI.create("http://localhost:" + mcpPort + "/mcp");
    }

    /** The authorization server's issuer as its metadata states it ({@code http://localhost:AUTH_PORT/}). */
    public URI issuer() {
        return issuer;
    }

    public int mcpPort() {
        return mcpPort;
    }

    public int authPort() {
        return authPort;
    }

    /** The server's stdout and stderr. */
    public Path log() {
        return log;
    }

    public String logTail(int lines) {
        return PeerServers.tail(log, lines);
    }

    /** A client of this server's authorization server, registered on first use and kept for the server's life. */
    public synchronized DemoAuthorization authorization() {
        if (authorization == null) {
            authorization = new DemoAuthorization(issuer);
        }
        return authorization;
    }

    /** Ends the server and anything it started, and waits for them. */
    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs or ran
        }
    }

    @Override
    public String toString() {
        return kind + " " + mcpUrl() + " (issuer " + issuer + ", log " + log + ")";
    }

    private void stopProcess() {
        if (process == null) {
            return;
        }
        // Children first, listed before the parent dies and they are re-parented.
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : descendants) {
                try {
                    child.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the MCP port accepts connections and the AS metadata answers 200; returns its issuer. */
    private URI awaitReady() {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        URI metadata = URI.create("http://localhost:" + authPort + "/.well-known/oauth-authorization-server");
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String lastProblem = "nothing tried yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String tail = logTail(40);
                if (tail.contains("EADDRINUSE")) {
                    throw new PortTaken(tail);
                }
                throw new IllegalStateException("The " + kind + " server exited with " + process.exitValue()
                        + " before it was ready; " + log + " ends:\n" + tail);
            }
            if (!accepts(mcpPort)) {
                lastProblem = "MCP port " + mcpPort + " does not accept connections";
            } else {
                try {
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(metadata).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        Object issuerValue = JSON.readValue(response.body(), Map.class).get("issuer");
                        if (issuerValue instanceof String s) {
                            return URI.create(s);
                        }
                        lastProblem = metadata + " has no issuer: " + response.body();
                    } else {
                        lastProblem = metadata + " answered " + response.statusCode();
                    }
                } catch (IOException e) {
                    lastProblem = metadata + ": " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for " + kind, e);
                }
            }
            sleep(100);
        }
        throw new IllegalStateException("The " + kind + " server was not ready within " + STARTUP_TIMEOUT.toSeconds()
                + " s (" + lastProblem + "); " + log + " ends:\n" + logTail(40));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freeLoopbackPorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                // Held open together so the two ports differ.
                ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // freeing a port we only looked at
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private static final class PortTaken extends RuntimeException {
        PortTaken(String logTail) {
            super(logTail);
        }
    }
}
