package dev.mcpoauth.cookbook.githubproxy;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.github.GitHubEmulator;
import dev.mcpoauth.cookbook.testkit.net.FreePort;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GitHub emulator (shared test kit) and the proxy, started on loopback the way an operator
 * starts them: configuration only, plus at most a {@link java.time.Clock} bean for a test that
 * moves time. Demo-only credentials.
 */
final class ProxyStack implements AutoCloseable {

    static final UserCredentials ALICE = new UserCredentials("alice", "alice-github-password");
    static final UserCredentials BOB = new UserCredentials("bob", "bob-github-password");
    static final String GITHUB_CLIENT_ID = "Iv1.proxy-demo-app";
    static final String GITHUB_CLIENT_SECRET = "proxy-demo-app-secret";
    static final String BASE_SCOPE = "mcp:tools";
    /** What {@code list_repositories} needs beyond the base scope. */
    static final String REPOS_READ = "repos:read";
    /** What an MCP client sends first. */
    static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}""";

    final GitHubEmulator github;
    final URI baseUrl;
    private final Map<String, Object> properties;
    private Clock clock;
    private ConfigurableApplicationContext proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    private ProxyStack(GitHubEmulator github, URI baseUrl, Map<String, Object> properties) {
        this.github = github;
        this.baseUrl = baseUrl;
        this.properties = properties;
    }

    /** Classic OAuth App (tokens never expire, no refresh tokens), an H2 database file under {@code dataDirectory}. */
    static ProxyStack start(Path dataDirectory, Map<String, Object> overrides) {
        return start(dataDirectory, overrides, false);
    }

    static ProxyStack start(Path dataDirectory, Map<String, Object> overrides, boolean expiringGitHubTokens) {
        return start(dataDirectory, overrides, expiringGitHubTokens, null);
    }

    private static ProxyStack start(Path dataDirectory, Map<String, Object> overrides, boolean expiringGitHubTokens, Clock clock) {
        try {
            GitHubEmulator github = GitHubEmulator.start();
            URI callback = URI.create("http://127.0.0.1/login/oauth2/code/github"); // any port on loopback, like GitHub
            if (expiringGitHubTokens) {
                github.registerAppWithExpiringTokens(GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, callback, java.time.Duration.ofHours(8));
            } else {
                github.registerOAuthApp(GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, callback);
            }
            github.addUser(ALICE.username(), ALICE.password(), "Alice Example", "dotfiles", "garden-planner");
            github.addUser(BOB.username(), BOB.password(), "Bob Example", "kitchen-timer");
            int port = FreePort.find();
            Map<String, Object> properties = new HashMap<>();
            properties.put("server.port", port);
            properties.put("spring.datasource.url", "jdbc:h2:file:" + dataDirectory.resolve("proxy").toAbsolutePath());
            properties.put("proxy.token-encryption-key", randomKey());
            properties.put("proxy.github-api-url", github.apiBaseUrl().toString());
            properties.put("proxy.client-metadata-documents.allow-loopback-http", true);
            // The tests register hundreds of clients from one address; the rate limits have a test of their own.
            properties.put("proxy.rate-limits.registrations-per-hour", 100_000);
            properties.put("proxy.rate-limits.token-requests-per-minute", 100_000);
            properties.put("spring.security.oauth2.client.registration.github.client-id", GITHUB_CLIENT_ID);
            properties.put("spring.security.oauth2.client.registration.github.client-secret", GITHUB_CLIENT_SECRET);
            properties.put("spring.security.oauth2.client.provider.github.authorization-uri", github.webBaseUrl() + "/login/oauth/authorize");
            properties.put("spring.security.oauth2.client.provider.github.token-uri", github.webBaseUrl() + "/login/oauth/access_token");
            properties.put("spring.security.oauth2.client.provider.github.user-info-uri", github.apiBaseUrl() + "/user");
            properties.putAll(overrides);
            ProxyStack stack = new ProxyStack(github, URI.create("http://127.0.0.1:" + port), properties);
            stack.clock = clock;
            stack.startProxy();
            return stack;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #start(Path, Map)}, with the proxy's time taken from {@code clock}. */
    static ProxyStack start(Path dataDirectory, Map<String, Object> overrides, Clock clock) {
        return start(dataDirectory, overrides, false, clock);
    }

    /** For the demo: the helpers, against a proxy started elsewhere. */
    static ProxyStack attach(URI baseUrl) {
        return new ProxyStack(null, baseUrl, Map.of());
    }

    void startProxy() {
        // As command-line arguments: they override application.yml, as an operator's settings do.
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        SpringApplicationBuilder application = new SpringApplicationBuilder(GitHubProxyApplication.class);
        if (clock != null) {
            application.initializers(context -> context.getBeanFactory().registerSingleton("clock", clock));
        }
        proxy = application.run(arguments);
    }

    void stopProxy() {
        proxy.close();
        proxy = null;
    }

    /** A GitHub user of their own, for a test that counts a user's grants. */
    UserCredentials newGitHubUser(String login) {
        UserCredentials user = new UserCredentials(login, login + "-github-password");
        github.addUser(user.username(), user.password(), login, login + "-project");
        return user;
    }

    <T> T bean(Class<T> type) {
        return proxy.getBean(type);
    }

    URI mcpUrl() {
        return baseUrl.resolve("/mcp");
    }

    /** The RFC 9728 metadata URL the 401 challenges name. */
    String resourceMetadataUrl() {
        return baseUrl + "/.well-known/oauth-protected-resource/mcp";
    }

    /**
     * A request to the proxy (rest-assured): redirects not followed, URLs sent as given, and no charset
     * added to the Content-Type, so the proxy sees exactly what the test wrote.
     */
    RequestSpecification given() {
        return RestAssured.given().baseUri(baseUrl.toString()).redirects().follow(false).urlEncodingEnabled(false)
                .config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)));
    }

    /** A JSON-RPC POST to {@code /mcp} as an MCP client sends it, with this access token. */
    RequestSpecification mcp(String accessToken) {
        return given().header("Authorization", "Bearer " + accessToken)
                .contentType("application/json").accept("application/json, text/event-stream");
    }

    /** A browser's CORS preflight for a POST from {@code origin}. */
    RequestSpecification preflight(String origin) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,mcp-protocol-version");
    }

    /** RFC 7591: a public client with a loopback redirect, as an MCP client registers. Returns the client_id. */
    String registerClient(String name) {
        return register("""
                {"client_name":%s,"redirect_uris":["http://127.0.0.1/callback"],"grant_types":["authorization_code","refresh_token"],
                 "response_types":["code"],"token_endpoint_auth_method":"none","scope":"mcp:tools repos:read"}"""
                .formatted(JsonMapper.shared().writeValueAsString(name)))
                .then().log().ifValidationFails().statusCode(201).extract().path("client_id");
    }

    /** An RFC 7591 registration request with this metadata. */
    Response register(String json) {
        return given().contentType("application/json").accept("application/json").body(json).when().post("/oauth2/register");
    }

    /** The whole front channel (GitHub sign-in, GitHub's app approval, the proxy's consent) and the token request. */
    Tokens login(HeadlessUserAgent browser, String clientId, UserCredentials user) {
        return login(browser, clientId, user, BASE_SCOPE);
    }

    Tokens login(HeadlessUserAgent browser, String clientId, UserCredentials user, String... scopes) {
        return flow(clientId).scope(scopes).resource(mcpUrl()).run(browser, user);
    }

    /**
     * A token for every tool, as an MCP client gets one: the base scope first (the 401 names it), then
     * a step-up to the tools' scopes (a 403 names them), approved on the proxy's consent page. The
     * step-up's consent form is submitted here as a browser submits it, with one {@code scope} field
     * per scope: the test kit's headless agent keeps one value per field name.
     */
    Tokens loginForEveryTool(HeadlessUserAgent browser, String clientId, UserCredentials user) {
        login(browser, clientId, user, BASE_SCOPE); // signs the user in at GitHub and at the proxy
        Browser.Pkce pkce = Browser.Pkce.create();
        HttpResponse<String> consentPage = Browser.follow(browser, Browser.authorizationUrl(this, clientId, pkce,
                Map.of("scope", BASE_SCOPE + " " + REPOS_READ)));
        StringBuilder consent = new StringBuilder("accept=yes");
        Jsoup.parse(consentPage.body()).select("form input[type=hidden]").forEach(input -> consent.append('&')
                .append(Browser.form(Map.of(input.attr("name"), input.attr("value")))));
        HttpResponse<String> approved = Browser.send(browser, HttpRequest.newBuilder(baseUrl.resolve("/oauth2/authorize"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(consent.toString())).build());
        String code = Browser.redirectParameters(approved).get("code");
        JsonNode tokens = JsonMapper.shared().readTree(given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", Browser.REDIRECT_URI,
                        "client_id", clientId, "code_verifier", pkce.verifier(), "resource", mcpUrl().toString())))
                .when().post("/oauth2/token")
                .then().log().ifValidationFails().statusCode(200).extract().asString());
        return new Tokens(tokens.get("access_token").asString(), tokens.path("refresh_token").asString(null),
                List.of(tokens.get("scope").asString().split(" ")));
    }

    AuthorizationCodeFlow flow(String clientId) {
        JsonNode metadata = metadata();
        return AuthorizationCodeFlow.with(URI.create(metadata.get("issuer").asString()),
                URI.create(metadata.get("authorization_endpoint").asString()),
                URI.create(metadata.get("token_endpoint").asString()), clientId);
    }

    JsonNode metadata() {
        return JsonMapper.shared().readTree(given().when().get("/.well-known/oauth-authorization-server")
                .then().statusCode(200).extract().asString());
    }

    /** A public client's refresh request (no secret), for the MCP server. */
    Response refresh(String clientId, String refreshToken) {
        return given().contentType("application/x-www-form-urlencoded")
                .body(Browser.form(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken,
                        "client_id", clientId, "resource", mcpUrl().toString())))
                .when().post("/oauth2/token");
    }

    /** The JDK client, for a test that needs byte-level control of the request (exact bytes, exact headers). */
    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<String> tokensIn(Tokens tokens) {
        return tokens.refreshToken() == null ? List.of(tokens.accessToken()) : List.of(tokens.accessToken(), tokens.refreshToken());
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        if (github != null) {
            github.close();
        }
    }
}
