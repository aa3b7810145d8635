package dev.mcpoauth.cookbook.testkit.github;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * GitHub's OAuth App flow as GitHub documents it, on loopback, for recipes whose upstream is an
 * identity provider without dynamic client registration. Real GitHub is unreachable from tests,
 * so this reproduces its wire behaviour, quirks included:
 * <ul>
 * <li>{@code GET /login/oauth/authorize} with GitHub's own sign-in page ({@code login}/{@code password})
 *     and "Authorize app" page (CSRF token, {@code authorize=1}); an app already authorized for the
 *     requested scopes is redirected back at once; a {@code redirect_uri} must have the callback
 *     URL's host and port and a path at or below its path (any port on a loopback callback);</li>
 * <li>{@code POST /login/oauth/access_token} answers {@code application/x-www-form-urlencoded} unless
 *     the request sends {@code Accept: application/json}; errors come back with HTTP <b>200</b> and an
 *     {@code error} field ({@code bad_verification_code}, {@code incorrect_client_credentials},
 *     {@code redirect_uri_mismatch}, {@code bad_refresh_token}); codes are single-use and live 10 minutes;
 *     {@code scope} is comma-separated;</li>
 * <li>classic OAuth App tokens ({@code gho_}) never expire and come without a refresh token; an app
 *     can opt into expiring user tokens ({@code ghu_} for 8 hours, rotating {@code ghr_} refresh tokens);</li>
 * <li>the REST API under {@link #apiBaseUrl()}: {@code GET /user}, {@code GET /user/repos}
 *     ({@code Authorization: Bearer} or {@code token}; {@code X-OAuth-Scopes} on every answer;
 *     401 {@code "Bad credentials"}), and {@code DELETE /applications/{client_id}/token} to revoke;</li>
 * <li>no RFC 8414 metadata and no registration endpoint: 404, like GitHub.</li>
 * </ul>
 */
public final class GitHubEmulator implements AutoCloseable {

    private static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer http;
    private final String origin;
    private final Clock clock;
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, String> sessions = new ConcurrentHashMap<>(); // session cookie -> login
    private final Map<String, String> csrfTokens = new ConcurrentHashMap<>(); // session cookie -> token
    private final Map<String, Set<String>> authorizations = new ConcurrentHashMap<>(); // login|client -> scopes
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Token> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, Token> refreshTokens = new ConcurrentHashMap<>();
    private final List<ApiCall> apiCalls = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();

    /** An OAuth App: one confidential client, one callback URL. */
    public record App(String clientId, String clientSecret, URI callbackUrl, Duration userTokenLifetime) {
        boolean expiringTokens() {
            return userTokenLifetime != null;
        }
    }

    public record User(long id, String login, String password, String name, List<String> repositories) {
    }

    /** A call to the REST API and the token it carried (null when none). */
    public record ApiCall(String method, String path, String token, int status) {
    }

    private record Code(String value, String clientId, String login, Set<String> scopes, String redirectUri,
            Instant expiresAt) {
    }

    private record Token(String value, String clientId, String login, Set<String> scopes, Instant expiresAt,
            String refreshToken) {
    }

    private GitHubEmulator(Clock clock) throws IOException {
        this.clock = clock;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin = "http://127.0.0.1:" + http.getAddress().getPort();
        http.createContext("/", this::handle);
        http.start();
    }

    public static GitHubEmulator start() throws IOException {
        return new GitHubEmulator(Clock.systemUTC());
    }

    /** For tests that move time forward (token expiry). */
    public static GitHubEmulator start(Clock clock) throws IOException {
        return new GitHubEmulator(clock);
    }

    /** Where {@code /login/oauth/authorize} and {@code /login/oauth/access_token} live (github.com). */
    public URI webBaseUrl() {
        return URI.create(origin);
    }

    /** The REST API base (api.github.com). */
    public URI apiBaseUrl() {
        return URI.create(origin + "/api");
    }

    /** A classic OAuth App: tokens that never expire, no refresh tokens. */
    public App registerOAuthApp(String clientId, String clientSecret, URI callbackUrl) {
        App app = new App(clientId, clientSecret, callbackUrl, null);
        apps.put(clientId, app);
        return app;
    }

    /** An app with expiring user tokens (GitHub's opt-in): {@code ghu_} tokens and rotating {@code ghr_} refresh tokens. */
    public App registerAppWithExpiringTokens(String clientId, String clientSecret, URI callbackUrl, Duration lifetime) {
        App app = new App(clientId, clientSecret, callbackUrl, lifetime);
        apps.put(clientId, app);
        return app;
    }

    public User addUser(String login, String password, String name, String... repositories) {
        User user = new User(100_000L + users.size(), login, password, name, List.of(repositories));
        users.put(login, user);
        return user;
    }

    public List<ApiCall> apiCalls() {
        return List.copyOf(apiCalls);
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** Whether GitHub still honours this access token (not revoked, not expired). */
    public boolean isActive(String accessToken) {
        Token token = accessTokens.get(accessToken);
        return token != null && (token.expiresAt() == null || clock.instant().isBefore(token.expiresAt()));
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/login/oauth/authorize") && method.equals("GET")) {
                authorizePage(exchange, query(exchange));
            } else if (path.equals("/login/oauth/authorize") && method.equals("POST")) {
                approve(exchange, form(exchange));
            } else if (path.equals("/login") && method.equals("GET")) {
                loginPage(exchange, query(exchange).getOrDefault("return_to", "/"), null);
            } else if (path.equals("/session") && method.equals("POST")) {
                signIn(exchange, form(exchange));
            } else if (path.equals("/login/oauth/access_token") && method.equals("POST")) {
                accessToken(exchange);
            } else if (path.startsWith("/api/")) {
                api(exchange, path.substring("/api".length()), method);
            } else {
                send(exchange, 404, "text/html; charset=utf-8", "<h1>404</h1><p>Not Found</p>");
            }
        }
    }

    // ---- the browser side: sign in, authorize the app, redirect back with a code ----

    private void authorizePage(HttpExchange exchange, Map<String, String> params) throws IOException {
        App app = apps.get(params.getOrDefault("client_id", ""));
        if (app == null) {
            send(exchange, 404, "text/html; charset=utf-8", "<h1>404</h1><p>Not Found</p>");
            return;
        }
        String redirectUri = params.getOrDefault("redirect_uri", app.callbackUrl().toString());
        String state = params.get("state");
        if (!redirectUriAllowed(app, redirectUri)) {
            // GitHub sends this error to the app's registered callback, not to the offered URI.
            redirect(exchange, app.callbackUrl() + "?" + formEncode(withState(Map.of(
                    "error", "redirect_uri_mismatch",
                    "error_description", "The redirect_uri MUST match the registered callback URL for this application.",
                    "error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch"),
                    state)));
            return;
        }
        String login = signedInUser(exchange);
        if (login == null) {
            redirect(exchange, "/login?return_to=" + URLEncoder.encode(exchange.getRequestURI().toString(), StandardCharsets.UTF_8));
            return;
        }
        Set<String> scopes = scopes(params.get("scope"));
        Set<String> granted = authorizations.get(login + "|" + app.clientId());
        if (granted != null && granted.containsAll(scopes)) { // authorized before: GitHub skips the page
            redirectWithCode(exchange, app, login, granted, redirectUri, state);
            return;
        }
        String csrf = csrfTokens.get(sessionCookie(exchange));
        StringBuilder hidden = new StringBuilder();
        for (Map.Entry<String, String> field : Map.of("client_id", app.clientId(), "redirect_uri", redirectUri,
                "scope", String.join(",", scopes), "state", state == null ? "" : state, "authenticity_token", csrf).entrySet()) {
            hidden.append("<input type=\"hidden\" name=\"").append(field.getKey()).append("\" value=\"")
                    .append(html(field.getValue())).append("\">");
        }
        send(exchange, 200, "text/html; charset=utf-8", "<!doctype html><title>Authorize application</title>"
                + "<h1>Authorize " + html(app.clientId()) + "</h1><p>Signed in as " + html(login) + ". Requested scopes: "
                + html(scopes.isEmpty() ? "(public data only)" : String.join(", ", scopes)) + "</p>"
                + "<form method=\"post\" action=\"/login/oauth/authorize\">" + hidden
                + "<button type=\"submit\" name=\"authorize\" value=\"1\">Authorize</button></form>");
    }

    private void approve(HttpExchange exchange, Map<String, String> form) throws IOException {
        String login = signedInUser(exchange);
        App app = apps.get(form.getOrDefault("client_id", ""));
        String csrf = csrfTokens.get(sessionCookie(exchange));
        if (login == null || app == null || csrf == null || !csrf.equals(form.get("authenticity_token"))
                || !"1".equals(form.get("authorize")) || !redirectUriAllowed(app, form.getOrDefault("redirect_uri", ""))) {
            send(exchange, 422, "text/html; charset=utf-8", "<h1>422</h1><p>Unprocessable request</p>");
            return;
        }
        Set<String> scopes = scopes(form.get("scope"));
        authorizations.merge(login + "|" + app.clientId(), scopes, GitHubEmulator::union);
        String state = form.get("state");
        redirectWithCode(exchange, app, login, authorizations.get(login + "|" + app.clientId()),
                form.get("redirect_uri"), state == null || state.isEmpty() ? null : state);
    }

    private void redirectWithCode(HttpExchange exchange, App app, String login, Set<String> scopes, String redirectUri,
            String state) throws IOException {
        String code = random(20);
        codes.put(code, new Code(code, app.clientId(), login, scopes, redirectUri, clock.instant().plus(CODE_LIFETIME)));
        String separator = redirectUri.contains("?") ? "&" : "?";
        redirect(exchange, redirectUri + separator + formEncode(withState(Map.of("code", code), state)));
    }

    private void loginPage(HttpExchange exchange, String returnTo, String error) throws IOException {
        send(exchange, 200, "text/html; charset=utf-8", "<!doctype html><title>Sign in to GitHub</title>"
                + "<h1>Sign in to GitHub</h1>" + (error == null ? "" : "<div class=\"flash-error\">" + html(error) + "</div>")
                + "<form method=\"post\" action=\"/session\">"
                + "<input type=\"hidden\" name=\"return_to\" value=\"" + html(returnTo) + "\">"
                + "<label>Username or email address <input name=\"login\"></label>"
                + "<label>Password <input type=\"password\" name=\"password\"></label>"
                + "<input type=\"submit\" name=\"commit\" value=\"Sign in\"></form>");
    }

    private void signIn(HttpExchange exchange, Map<String, String> form) throws IOException {
        User user = users.get(form.getOrDefault("login", ""));
        String returnTo = form.getOrDefault("return_to", "/");
        if (!returnTo.startsWith("/") || returnTo.startsWith("//")) {
            returnTo = "/"; // no open redirect
        }
        if (user == null || !user.password().equals(form.get("password"))) {
            loginPage(exchange, returnTo, "Incorrect username or password.");
            return;
        }
        String session = random(24);
        sessions.put(session, user.login());
        csrfTokens.put(session, random(24));
        exchange.getResponseHeaders().add("Set-Cookie", "user_session=" + session + "; Path=/; HttpOnly; SameSite=Lax");
        redirect(exchange, returnTo);
    }

    // ---- the back channel: code and refresh token for an access token ----

    private void accessToken(HttpExchange exchange) throws IOException {
        tokenRequests.incrementAndGet();
        Map<String, String> params = new LinkedHashMap<>(query(exchange));
        params.putAll(form(exchange));
        App app = apps.get(params.getOrDefault("client_id", ""));
        if (app == null || !app.clientSecret().equals(params.get("client_secret"))) {
            tokenError(exchange, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
            return;
        }
        if ("refresh_token".equals(params.get("grant_type"))) {
            Token old = refreshTokens.remove(params.getOrDefault("refresh_token", ""));
            if (old == null || !old.clientId().equals(app.clientId())) {
                tokenError(exchange, "bad_refresh_token", "The refresh token passed is incorrect or expired.");
                return;
            }
            accessTokens.remove(old.value());
            tokenResponse(exchange, issue(app, old.login(), old.scopes()));
            return;
        }
        Code code = codes.remove(params.getOrDefault("code", ""));
        if (code == null || !code.clientId().equals(app.clientId()) || clock.instant().isAfter(code.expiresAt())) {
            tokenError(exchange, "bad_verification_code", "The code passed is incorrect or expired.");
            return;
        }
        String redirectUri = params.get("redirect_uri");
        if (redirectUri != null && !redirectUri.equals(code.redirectUri())) {
            tokenError(exchange, "redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
            return;
        }
        tokenResponse(exchange, issue(app, code.login(), code.scopes()));
    }

    private Token issue(App app, String login, Set<String> scopes) {
        Token token;
        if (app.expiringTokens()) {
            String refresh = "ghr_" + random(57);
            token = new Token("ghu_" + random(36), app.clientId(), login, scopes,
                    clock.instant().plus(app.userTokenLifetime()), refresh);
            refreshTokens.put(refresh, token);
        } else {
            token = new Token("gho_" + random(36), app.clientId(), login, scopes, null, null);
        }
        accessTokens.put(token.value(), token);
        return token;
    }

    private void tokenResponse(HttpExchange exchange, Token token) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token.value());
        if (token.expiresAt() != null) {
            body.put("expires_in", Duration.between(clock.instant(), token.expiresAt()).toSeconds());
            body.put("refresh_token", token.refreshToken());
            body.put("refresh_token_expires_in", 15_897_600);
        }
        body.put("scope", String.join(",", token.scopes()));
        body.put("token_type", "bearer");
        respondInRequestedFormat(exchange, body);
    }

    /** GitHub answers token errors with HTTP 200. */
    private void tokenError(HttpExchange exchange, String error, String description) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        body.put("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors");
        respondInRequestedFormat(exchange, body);
    }

    private void respondInRequestedFormat(HttpExchange exchange, Map<String, Object> body) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (accept != null && accept.contains("application/json")) {
            send(exchange, 200, "application/json; charset=utf-8", JsonMapper.shared().writeValueAsString(body));
        } else {
            Map<String, String> flat = new LinkedHashMap<>();
            body.forEach((k, v) -> flat.put(k, String.valueOf(v)));
            send(exchange, 200, "application/x-www-form-urlencoded; charset=utf-8", formEncode(flat));
        }
    }

    // ---- the REST API ----

    private void api(HttpExchange exchange, String path, String method) throws IOException {
        if (method.equals("DELETE") && path.matches("/applications/[^/]+/token")) {
            revoke(exchange, path.split("/")[2]);
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String value = header == null ? null : header.replaceFirst("(?i)^(bearer|token) ", "");
        Token token = value == null || value.equals(header) ? null : accessTokens.get(value);
        boolean active = token != null && isActive(token.value());
        if (!active) {
            apiCalls.add(new ApiCall(method, path, value, 401));
            send(exchange, 401, "application/json; charset=utf-8",
                    "{\"message\":\"Bad credentials\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"401\"}");
            return;
        }
        exchange.getResponseHeaders().set("X-OAuth-Scopes", String.join(", ", token.scopes()));
        User user = users.get(token.login());
        if (method.equals("GET") && path.equals("/user")) {
            apiCalls.add(new ApiCall(method, path, value, 200));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("login", user.login());
            body.put("id", user.id());
            body.put("name", user.name());
            body.put("type", "User");
            send(exchange, 200, "application/json; charset=utf-8", JsonMapper.shared().writeValueAsString(body));
        } else if (method.equals("GET") && path.equals("/user/repos")) {
            apiCalls.add(new ApiCall(method, path, value, 200));
            List<Map<String, Object>> repos = new ArrayList<>();
            for (String name : user.repositories()) {
                repos.add(Map.of("name", name, "full_name", user.login() + "/" + name, "private", false));
            }
            send(exchange, 200, "application/json; charset=utf-8", JsonMapper.shared().writeValueAsString(repos));
        } else {
            apiCalls.add(new ApiCall(method, path, value, 404));
            send(exchange, 404, "application/json; charset=utf-8", "{\"message\":\"Not Found\",\"status\":\"404\"}");
        }
    }

    /** {@code DELETE /applications/{client_id}/token}: Basic auth with the app's credentials, the token in a JSON body. */
    private void revoke(HttpExchange exchange, String clientId) throws IOException {
        App app = apps.get(clientId);
        String basic = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = app == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (app.clientId() + ":" + app.clientSecret()).getBytes(StandardCharsets.UTF_8));
        if (app == null || !expected.equals(basic)) {
            send(exchange, 401, "application/json; charset=utf-8", "{\"message\":\"Requires authentication\",\"status\":\"401\"}");
            return;
        }
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Object accessToken;
        try {
            accessToken = JsonMapper.shared().readValue(body, Map.class).get("access_token");
        } catch (RuntimeException notJson) {
            accessToken = null;
        }
        Token token = accessToken == null ? null : accessTokens.get(accessToken.toString());
        if (token == null || !token.clientId().equals(clientId)) {
            send(exchange, 404, "application/json; charset=utf-8", "{\"message\":\"Not Found\",\"status\":\"404\"}");
            return;
        }
        accessTokens.remove(token.value());
        if (token.refreshToken() != null) {
            refreshTokens.remove(token.refreshToken());
        }
        send(exchange, 204, null, "");
    }

    // ---- helpers ----

    /** GitHub: same host and port as the callback (any port on loopback), path at or below the callback's. */
    private static boolean redirectUriAllowed(App app, String redirectUri) {
        URI offered;
        try {
            offered = new URI(redirectUri);
        } catch (Exception e) {
            return false;
        }
        URI callback = app.callbackUrl();
        if (offered.getScheme() == null || !offered.getScheme().equalsIgnoreCase(callback.getScheme())
                || offered.getHost() == null || !offered.getHost().equalsIgnoreCase(callback.getHost())
                || offered.getRawUserInfo() != null || offered.getRawFragment() != null) {
            return false;
        }
        boolean loopback = callback.getHost().equals("127.0.0.1") || callback.getHost().equals("localhost")
                || callback.getHost().equals("[::1]");
        if (!loopback && offered.getPort() != callback.getPort()) {
            return false;
        }
        String base = callback.getPath() == null ? "" : callback.getPath();
        String path = offered.getPath() == null ? "" : offered.getPath();
        if (path.contains("/../") || path.endsWith("/..")) {
            return false;
        }
        return path.equals(base) || path.startsWith(base.endsWith("/") ? base : base + "/");
    }

    private String signedInUser(HttpExchange exchange) {
        String session = sessionCookie(exchange);
        return session == null ? null : sessions.get(session);
    }

    private static String sessionCookie(HttpExchange exchange) {
        List<String> cookies = exchange.getRequestHeaders().getOrDefault("Cookie", List.of());
        for (String header : cookies) {
            for (String cookie : header.split(";\\s*")) {
                if (cookie.startsWith("user_session=")) {
                    return cookie.substring("user_session=".length());
                }
            }
        }
        return null;
    }

    private static Set<String> scopes(String scope) {
        Set<String> scopes = new LinkedHashSet<>();
        if (scope != null) {
            for (String s : scope.split("[,\\s]+")) {
                if (!s.isBlank()) {
                    scopes.add(s);
                }
            }
        }
        return scopes;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Map<String, String> withState(Map<String, String> params, String state) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) {
            all.put("state", state);
        }
        return all;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        return decode(exchange.getRequestURI().getRawQuery());
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/x-www-form-urlencoded")) {
            return Map.of();
        }
        return decode(new String(exchange.getRequestBody().readNBytes(64 * 1024), StandardCharsets.UTF_8));
    }

    private static Map<String, String> decode(String encoded) {
        Map<String, String> params = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return params;
        }
        for (String pair : encoded.split("&")) {
            String[] kv = pair.split("=", 2);
            params.putIfAbsent(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    private static String formEncode(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }

    private static String random(int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
