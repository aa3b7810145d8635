package dev.mcpoauth.cookbook.probe.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real access tokens from the MCP TypeScript SDK's demo authorization server, obtained as an MCP client obtains
 * them: RFC 8414 metadata, RFC 7591 registration of a public client ({@code token_endpoint_auth_method: none},
 * loopback redirect URI), an authorization request with PKCE S256, {@code state}, RFC 8707 {@code resource} and
 * {@code scope}, then the code exchange.
 *
 * <p>The demo provider approves every authorization request without a user and answers 302 to the redirect URI;
 * nothing listens there: the redirect is not followed, the code is read from its {@code Location}. The demo issues
 * opaque tokens that only its introspection endpoint knows. Whatever the demo AS refuses is thrown as
 * {@link Refused}, with the step, status and body, for tests that expect a refusal.
 */
public final class DemoAuthorization {

    /** Nothing listens on it; the authorization server only redirects there. */
    public static final String REDIRECT_URI = "http://127.0.0.1:33419/callback";

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final URI issuer;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private Map<String, Object> metadata;
    private String clientId;

    public DemoAuthorization(URI issuer) {
        this.issuer = issuer;
    }

    /**
     * A fresh access token for {@code resource} (null: no {@code resource} parameter) with {@code scope} (null: no
     * {@code scope} parameter, so the demo issues a token with no scope at all).
     *
     * @throws Refused when the authorization server refuses any step
     */
    public synchronized String accessToken(URI resource, String scopeOrNull) {
        String verifier = randomToken(32);
        String state = randomToken(16);
        Map<String, String> authorize = new LinkedHashMap<>();
        authorize.put("response_type", "code");
        authorize.put("client_id", clientId());
        authorize.put("redirect_uri", REDIRECT_URI);
        authorize.put("code_challenge", s256(verifier));
        authorize.put("code_challenge_method", "S256");
        authorize.put("state", state);
        if (resource != null) {
            authorize.put("resource", resource.toString());
        }
        if (scopeOrNull != null) {
            authorize.put("scope", scopeOrNull);
        }
        URI authorizationEndpoint = URI.create(endpoint("authorization_endpoint") + "?" + form(authorize));
        HttpResponse<String> redirect = send(HttpRequest.newBuilder(authorizationEndpoint).GET());
        String location = redirect.headers().firstValue("Location").orElse(null);
        if (redirect.statusCode() != 302 || location == null || !location.startsWith(REDIRECT_URI + "?")) {
            throw new Refused("authorization", redirect.statusCode(),
                    "Location: " + location + "; body: " + redirect.body());
        }
        Map<String, String> callback = query(URI.create(location));
        if (callback.containsKey("error") || !callback.containsKey("code")) {
            throw new Refused("authorization", redirect.statusCode(), "redirected to " + location);
        }
        if (!state.equals(callback.get("state"))) {
            throw new IllegalStateException("The authorization server returned state " + callback.get("state")
                    + ", not the " + state + " sent");
        }

        Map<String, String> exchange = new LinkedHashMap<>();
        exchange.put("grant_type", "authorization_code");
        exchange.put("code", callback.get("code"));
        exchange.put("code_verifier", verifier);
        exchange.put("redirect_uri", REDIRECT_URI);
        exchange.put("client_id", clientId);
        if (resource != null) {
            exchange.put("resource", resource.toString());
        }
        HttpResponse<String> token = send(HttpRequest.newBuilder(URI.create(endpoint("token_endpoint")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form(exchange))));
        if (token.statusCode() != 200) {
            throw new Refused("token", token.statusCode(), token.body());
        }
        Object accessToken = json(token.body()).get("access_token");
        if (!(accessToken instanceof String value) || value.isEmpty()) {
            throw new Refused("token", token.statusCode(), "no access_token in " + token.body());
        }
        return value;
    }

    /** The client registered at the authorization server on first use (RFC 7591, public, loopback redirect). */
    public synchronized String clientId() {
        if (clientId == null) {
            Map<String, Object> registration = Map.of(
                    "client_name", "mcp-oauth-probe peer tests",
                    "redirect_uris", List.of(REDIRECT_URI),
                    "grant_types", List.of("authorization_code"),
                    "response_types", List.of("code"),
                    "token_endpoint_auth_method", "none");
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(endpoint("registration_endpoint")))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(registration))));
            if (response.statusCode() != 201 && response.statusCode() != 200) {
                throw new Refused("registration", response.statusCode(), response.body());
            }
            Object id = json(response.body()).get("client_id");
            if (!(id instanceof String value)) {
                throw new Refused("registration", response.statusCode(), "no client_id in " + response.body());
            }
            clientId = value;
        }
        return clientId;
    }

    /** The AS metadata (RFC 8414 section 3: the well-known suffix goes between the origin and the issuer's path). */
    public synchronized Map<String, Object> metadata() {
        if (metadata == null) {
            String path = issuer.getRawPath() == null ? "" : issuer.getRawPath().replaceAll("/$", "");
            URI url = URI.create(issuer.getScheme() + "://" + issuer.getRawAuthority()
                    + "/.well-known/oauth-authorization-server" + path);
            HttpResponse<String> response = send(HttpRequest.newBuilder(url).GET());
            if (response.statusCode() != 200) {
                throw new Refused("metadata", response.statusCode(), response.body());
            }
            Map<String, Object> document = json(response.body());
            if (!issuer.toString().equals(document.get("issuer"))) {
                throw new IllegalStateException(url + " states issuer " + document.get("issuer") + ", not " + issuer);
            }
            metadata = document;
        }
        return metadata;
    }

    private String endpoint(String name) {
        if (metadata().get(name) instanceof String url) {
            return url;
        }
        throw new IllegalStateException("The metadata of " + issuer + " has no " + name + ": " + metadata());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String body) {
        return JSON.readValue(body, Map.class);
    }

    private static String form(Map<String, String> parameters) {
        return parameters.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                parameters.put(URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    private static String randomToken(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The authorization server refused a step: {@code step} is metadata, registration, authorization or token. */
    public static final class Refused extends RuntimeException {

        private final String step;
        private final int status;
        private final String body;

        Refused(String step, int status, String body) {
            super("The demo authorization server refused the " + step + " request: HTTP " + status + ": " + body);
            this.step = step;
            this.status = status;
            this.body = body;
        }

        public String step() {
            return step;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }
}
