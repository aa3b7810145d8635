package dev.mcpoauth.cookbook.githubproxy;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Hand-built authorization requests, for the requests a well-behaved client library would never send. */
final class Browser {

    static final String REDIRECT_URI = "http://127.0.0.1:41234/callback";

    private Browser() {
    }

    record Pkce(String verifier, String challenge) {
        static Pkce create() {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(hash));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An authorization request with PKCE S256, the base scope and the MCP server as resource; {@code changes} override. */
    static URI authorizationUrl(ProxyStack stack, String clientId, Pkce pkce, Map<String, String> changes) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("response_type", "code");
        parameters.put("client_id", clientId);
        parameters.put("redirect_uri", REDIRECT_URI);
        parameters.put("scope", ProxyStack.BASE_SCOPE);
        parameters.put("state", "state-" + System.nanoTime());
        parameters.put("code_challenge", pkce.challenge());
        parameters.put("code_challenge_method", "S256");
        parameters.put("resource", stack.mcpUrl().toString());
        parameters.putAll(changes);
        parameters.values().removeIf(value -> value == null);
        return stack.baseUrl.resolve("/oauth2/authorize?" + form(parameters));
    }

    /** A request with this browser's cookies and headers of the test's choosing (Sec-Fetch-Site, a form POST). */
    static HttpResponse<String> send(HeadlessUserAgent browser, HttpRequest request) {
        HttpClient http = HttpClient.newBuilder().cookieHandler(browser.cookies())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Follows redirects until a page is shown, or until the redirect to the client (which is returned unfollowed). */
    static HttpResponse<String> follow(HeadlessUserAgent browser, URI start) {
        HttpResponse<String> response = browser.get(start);
        for (int hop = 0; hop < 10 && response.statusCode() / 100 == 3; hop++) {
            URI next = response.uri().resolve(response.headers().firstValue("Location").orElseThrow());
            if (next.toString().startsWith("http://127.0.0.1:41234/")) {
                return response;
            }
            response = browser.get(next);
        }
        return response;
    }

    static String form(Map<String, String> parameters) {
        return parameters.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    /**
     * A rest-assured request carrying this browser's cookies for the proxy (its signed-in session), for
     * the one request a test asserts on. Cookies the answer sets are not kept.
     */
    static RequestSpecification session(ProxyStack stack, HeadlessUserAgent browser) {
        List<String> cookies = browser.cookies().get(stack.baseUrl, Map.of()).getOrDefault("Cookie", List.of());
        RequestSpecification request = stack.given();
        return cookies.isEmpty() ? request : request.header("Cookie", String.join("; ", cookies));
    }

    /** The query parameters of a redirect's Location. */
    static Map<String, String> redirectParameters(HttpResponse<?> response) {
        return redirectParameters(response.headers().firstValue("Location").orElseThrow());
    }

    /** The query parameters of a redirect target. */
    static Map<String, String> redirectParameters(String redirect) {
        URI location = URI.create(redirect);
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : location.getRawQuery().split("&")) {
            String[] nameValue = pair.split("=", 2);
            parameters.put(nameValue[0], nameValue.length > 1 ? java.net.URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8) : "");
        }
        return parameters;
    }
}
