package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import java.net.URI;
import java.util.function.Function;

/**
 * The front channel of the authorization-code flow, pluggable: a desktop browser with a loopback
 * listener ({@link SystemBrowserUserAgent}), a plain redirect-following fetch for servers that
 * approve without a person ({@link RedirectFetchingUserAgent}), or a headless agent in tests.
 *
 * <p>The agent picks the redirect URI it can receive on (a loopback port, RFC 8252 §7.3), asks
 * {@code authorizationUrlFor} for the authorization URL that carries it, takes the user there, and
 * returns the URI the authorization server redirected back to, with its {@code code}, {@code state}
 * and {@code iss}, or an {@code error}. The URL it receives has already passed {@link SafeUrl}.
 */
public interface AuthorizationUserAgent {

    /** The redirect URI registered with the authorization server; any port is used on loopback. */
    URI REGISTERED_REDIRECT_URI = URI.create("http://127.0.0.1/callback");

    URI authorize(Function<URI, URI> authorizationUrlFor);

    /** {@link #REGISTERED_REDIRECT_URI} with the port a listener got. */
    static URI loopbackRedirect(int port) {
        return URI.create("http://127.0.0.1:" + port + "/callback");
    }
}
