package dev.mcpoauth.cookbook.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real HAProxy (the operating system's package) on a free loopback port, in front of several
 * instances of a recipe: what users run in production, not a proxy written for the tests.
 *
 * <p>Round robin with no stickiness, as the scale-out tests need: consecutive requests land on
 * different instances. {@link #stickyByMcpSession} adds what an MCP 2025-11-25 deployment needs: a
 * session is pinned to the instance that created it, learned from the {@code Mcp-Session-Id}
 * response header (nginx's open-source hash cannot do this: the hash of an id one instance minted
 * points wherever the hash ring says).
 *
 * <p>Failures: a connection refused (an instance killed between requests) is retried on another
 * instance, as is an idempotent request whose instance died mid-way; a POST is never replayed (a
 * replayed token request is a refresh-token reuse, a replayed {@code tools/call} runs twice), so a
 * client whose instance dies mid-POST gets a 502 and decides itself.
 *
 * <p>Each response carries {@value #SERVED_BY} naming the instance (0-based index) that answered, so
 * a test can assert where each request went.
 */
public final class LoadBalancer implements AutoCloseable {

    /** The Debian/Ubuntu package that provides it; what {@code .ci/run} installs. */
    public static final String PACKAGE = "haproxy";
    /** Response header naming the 0-based index of the instance that answered. */
    public static final String SERVED_BY = "X-Cookbook-Instance";

    private final Process process;
    private final Path directory;
    private final int port;
    private final int instances;

    private LoadBalancer(Process process, Path directory, int port, int instances) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.instances = instances;
    }

    /** {@code /usr/sbin/haproxy} (not on every user's PATH), else {@code haproxy} on the PATH. */
    public static Optional<Path> binary() {
        Path sbin = Path.of("/usr/sbin/haproxy");
        if (Files.isExecutable(sbin)) {
            return Optional.of(sbin);
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "haproxy"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /**
     * Skips the calling test when HAProxy is missing, naming the package; where the environment sets
     * {@code CI} it fails instead, so a green CI never hides a scale-out test that did not run.
     */
    public static void assumeAvailable() {
        if (binary().isEmpty()) {
            String message = "HAProxy is not installed: the scale-out tests need it (apt-get install " + PACKAGE + ")";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(message);
            }
            Assumptions.abort(message);
        }
    }

    /**
     * Round robin over {@code backends}, no stickiness. {@code healthPath} is a path every instance
     * answers 200 on (a dead instance is taken out within a second); null checks the TCP port only.
     */
    public static LoadBalancer roundRobin(String healthPath, List<URI> backends) {
        return start(healthPath, backends, false);
    }

    /** Round robin for requests without {@code Mcp-Session-Id}; a session stays on the instance that created it. */
    public static LoadBalancer stickyByMcpSession(String healthPath, List<URI> backends) {
        return start(healthPath, backends, true);
    }

    private static LoadBalancer start(String healthPath, List<URI> backends, boolean sticky) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backends");
        }
        Path haproxy = binary().orElseThrow(() -> new IllegalStateException(
                "HAProxy is not installed (apt-get install " + PACKAGE + ")"));
        int port = FreePort.find();
        try {
            Path directory = Files.createTempDirectory("cookbook-haproxy");
            Path config = Files.writeString(directory.resolve("haproxy.cfg"),
                    config(port, directory.resolve("admin.sock"), healthPath, backends, sticky));
            Path log = directory.resolve("haproxy.log");
            Process process = new ProcessBuilder(haproxy.toString(), "-f", config.toString(), "-db")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            LoadBalancer balancer = new LoadBalancer(process, directory, port, backends.size());
            Runtime.getRuntime().addShutdownHook(new Thread(balancer::close, "haproxy-stop"));
            balancer.awaitListening(Duration.ofSeconds(10));
            return balancer;
        } catch (IOException e) {
            throw new UncheckedIOException("HAProxy did not start", e);
        }
    }

    static String config(int port, Path adminSocket, String healthPath, List<URI> backends, boolean sticky) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("""
                global
                  maxconn 1024
                  log stderr format raw local0 info
                  stats socket %s mode 600 level admin
                defaults
                  mode http
                  log global
                  log-format "%%b/%%s %%ST %%HM %%HP"
                  timeout connect 1s
                  timeout client 60s
                  timeout server 60s
                  # Server-sent event streams (MCP 2025-11-25 GET, the gateway's relays) stay open.
                  timeout tunnel 1h
                  # A connection refused, or an idempotent request whose instance died, goes to another instance.
                  retries 2
                  option redispatch 1
                  retry-on conn-failure empty-response response-timeout 502 503
                frontend mcp
                  bind 127.0.0.1:%d
                  # Never replay a POST: a replayed token request is refresh-token reuse, a replayed tools/call runs twice.
                  http-request disable-l7-retry if METH_POST
                  default_backend recipe
                backend recipe
                  balance roundrobin
                  http-response set-header %s %%[srv_id,sub(1)]
                """.formatted(adminSocket, port, SERVED_BY));
        if (sticky) {
            cfg.append("""
                      # MCP 2025-11-25: a session lives in one instance; learn which from the response.
                      stick-table type string len 128 size 100k expire 1h
                      stick on req.hdr(Mcp-Session-Id)
                      stick store-response res.hdr(Mcp-Session-Id)
                    """);
        }
        if (healthPath != null) {
            cfg.append("  option httpchk GET ").append(healthPath).append('\n')
                    .append("  http-check expect status 200\n");
        }
        cfg.append("  default-server inter 300ms fall 2 rise 1\n");
        for (int i = 0; i < backends.size(); i++) {
            URI backend = backends.get(i);
            cfg.append("  server i").append(i).append(' ').append(backend.getHost()).append(':').append(backend.getPort())
                    .append(" id ").append(i + 1).append(" check\n");
        }
        return cfg.toString();
    }

    /** {@code http://127.0.0.1:<port>}: where clients connect. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** How many requests each instance answered so far (index = instance), from HAProxy's own log. */
    public int[] requestsPerBackend() {
        int[] counts = new int[instances];
        for (String line : logLines()) {
            String[] fields = line.split(" ");
            if (fields.length >= 2 && fields[0].startsWith("recipe/i")) {
                try {
                    counts[Integer.parseInt(fields[0].substring("recipe/i".length()))]++;
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException notAnInstance) {
                    // "recipe/<NOSRV>": refused before reaching an instance
                }
            }
        }
        return counts;
    }

    /** HAProxy's log: one line per request ({@code recipe/i<index> <status> <method> <path>}) and its notices. */
    public List<String> logLines() {
        try {
            return Files.readAllLines(directory.resolve("haproxy.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether HAProxy's health check currently sees instance {@code index} as up. */
    public boolean isUp(int index) {
        for (String line : adminCommand("show stat").split("\n")) {
            String[] csv = line.split(",");
            if (csv.length > 17 && csv[0].equals("recipe") && csv[1].equals("i" + index)) {
                return csv[17].startsWith("UP");
            }
        }
        throw new IllegalArgumentException("no instance " + index);
    }

    /** Waits until the health check has seen instance {@code index} up (after a restart) or down (after a kill). */
    public void awaitState(int index, boolean up, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isUp(index) != up) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("instance " + index + " not " + (up ? "up" : "down") + " after " + timeout);
            }
            pause();
        }
    }

    private String adminCommand(String command) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(directory.resolve("admin.sock")))) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            StringBuilder out = new StringBuilder();
            while (channel.read(buffer) > 0) {
                buffer.flip();
                out.append(StandardCharsets.US_ASCII.decode(buffer));
                buffer.clear();
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("HAProxy's admin socket did not answer", e);
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("HAProxy exited with " + process.exitValue() + ": " + logLines());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                if (Files.exists(directory.resolve("admin.sock"))) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("HAProxy did not listen on " + port + " within " + timeout);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    /** The instance URLs, in order, for a list of ports on loopback. */
    public static List<URI> loopback(List<Integer> ports) {
        List<URI> uris = new ArrayList<>();
        ports.forEach(p -> uris.add(URI.create("http://127.0.0.1:" + p)));
        return uris;
    }
}
