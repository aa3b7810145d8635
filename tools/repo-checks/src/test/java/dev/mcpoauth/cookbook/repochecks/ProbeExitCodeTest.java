package dev.mcpoauth.cookbook.repochecks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe's documented exit codes as a user sees them from the shell (probe/README.md): 1 for a failed MUST, 2
 * for no answer, from probe/mcp-oauth-probe; and `make probe` naming which one it was, since GNU make exits 2 for
 * any failed command. Runs after the probe module is packaged (the last module of the reactor).
 */
class ProbeExitCodeTest {

    private HttpServer openServer;

    @BeforeEach
    void startAServerThatNeedsNoToken() throws IOException {
        // A 200 to initialize without a token: unauthenticated.status fails, a MUST.
        openServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        openServer.createContext("/", exchange -> {
            byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/mcp") ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        openServer.start();
    }

    @AfterEach
    void stop() {
        openServer.stop(0);
    }

    private String openMcpUrl() {
        return "http://127.0.0.1:" + openServer.getAddress().getPort() + "/mcp";
    }

    @Test
    void theScriptExitsOneWhenAMustFails() throws Exception {
        Run run = run(List.of("probe/mcp-oauth-probe", openMcpUrl()));

        assertThat(run.code()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("FAILED unauthenticated.status: HTTP 200");
    }

    @Test
    void theScriptExitsTwoWhenNothingAnswers() throws Exception {
        Run run = run(List.of("probe/mcp-oauth-probe", "http://127.0.0.1:1/mcp"));

        assertThat(run.code()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("connection refused");
    }

    @Test
    void makeProbeSaysWhichExitCodeTheProbeGave() throws Exception {
        Run failedMust = run(List.of("make", "-s", "probe", "URL=" + openMcpUrl()));
        Run unreachable = run(List.of("make", "-s", "probe", "URL=http://127.0.0.1:1/mcp"));

        assertThat(failedMust.code()).isEqualTo(2);
        assertThat(failedMust.output()).contains("make probe: the probe exited 1: a MUST failed");
        assertThat(unreachable.code()).isEqualTo(2);
        assertThat(unreachable.output()).contains("make probe: the probe exited 2: usage error, or no answer");
    }

    private record Run(int code, String output) {
    }

    private static Run run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).directory(Repository.ROOT.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command + "\n" + output);
        }
        return new Run(process.exitValue(), output);
    }
}
