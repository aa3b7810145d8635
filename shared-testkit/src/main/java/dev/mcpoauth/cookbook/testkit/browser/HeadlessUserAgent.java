package dev.mcpoauth.cookbook.testkit.browser;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Plays the person in an authorization-code flow, with no browser: opens the authorization URL,
 * follows redirects with a {@link CookieJar}, fills in Keycloak's real login form (or any sign-in
 * form with a password field, such as the GitHub emulator's), approves the consent or "Authorize
 * app" screen when one is shown, and stops at the first redirect to the client's redirect URI,
 * which it returns (it carries {@code code}, {@code state} and {@code iss}, or an {@code error}).
 *
 * <p>Nothing listens on the redirect URI: a loopback redirect is never followed, exactly as a
 * native app's listener would take it over. Keep one agent per simulated browser: it keeps the
 * Keycloak session, so a second authorization for the same user needs no password (single sign-on).
 */
public final class HeadlessUserAgent {

    private static final int MAX_STEPS = 15;

    private final CookieJar cookies = new CookieJar();
    private int consentsGiven; // consent and "Authorize app" screens approved, over this agent's life
    private Duration lastLoginPost; // the sign-in form's POST in the last authorize(); null: no form was shown
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER) // each hop is inspected: the last one must not be fetched
            .cookieHandler(cookies)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public CookieJar cookies() {
        return cookies;
    }

    /** How many consent (or "Authorize app") screens this agent was shown and approved. */
    public synchronized int consentsGiven() {
        return consentsGiven;
    }

    /**
     * How long the sign-in form's POST took in the last {@link #authorize} (the authorization server
     * checking the password: Keycloak's password hash); empty when no form was shown (single sign-on).
     */
    public synchronized Optional<Duration> lastLoginPost() {
        return Optional.ofNullable(lastLoginPost);
    }

    /**
     * Runs the front-channel part of the flow and returns the URI the authorization server
     * redirected the browser to, which starts with {@code redirectUri}.
     *
     * @throws AuthorizationPageException if a page is reached that the agent cannot act on
     *         (wrong password, an error page for an invalid request, ...); its message carries
     *         the page's own error text
     */
    public URI authorize(URI authorizationUrl, String redirectUri, UserCredentials user) {
        loginPosted(null);
        HttpResponse<String> response = get(authorizationUrl);
        boolean loginSubmitted = false;
        for (int step = 0; step < MAX_STEPS; step++) {
            if (isRedirect(response)) {
                URI location = response.uri().resolve(response.headers().firstValue("Location").orElseThrow());
                if (location.toString().startsWith(redirectUri)) {
                    return location;
                }
                response = get(location);
                continue;
            }
            Document page = Jsoup.parse(response.body(), response.uri().toString());
            // Keycloak's form, or any sign-in form (the GitHub emulator's names the user field "login").
            Element login = Optional.ofNullable(page.getElementById("kc-form-login"))
                    .orElse(page.selectFirst("form:has(input[type=password])"));
            if (login != null && !loginSubmitted) {
                Map<String, List<String>> fields = formFields(login);
                fields.put(login.selectFirst("input[name=login]") != null ? "login" : "username", List.of(user.username()));
                fields.put("password", List.of(user.password()));
                long posted = System.nanoTime();
                response = post(URI.create(login.absUrl("action")), fields);
                loginPosted(Duration.ofNanos(System.nanoTime() - posted));
                loginSubmitted = true;
                continue;
            }
            Element consent = page.selectFirst("form:has(input[name=accept]), form:has(button[name=accept])");
            Element authorizeApp = page.selectFirst("form:has(button[name=authorize])"); // GitHub's "Authorize app"
            if (consent == null && authorizeApp != null) {
                Map<String, List<String>> fields = formFields(authorizeApp);
                fields.put("authorize", List.of("1"));
                consentGiven();
                response = post(URI.create(authorizeApp.absUrl("action")), fields);
                continue;
            }
            if (consent != null) {
                Map<String, List<String>> fields = formFields(consent);
                fields.put("accept", List.of("Yes"));
                consentGiven();
                response = post(URI.create(consent.absUrl("action")), fields);
                continue;
            }
            throw new AuthorizationPageException(response.statusCode(), response.uri(), pageError(page));
        }
        throw new AuthorizationPageException(response.statusCode(), response.uri(), "more than " + MAX_STEPS + " steps");
    }

    private synchronized void loginPosted(Duration took) {
        lastLoginPost = took;
    }

    private synchronized void consentGiven() {
        consentsGiven++;
    }

    /** A plain GET with this agent's cookies, redirects not followed. */
    public HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET().build());
    }

    private HttpResponse<String> post(URI uri, Map<String, List<String>> fields) {
        String form = fields.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(value -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /**
     * The form's named inputs as a browser submits them: a name the form repeats (one {@code scope}
     * input per requested scope on a consent page) is sent once per input, in order.
     */
    private static Map<String, List<String>> formFields(Element form) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[name]")) {
            fields.computeIfAbsent(input.attr("name"), name -> new ArrayList<>()).add(input.attr("value"));
        }
        return fields;
    }

    private static boolean isRedirect(HttpResponse<?> response) {
        return response.statusCode() / 100 == 3 && response.headers().firstValue("Location").isPresent();
    }

    /** Keycloak shows errors in {@code #input-error} (login form) or {@code .kc-feedback-text} (error page). */
    private static String pageError(Document page) {
        Element error = page.selectFirst("#input-error, .kc-feedback-text, #kc-error-message, .pf-v5-c-alert__title");
        return error != null ? error.text() : "page \"" + page.title() + "\" has no login or consent form";
    }

    /** The authorization server showed a page the agent could not act on. */
    public static final class AuthorizationPageException extends RuntimeException {

        private final int status;

        AuthorizationPageException(int status, URI page, String message) {
            super(status + " at " + page.getPath() + ": " + message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
