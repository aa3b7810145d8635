package dev.mcpoauth.cookbook.benchmarks;

import dev.mcpoauth.cookbook.benchmarks.AuthOverhead.Overhead;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peer: what the MCP TypeScript SDK's own bearer-auth middleware ({@code requireBearerAuth} with a
 * jose {@code createRemoteJWKSet} verifier, {@code peer-ts/server.mjs}) costs against the same Node
 * server without it, under the same load, realm and token as the Java auth-overhead figures. The
 * SDK speaks MCP 2025-11-25, which is the load {@link AuthOverhead} sends. Node runs one thread: on
 * 2 cores the peer's server uses one core, as Node servers are run.
 */
final class PeerOverhead {

    static final String FIGURE = "peer";
    private static final Path PEER = Path.of("peer-ts");
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

    private PeerOverhead() {
    }

    static Overhead measure(Results results) throws Exception {
        Path node = PEER.resolve("node_modules/node/bin/node").toAbsolutePath();
        if (!Files.isExecutable(node)) { // a figure that silently vanished would read as "no peer to beat"
            throw new IllegalStateException(node + " is missing: `make bench` installs the peer (cd benchmarks/peer-ts"
                    + " && npm ci), which needs npm and the npm registry");
        }
        int port = FreePort.find();
        URI mcpUrl = URI.create("http://localhost:" + port + "/mcp");
        Realm realm = AuthOverhead.realmFor("resource-server-javalin", mcpUrl);
        int twinPort = FreePort.find();
        URI twinUrl = URI.create("http://localhost:" + twinPort + "/mcp");
        List<String> command = List.of(node.toString(), "server.mjs");
        try (ChildJvm peer = ChildJvm.startCommand("peer-ts", command, PEER, Map.of("PORT", Integer.toString(port),
                        "AUTH", "on", "MCP_RESOURCE", mcpUrl.toString(), "ISSUER", realm.issuer().toString(),
                        "JWKS_URI", realm.jwksUri().toString()));
             ChildJvm twin = ChildJvm.startCommand("peer-ts-twin", command, PEER, Map.of("PORT", Integer.toString(twinPort),
                     "AUTH", "off", "MCP_RESOURCE", twinUrl.toString()))) {
            peer.awaitHttp200(URI.create("http://localhost:" + port + "/.well-known/oauth-protected-resource/mcp"),
                    AuthOverhead.STARTUP);
            twin.awaitHttp200(URI.create("http://localhost:" + twinPort + "/.well-known/oauth-protected-resource/mcp"),
                    AuthOverhead.STARTUP);
            return AuthOverhead.compare(results, name(), twinUrl, mcpUrl, AuthOverhead.tokenFor(realm, mcpUrl), false);
        }
    }

    /**
     * Ahead of the peer: every Java ratio at least the peer's, and Javalin (the lightest Java flavour)
     * answering more calls per second. Ratios are compared as printed (two decimals), so the row never
     * says "0.89 vs 0.89" and a miss.
     */
    static void verdict(Results results, List<Overhead> java, Overhead peer) {
        double peerRatio = printed(peer.ratio());
        List<String> behind = java.stream().filter(flavour -> printed(flavour.ratio()) < peerRatio).map(Overhead::flavour)
                .toList();
        Overhead javalin = java.get(0);
        boolean faster = javalin.throughput() > peer.throughput();
        String ratios = String.join(" / ", java.stream().map(flavour -> Results.ratio(flavour.ratio())).toList());
        results.add("Ahead of the peer: each Java ratio (" + String.join(" / ", java.stream().map(Overhead::flavour).toList())
                        + ") against the peer's; Javalin's throughput against the peer's",
                ratios + " vs " + Results.ratio(peer.ratio()) + "; " + String.format(Locale.ROOT, "%.0f vs %.0f calls/s",
                        javalin.throughput(), peer.throughput()),
                "peer " + Results.ratio(peer.ratio()) + ", " + Results.number(peer.throughput(), "calls/s"),
                (behind.isEmpty() ? "all ratios >= the peer's" : "below the peer's ratio: " + String.join(", ", behind))
                        + "; Javalin " + Results.ratio(javalin.throughput() / peer.throughput()) + " × the peer",
                "every ratio >= the peer's, Javalin faster", behind.isEmpty() && faster);
    }

    private static double printed(double ratio) {
        return Double.parseDouble(Results.ratio(ratio));
    }

    /** The row's name, with the versions installed from package-lock.json. */
    private static String name() throws IOException {
        return String.format(Locale.ROOT, "peer (MCP TypeScript SDK %s requireBearerAuth + jose %s, Node %s)",
                version("@modelcontextprotocol/sdk"), version("jose"), version("node").split("\\.")[0]);
    }

    private static String version(String module) throws IOException {
        Matcher matcher = VERSION.matcher(Files.readString(PEER.resolve("node_modules").resolve(module).resolve("package.json")));
        if (!matcher.find()) {
            throw new IllegalStateException("no version in " + module + "'s package.json");
        }
        return matcher.group(1);
    }
}
