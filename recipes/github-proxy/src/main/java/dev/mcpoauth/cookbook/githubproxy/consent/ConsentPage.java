package dev.mcpoauth.cookbook.githubproxy.consent;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationConsent;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationContext;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.HtmlUtils;

/**
 * The proxy's own consent page, per MCP client. GitHub's consent names the proxy's one OAuth App,
 * whichever MCP client is asking, and GitHub skips it once the user approved the app; without
 * this page a client registered a minute ago by anyone would receive a code for the user's GitHub
 * identity (the confused-deputy attack in the MCP security best practices). The page names the
 * client and where its redirect goes; the approval is remembered per (user, client, redirect URI).
 * Every value on it is HTML-escaped: client names and URIs are chosen by whoever registered.
 */
@RestController
public class ConsentPage {

    public static final String PATH = "/oauth2/consent";
    /** Which button the user pressed; {@code authorizationserver.AuthorizationServerConfig} says what happens to each. */
    static final String ACCEPT = "accept";
    static final String DENY = "deny";

    private final RegisteredClientRepository clients;

    ConsentPage(RegisteredClientRepository clients) {
        this.clients = clients;
    }

    @GetMapping(value = PATH, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> show(@RequestParam(OAuth2ParameterNames.CLIENT_ID) String clientId,
            @RequestParam(OAuth2ParameterNames.STATE) String state,
            @RequestParam(name = OAuth2ParameterNames.SCOPE, required = false) String scope,
            CsrfToken csrf, OAuth2AuthenticationToken user) {
        RegisteredClient client = clients.findByClientId(clientId);
        if (client == null) {
            return ResponseEntity.status(HttpStatus.BAD_REQUEST).contentType(MediaType.TEXT_HTML)
                    .body(page("Unknown client", "<p>This authorization request names a client the proxy does not know.</p>"));
        }
        String githubLogin = String.valueOf(user.getPrincipal().getAttributes().getOrDefault("login", user.getName()));
        String redirectHosts = client.getRedirectUris().stream().map(ConsentPage::hostOf)
                .collect(Collectors.toCollection(TreeSet::new)).stream().map(HtmlUtils::htmlEscape)
                .map(host -> "<code>" + host + "</code>").collect(Collectors.joining(", "));
        String[] scopes = scope == null || scope.isBlank() ? new String[0] : scope.split(" ");
        StringBuilder hidden = new StringBuilder()
                .append(hidden(OAuth2ParameterNames.CLIENT_ID, clientId))
                .append(hidden(OAuth2ParameterNames.STATE, state))
                .append(hidden(csrf.getParameterName(), csrf.getToken()));
        Arrays.stream(scopes).forEach(s -> hidden.append(hidden(OAuth2ParameterNames.SCOPE, s)));
        String body = "<p>Signed in with GitHub as <b>" + HtmlUtils.htmlEscape(githubLogin) + "</b>.</p>"
                + "<p>The application <b id=\"client-name\">" + HtmlUtils.htmlEscape(client.getClientName()) + "</b> wants to use "
                + "this MCP server's tools on your behalf, which read your GitHub profile and repositories.</p>"
                + "<p>After you allow it, your browser goes to: " + redirectHosts + "</p>"
                + (scopes.length == 0 ? "" : "<p>Permissions: " + HtmlUtils.htmlEscape(String.join(", ", scopes)) + "</p>")
                + "<p>If you did not just start this from an application you trust, deny.</p>"
                + "<form method=\"post\" action=\"/oauth2/authorize\">" + hidden
                + "<button type=\"submit\" name=\"" + ACCEPT + "\" value=\"yes\">Allow</button> "
                + "<button type=\"submit\" name=\"" + DENY + "\" value=\"yes\">Deny</button></form>";
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML)
                .header("X-Frame-Options", "DENY") // no clickjacking of the Allow button
                .header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
                .body(page("Allow " + client.getClientName() + "?", body));
    }

    private static String hostOf(String redirectUri) {
        URI uri = URI.create(redirectUri);
        return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + HtmlUtils.htmlEscape(name) + "\" value=\"" + HtmlUtils.htmlEscape(value) + "\">";
    }

    private static String page(String title, String body) {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + HtmlUtils.htmlEscape(title) + "</title></head>"
                + "<body><h1>" + HtmlUtils.htmlEscape(title) + "</h1>" + body + "</body></html>";
    }

    /**
     * When the page is shown: for every client the user has not approved for these scopes, and
     * also for an approved one when another site started the navigation ({@code Sec-Fetch-Site:
     * cross-site}), so a page the user happens to visit cannot silently obtain codes for a client
     * the user once approved. A client that opens the system browser (an MCP client on the
     * desktop) sends {@code none}; the approval is honoured then.
     */
    public static boolean required(OAuth2AuthorizationCodeRequestAuthenticationContext context) {
        if (!context.getRegisteredClient().getClientSettings().isRequireAuthorizationConsent()) {
            return false;
        }
        OAuth2AuthorizationConsent remembered = context.getAuthorizationConsent();
        boolean approvedBefore = remembered != null
                && remembered.getScopes().containsAll(context.getAuthorizationRequest().getScopes())
                && remembered.getAuthorities().contains(
                        approvedRedirect(context.getRegisteredClient(), context.getAuthorizationRequest().getRedirectUri()));
        return !approvedBefore || isCrossSiteNavigation();
    }

    /**
     * What an approval remembers besides scopes: the redirect URI it was given for, so a client with
     * several registered redirect URIs (or a CIMD document that gains one) cannot reuse the approval
     * to send codes elsewhere. A loopback redirect's port is left out: native clients pick a new one
     * each time (RFC 8252 section 7.3). Hashed, because Spring stores authorities comma-separated.
     */
    public static GrantedAuthority approvedRedirect(RegisteredClient client, String requestedRedirectUri) {
        String redirect = requestedRedirectUri != null ? requestedRedirectUri : client.getRedirectUris().iterator().next();
        URI uri = URI.create(redirect);
        if (uri.getPort() != -1 && LOOPBACK_HOSTS.contains(uri.getHost())) {
            redirect = uri.getScheme() + "://" + uri.getHost() + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(redirect.getBytes(StandardCharsets.UTF_8));
            return new SimpleGrantedAuthority("APPROVED_REDIRECT_" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "[::1]", "localhost");

    private static boolean isCrossSiteNavigation() {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
            return "cross-site".equals(attributes.getRequest().getHeader("Sec-Fetch-Site"));
        }
        return true; // no request to judge by: ask the user
    }

    /** What the form's buttons mean to Spring's consent step. */
    public static boolean approved(Map<String, Object> consentParameters) {
        return consentParameters.containsKey(ACCEPT) && !consentParameters.containsKey(DENY);
    }
}
