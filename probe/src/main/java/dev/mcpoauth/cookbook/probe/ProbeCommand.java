package dev.mcpoauth.cookbook.probe;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar mcp-oauth-probe-cli.jar [--json] [--token T | --token-file F] [--foreign-token T | --foreign-token-file F]
 * [--register] [--timeout S] URL}.
 * Exit 0 when every MUST passes, 1 when one fails, 2 on a usage error or an unreachable server.
 */
public final class ProbeCommand {

    static final String USAGE = """
            Usage: mcp-oauth-probe [options] MCP_SERVER_URL

            Walks what a compliant MCP client does with the URL and judges each step against the rule
            it checks (MCP authorization 2025-11-25 and 2026-07-28, RFC 9728, RFC 8414, RFC 6750, ...),
            on both MCP wires: 2025-11-25 (initialize) and 2026-07-28 (stateless), and reports which
            revisions the server speaks.

            Options:
              --json              print the report as JSON (for CI)
              --token TOKEN       also check a real access token (accepted; tools/list; 403 step-up);
                                  it also tells which revisions the server speaks, and lets the
                                  probe check the 2026-07-28 wire's header/body, version and
                                  method rules (without it they are reported as not checked)
              --token-file FILE   read that token from a file (keeps it out of the process list)
                                  (or set MCP_PROBE_TOKEN). A token the server must refuse
                                  (a JWT for another resource, expired, from another issuer;
                                  a 403 asking for more scope) is not charged to the server
              --foreign-token TOKEN
              --foreign-token-file FILE
                                  a real token from the server's own authorization server,
                                  issued for ANOTHER resource (RFC 8707 resource=...): the only
                                  way to test from outside that the server checks the audience;
                                  it must be refused with 401 (or set MCP_PROBE_FOREIGN_TOKEN)
              --register          also register a client at the authorization server's
                                  registration_endpoint (RFC 7591) as MCP clients do, then delete it
                                  (RFC 7592). This writes to the server: without it the probe is
                                  non-destructive
              --timeout SECONDS   per request, default 10
              --help

            Exit codes: 0 every MUST passes, 1 a MUST failed, 2 usage error or server unreachable.
            Token values are never printed, only their claims; nor are a registered client's
            client_secret and registration_access_token.
            """;

    private ProbeCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        boolean json = false;
        boolean register = false;
        String token = env.get("MCP_PROBE_TOKEN");
        String foreignToken = env.get("MCP_PROBE_FOREIGN_TOKEN");
        Duration timeout = Duration.ofSeconds(10);
        String url = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--token" -> token = value(args, ++i, "--token");
                    case "--token-file" -> token = Files.readString(Path.of(value(args, ++i, "--token-file")),
                            StandardCharsets.UTF_8).strip();
                    case "--foreign-token" -> foreignToken = value(args, ++i, "--foreign-token");
                    case "--foreign-token-file" -> foreignToken = Files.readString(Path.of(value(args, ++i,
                            "--foreign-token-file")), StandardCharsets.UTF_8).strip();
                    case "--register" -> register = true;
                    case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i, "--timeout")));
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return ProbeReport.ALL_MUSTS_PASS;
                    }
                    default -> {
                        if (args[i].startsWith("-") || url != null) {
                            throw new IllegalArgumentException("Unexpected argument: " + args[i]);
                        }
                        url = args[i];
                    }
                }
            }
            if (url == null) {
                throw new IllegalArgumentException("No MCP server URL given");
            }
            URI target = URI.create(url);
            String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || target.getHost() == null) {
                throw new IllegalArgumentException("Not an http(s) URL: " + url);
            }
            token = token == null || token.isBlank() ? null : token.strip();
            foreignToken = foreignToken == null || foreignToken.isBlank() ? null : foreignToken.strip();
            Probe probe = Probe.of(target).http(ProbeHttp.withTimeout(timeout)).token(token).foreignToken(foreignToken)
                    .register(register);
            ProbeReport report;
            try {
                report = probe.run();
            } catch (IllegalArgumentException e) {
                // The HTTP client quotes a header it refuses, token included: say what happened, never its message.
                if (e.getMessage() != null && e.getMessage().startsWith("Refusing to send a real token")) {
                    throw e;
                }
                throw new IllegalArgumentException("A request could not be built (an invalid URL or header value)");
            }
            out.print(json ? JsonReport.render(report) + "\n" : TextReport.render(report));
            return report.exitCode();
        } catch (IllegalArgumentException | IOException e) {
            int code = ProbeReport.USAGE_OR_UNREACHABLE;
            String message = e instanceof ProbeUnreachableException ? e.getMessage()
                    : e instanceof IOException ? "Cannot read: " + e.getMessage() : e.getMessage();
            if (json) {
                out.println(JsonReport.error(url, message, code));
            } else {
                err.println("mcp-oauth-probe: " + message);
                if (!(e instanceof ProbeUnreachableException)) {
                    err.print(USAGE);
                }
            }
            return code;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
