package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ProbeCommandTest {

    private static final String FOREIGN_TOKEN = "foreign-opaque-token-issued-for-another-resource";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ProbeCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
    }

    @Test
    void exitsZeroForACompliantServer() throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            int code = run(server.mcpUrl().toString());

            assertThat(code).isZero();
        }
    }

    @Test
    void printsEveryStepForACompliantServer() throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            run(server.mcpUrl().toString());

            assertThat(out.toString(StandardCharsets.UTF_8)).contains("1. Request without a token",
                    "PASS MUST   unauthenticated.status", "(RFC 8414 section 3.3; MCP 2026-07-28", "Exit code 0.");
        }
    }

    @Test
    void exitsOneWithTheFailedMustInJson() throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            server.acceptsAlgNone = true;

            int code = run("--json", "--token", FakeMcpServer.GOOD_TOKEN, server.mcpUrl().toString());

            assertThat(code).isEqualTo(1);
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed).doesNotContain(FakeMcpServer.GOOD_TOKEN);
            JsonNode json = JsonMapper.shared().readTree(printed);
            assertThat(json.get("exitCode").asInt()).isEqualTo(1);
            assertThat(json.get("summary").get("failedMust").asInt()).isEqualTo(1);
            List<JsonNode> failed = json.get("checks").valueStream().filter(c -> c.get("verdict").asString().equals("FAIL")).toList();
            assertThat(failed).singleElement().satisfies(c -> {
                assertThat(c.get("id").asString()).isEqualTo("forged.alg-none.status");
                assertThat(c.get("level").asString()).isEqualTo("MUST");
                assertThat(c.get("rule").asString()).contains("OAuth 2.1 section 5.3");
            });
        }
    }

    @Test
    void registersOnlyWhenGivenRegister() throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            assertThat(run("--json", server.mcpUrl().toString())).isZero();
            assertThat(server.registrationRequests).isEmpty();

            out.reset();
            int code = run("--json", "--register", server.mcpUrl().toString());

            assertThat(code).isZero();
            assertThat(server.registrationRequests).hasSize(1);
            assertThat(server.deleteAuthorizations).hasSize(1);
            JsonNode json = JsonMapper.shared().readTree(out.toString(StandardCharsets.UTF_8));
            assertThat(json.get("checks").valueStream().filter(c -> c.get("step").asString().equals("registration")))
                    .extracting(c -> c.get("id").asString() + " " + c.get("verdict").asString())
                    .containsExactly("registration.open PASS", "registration.delete INFO");
        }
    }

    @Test
    void printsNoRegistrationSecret() throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            run("--json", "--register", server.mcpUrl().toString());

            assertThat(out.toString(StandardCharsets.UTF_8))
                    .doesNotContain(FakeMcpServer.REGISTRATION_ACCESS_TOKEN).doesNotContain(FakeMcpServer.CLIENT_SECRET);
        }
    }

    @Test
    void exitsTwoWhenTheServerDoesNotAnswer() {
        assertThat(run("http://127.0.0.1:1/mcp")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("No answer from http://127.0.0.1:1/mcp: connection refused:"
                + " nothing listens there (is the server running, on this host and port?)");
    }

    @Test
    void readsTheForeignTokenFromAFile(@TempDir Path dir) throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            server.knownTokens.put(FOREIGN_TOKEN, 200);
            Path file = Files.writeString(dir.resolve("foreign.txt"), FOREIGN_TOKEN + "\n");

            int code = run("--json", "--foreign-token-file", file.toString(), server.mcpUrl().toString());

            assertThat(code).isEqualTo(1);
            JsonNode json = JsonMapper.shared().readTree(out.toString(StandardCharsets.UTF_8));
            assertThat(json.get("checks").valueStream().filter(c -> c.get("verdict").asString().equals("FAIL")))
                    .extracting(c -> c.get("id").asString()).containsExactly("foreign-token.status");
        }
    }

    @Test
    void neverPrintsTheForeignToken(@TempDir Path dir) throws Exception {
        try (FakeMcpServer server = new FakeMcpServer()) {
            server.knownTokens.put(FOREIGN_TOKEN, 200);
            Path file = Files.writeString(dir.resolve("foreign.txt"), FOREIGN_TOKEN + "\n");

            run("--json", "--foreign-token-file", file.toString(), server.mcpUrl().toString());

            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain(FOREIGN_TOKEN);
        }
    }

    @Test
    void saysAnUnknownHostIsUnknown() {
        assertThat(run("http://no-such-host.invalid/mcp")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown host");
    }

    @Test
    void exitsTwoOnUsageErrors() {
        assertThat(run()).isEqualTo(2);
        assertThat(run("ftp://example.com/mcp")).isEqualTo(2);
        assertThat(run("--token")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Usage: mcp-oauth-probe");
    }

    @Test
    void catalogueIdsAreUnique() {
        assertThat(Checks.all()).extracting(Check::id).doesNotHaveDuplicates();
    }
}
