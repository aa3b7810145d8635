package dev.mcpoauth.cookbook.keycloakdcr;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official MCP conformance suite's authorization-server scenarios against this recipe's
 * Keycloak realm ({@code make conformance}, via tools/conformance/run-authorization-server.sh):
 * RFC 8414 metadata, then a full authorization-code grant with PKCE and {@code resource} for the
 * realm's pre-registered public client. The suite prints an authorization URL for a person to
 * open; the test kit's headless agent signs in as alice on Keycloak's real login page and the
 * final redirect is delivered to the suite's callback server.
 *
 * <p>Usage: {@code ConformanceAuthorizationServer <suite command...>}; the suite's options
 * ({@code --url}, {@code --client-id}, ...) are appended here. Exit code: the suite's.
 */
public final class ConformanceAuthorizationServer {

    /** Pre-registered in keycloak/realm.json with {@code http://127.0.0.1/callback}: any loopback port (RFC 8252). */
    private static final String CLIENT_ID = "mcp-demo-client";

    public static void main(String[] args) throws Exception {
        int callbackPort = Integer.parseInt(System.getenv().getOrDefault("CONFORMANCE_CALLBACK_PORT", "18082"));
        Path output = Path.of(System.getenv().getOrDefault("CONFORMANCE_OUTPUT", "target/conformance/keycloak"));
        Files.createDirectories(output);
        DemoSetup demo = DemoSetup.start(Integer.parseInt(System.getenv().getOrDefault("PORT", "18083")));
        int exit;
        try {
            List<String> command = new ArrayList<>(List.of(args));
            command.addAll(List.of("authorization", "--url", demo.realm.issuer().toString(), "--client-id", CLIENT_ID,
                    "--resource", demo.mcpUrl(), "--port", Integer.toString(callbackPort), "--output-dir", output.toString()));
            exit = runSuite(command, callbackPort, demo.realm.authorizationEndpoint().toString());
        } finally {
            demo.close();
        }
        System.exit(exit);
    }

    private static int runSuite(List<String> command, int callbackPort, String authorizationEndpoint) throws Exception {
        Process suite = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(suite.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println(line);
                if (line.startsWith(authorizationEndpoint + "?")) {
                    playTheUser(URI.create(line.strip()), "http://127.0.0.1:" + callbackPort + "/callback");
                }
            }
            if (!suite.waitFor(2, TimeUnit.MINUTES)) {
                suite.destroyForcibly();
                return 1;
            }
            return suite.exitValue();
        } finally {
            suite.destroyForcibly();
        }
    }

    /** Signs in on Keycloak's login page, then hands the authorization response to the suite's callback server. */
    private static void playTheUser(URI authorizationUrl, String callback) throws Exception {
        URI response = new HeadlessUserAgent().authorize(authorizationUrl, callback, DemoSetup.ALICE);
        // The suite starts its callback server as it prints the URL; give it a moment, then deliver.
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int attempt = 0; ; attempt++) {
            try {
                http.send(HttpRequest.newBuilder(response).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding());
                System.out.println("(the headless agent signed in as alice and delivered the authorization response)");
                return;
            } catch (java.net.ConnectException notYet) {
                if (attempt == 20) {
                    throw notYet;
                }
                Thread.sleep(250); // not a Clock case: waits for the suite's Node process to open its callback port
            }
        }
    }

    private ConformanceAuthorizationServer() {
    }
}
