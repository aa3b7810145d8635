package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Function;

/**
 * Fetches the authorization URL and follows the authorization server's redirects (each checked
 * by {@link SafeUrl}) until one points at the redirect URI, which is returned, never fetched. For
 * authorization servers that approve without a person: test servers and the official MCP
 * conformance suite's mock. Nothing listens on the redirect URI.
 */
public final class RedirectFetchingUserAgent implements AuthorizationUserAgent {

    private static final int MAX_REDIRECTS = 10;

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    @Override
    public URI authorize(Function<URI, URI> authorizationUrlFor) {
        URI redirectUri = AuthorizationUserAgent.loopbackRedirect(53682); // not listened on: the URI is only compared
        URI next = authorizationUrlFor.apply(redirectUri);
        for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
            HttpResponse<Void> response = fetch(next);
            String location = response.headers().firstValue("Location").orElse(null);
            if (response.statusCode() / 100 != 3 || location == null) {
                throw new McpAuthorizationException("Authorization endpoint answered " + response.statusCode()
                        + " without redirecting back: a person must approve this client in a browser");
            }
            next = SafeUrl.check(next.resolve(location).toString(), "authorization redirect");
            if (next.toString().startsWith(redirectUri.toString())) {
                return next;
            }
        }
        throw new McpAuthorizationException("More than " + MAX_REDIRECTS + " redirects from the authorization endpoint");
    }

    private HttpResponse<Void> fetch(URI url) {
        try {
            return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new McpAuthorizationException("Could not reach " + OAuthHttp.withoutQuery(url) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpAuthorizationException("Interrupted during authorization", e);
        }
    }
}
