package dev.mcpoauth.cookbook.multiuserstore.connect;

import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenStoreException;
import dev.mcpoauth.cookbook.multiuserstore.store.UpstreamTokens;
import dev.mcpoauth.cookbook.multiuserstore.upstream.InvalidGrantException;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamOAuthClient;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamUnavailableException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.CookieValue;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser side of connecting an account. A connect link from a tool answer opens
 * {@code /connect/{upstream}?request=...}, a page naming the MCP account to link; confirming it (a
 * same-origin POST) binds the flow to this browser with a cookie and sends the browser to the
 * upstream's authorization endpoint (code + PKCE). The upstream sends it back
 * to {@code /connect/callback}, where state, cookie and issuer (RFC 9207) are checked, the code is
 * redeemed as a confidential client, and the tokens are stored for the user the link was issued to.
 * Pages show fixed texts only; nothing from the request is echoed.
 */
@Controller("/connect")
@Secured(SecurityRule.IS_ANONYMOUS)
final class ConnectController {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectController.class);
    static final String BINDING_COOKIE = "mcp_connect_binding";

    private final PendingAuthorizations pending;
    private final UpstreamOAuthClient oauth;
    private final TokenRepository store;
    private final UpstreamConfiguration upstream;
    private final boolean secureCookies;
    private final String ownOrigin;

    ConnectController(PendingAuthorizations pending, UpstreamOAuthClient oauth, TokenRepository store,
                      UpstreamConfiguration upstream, McpConfiguration mcp) {
        this.pending = pending;
        this.oauth = oauth;
        this.store = store;
        this.upstream = upstream;
        this.secureCookies = "https".equals(mcp.resource().getScheme());
        URI resource = mcp.resource();
        this.ownOrigin = resource.getScheme() + "://" + resource.getRawAuthority();
    }

    @Get("/callback")
    MutableHttpResponse<String> callback(HttpRequest<?> request, @Nullable @QueryValue String code,
                                         @Nullable @QueryValue String state, @Nullable @QueryValue String error,
                                         @Nullable @CookieValue(BINDING_COOKIE) String binding) {
        // contains() first: Micronaut's servlet request throws from getAll() on a name that is absent.
        List<String> iss = request.getParameters().contains("iss") ? request.getParameters().getAll("iss") : List.of();
        if (!fromTheUpstream(iss)) {
            // RFC 9207: the response came from another authorization server (mix-up attack), or cannot say.
            return page(HttpStatus.BAD_REQUEST, "Connection refused", "The response did not come from the calendar service.");
        }
        Optional<PendingAuthorizations.Completed> flow;
        try {
            flow = pending.complete(state, binding);
        } catch (TokenStoreException e) {
            return page(HttpStatus.SERVICE_UNAVAILABLE, "Try again later", "The token store is unavailable right now.");
        }
        if (flow.isEmpty()) {
            return page(HttpStatus.BAD_REQUEST, "Link expired or already used",
                    "This connect link has expired, was already used, or was opened in another browser."
                            + " Ask your MCP client for a new one.");
        }
        if (error != null || code == null) {
            return page(HttpStatus.BAD_REQUEST, "Not connected", "The calendar service did not grant access. Nothing was stored.");
        }
        PendingAuthorizations.Completed completed = flow.get();
        try {
            UpstreamTokens tokens = oauth.redeem(code, new CodeVerifier(completed.codeVerifier()));
            store.save(completed.userId(), completed.upstream(), tokens);
        } catch (InvalidGrantException e) {
            return page(HttpStatus.BAD_REQUEST, "Not connected", "The calendar service refused the authorization code. Try again.");
        } catch (UpstreamUnavailableException e) {
            return page(HttpStatus.BAD_GATEWAY, "Not connected", "The calendar service is not reachable right now. Try again later.");
        } catch (TokenStoreException e) {
            return page(HttpStatus.SERVICE_UNAVAILABLE, "Not connected", "The token store is unavailable right now. Try again later.");
        }
        LOG.info("User {} connected upstream {}", completed.userId(), completed.upstream());
        return page(HttpStatus.OK, "Calendar connected", "You can close this window and go back to your MCP client.")
                .cookie(Cookie.of(BINDING_COOKIE, "").path("/connect").maxAge(0).httpOnly(true));
    }

    /**
     * RFC 9207 section 2.4: exactly one {@code iss}, equal to the upstream's issuer (simple string comparison); none
     * only from an upstream that does not send it. Checked before the flow is looked up, so a refused response
     * leaves the link usable.
     */
    private boolean fromTheUpstream(List<String> iss) {
        if (iss.isEmpty()) {
            return !upstream.authorizationResponseIssParameterSupported();
        }
        return iss.size() == 1 && iss.get(0).equals(upstream.issuer().toString());
    }

    // tag::connect-start[]
    /**
     * The link opens a confirmation page naming the MCP account the calendar will be linked to: a link
     * forwarded to someone else (or sent by an attacker) is not completed silently through an existing
     * upstream login. Nothing changes on GET.
     */
    @Get("/{name}")
    MutableHttpResponse<String> confirm(@PathVariable String name, @Nullable @QueryValue String request) {
        if (!upstream.name().equals(name) || request == null || request.length() > 100) {
            return page(HttpStatus.NOT_FOUND, "Unknown link", "This connect link is not valid.");
        }
        Optional<String> account;
        try {
            account = pending.accountOf(request, name);
        } catch (TokenStoreException e) {
            return page(HttpStatus.SERVICE_UNAVAILABLE, "Try again later", "The token store is unavailable right now.");
        }
        if (account.isEmpty()) {
            return expiredLink();
        }
        String form = "<form method=\"post\" action=\"/connect/" + upstream.name() + "\">"
                + "<input type=\"hidden\" name=\"request\" value=\"" + Html.escape(request) + "\">"
                + "<button type=\"submit\" name=\"accept\" value=\"yes\">Connect my calendar</button></form>";
        return page(HttpStatus.OK, "Connect your calendar",
                "Your calendar account will be linked to the MCP account <b>" + Html.escape(account.get())
                        + "</b>. Continue only if you asked for this link in your own MCP client.", form)
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'none'; form-action 'self' " + upstream.authorizationEndpoint()
                        + "; frame-ancestors 'none'");
    }

    /** The confirmation: same-origin only (CSRF), then the browser is bound and sent to the upstream. */
    @Post(value = "/{name}", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<String> start(@PathVariable String name, @Nullable @Body("request") String request,
                                      @Nullable @Header("Origin") String origin,
                                      @Nullable @Header("Sec-Fetch-Site") String fetchSite) {
        // Browsers send Origin on every form POST; a cross-site one would link the victim's calendar to the attacker.
        if ((origin != null && !origin.equals(ownOrigin)) || (fetchSite != null && !fetchSite.equals("same-origin"))) {
            return page(HttpStatus.FORBIDDEN, "Refused", "This request did not come from this site.");
        }
        if (!upstream.name().equals(name) || request == null || request.length() > 100) {
            return page(HttpStatus.NOT_FOUND, "Unknown link", "This connect link is not valid.");
        }
        CodeVerifier verifier = new CodeVerifier(); // RFC 7636: 256 bits, S256 challenge sent
        Optional<PendingAuthorizations.Started> started;
        try {
            started = pending.start(request, name, verifier.getValue());
        } catch (TokenStoreException e) {
            return page(HttpStatus.SERVICE_UNAVAILABLE, "Try again later", "The token store is unavailable right now.");
        }
        if (started.isEmpty()) {
            return expiredLink();
        }
        URI authorize = oauth.authorizationUrl(started.get().state(), verifier);
        // The callback must come back to this browser: a flow started elsewhere cannot be completed here.
        Cookie binding = Cookie.of(BINDING_COOKIE, started.get().browserBinding())
                .path("/connect").httpOnly(true).secure(secureCookies).sameSite(SameSite.Lax)
                .maxAge(upstream.connectLinkLifetime());
        return noStore(HttpResponse.<String>status(HttpStatus.SEE_OTHER).header("Location", authorize.toString()).cookie(binding));
    }

    private static MutableHttpResponse<String> expiredLink() {
        return page(HttpStatus.BAD_REQUEST, "Link expired or already used",
                "This connect link has expired or was already used. Ask your MCP client for a new one.");
    }
    // end::connect-start[]

    private static MutableHttpResponse<String> page(HttpStatus status, String title, String text) {
        return page(status, title, text, "");
    }

    /** {@code title} and {@code text} are this class's fixed texts; anything from outside is escaped by the caller. */
    private static MutableHttpResponse<String> page(HttpStatus status, String title, String text, String form) {
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + "</title></head>"
                + "<body><h1>" + title + "</h1><p>" + text + "</p>" + form + "</body></html>";
        return noStore(HttpResponse.<String>status(status).contentType(MediaType.TEXT_HTML_TYPE).body(html));
    }

    /** The URLs here carry one-time secrets (link id, code): never cached, never sent on as a Referer. */
    private static MutableHttpResponse<String> noStore(MutableHttpResponse<String> response) {
        return response.header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer");
    }
}
