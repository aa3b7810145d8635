package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The proxy's own consent page, per MCP client: GitHub's consent names the proxy's one OAuth App and
 * is skipped once approved, so without this page any newly registered client would get a code for
 * the user's GitHub identity (the confused deputy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsentPageTest {

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of());
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    @Test
    void anApprovedClientIsSentStraightBackWithACode() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String trusted = stack.registerClient("Trusted client");
        stack.login(browser, trusted, ALICE); // GitHub sign-in and consent for this client

        String redirect = authorize(browser, trusted)
        .then()
            .statusCode(302)
            .header("Location", startsWith(Browser.REDIRECT_URI + "?"))
            .extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsKey("code");
    }

    /** RFC 9207: the authorization response names its issuer, so a client talking to two servers cannot mix them up. */
    @Test
    void theAuthorizationResponseNamesTheIssuer() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String trusted = stack.registerClient("Issuer check");
        stack.login(browser, trusted, ALICE);

        String redirect = authorize(browser, trusted).then().statusCode(302).extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsEntry("iss", stack.baseUrl.toString());
    }

    /** A client registered by anyone a minute later: the user's GitHub session must not carry it through. */
    @Test
    void aClientTheUserNeverApprovedGetsTheConsentPage() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(ALICE);
        String newcomer = stack.registerClient("Newcomer");

        authorize(browser, newcomer)
        .then()
            .statusCode(302)
            .header("Location", containsString("/oauth2/consent?"));
    }

    @Test
    void theConsentPageNamesTheClientHtmlEscaped() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(ALICE);
        String attacker = stack.registerClient("<script>alert('pwned')</script> Evil");

        consentPage(browser, attacker)
        .then()
            .statusCode(200)
            .body(not(containsString("<script>alert")))
            .body(containsString("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; Evil"));
    }

    @Test
    void theConsentPageNamesTheHostTheRedirectGoesTo() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(ALICE);

        consentPage(browser, stack.registerClient("Redirect host check"))
        .then()
            .statusCode(200)
            .body(containsString("<code>127.0.0.1</code>"));
    }

    @Test
    void theConsentPageCannotBeFramedOrRunScript() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(BOB);

        consentPage(browser, stack.registerClient("Frame check"))
        .then()
            .statusCode(200)
            .header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
            .header("X-Frame-Options", "DENY");
    }

    // ---- an approval is for the redirect URI it was given for -------------------------------------

    @Test
    void anApprovalCoversItsLoopbackRedirectUriOnAnyPort() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = registerWithTwoRedirects();
        stack.login(browser, clientId, ALICE, ProxyStack.BASE_SCOPE); // approved for http://127.0.0.1:<some port>/callback

        String redirect = authorize(browser, clientId) // RFC 8252: the port varies from run to run
        .then()
            .statusCode(302)
            .header("Location", startsWith(Browser.REDIRECT_URI + "?"))
            .extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsKey("code");
    }

    @Test
    void anApprovalIsNotHonouredForTheClientsOtherRedirectUri() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = registerWithTwoRedirects();
        stack.login(browser, clientId, ALICE, ProxyStack.BASE_SCOPE);

        Browser.session(stack, browser)
        .when()
            .get(Browser.authorizationUrl(stack, clientId, Pkce.create(),
                    Map.of("redirect_uri", "http://127.0.0.1:41234/elsewhere")).toString())
        .then()
            .statusCode(302)
            .header("Location", containsString("/oauth2/consent?"));
    }

    // ---- a remembered approval and who started the navigation -------------------------------------

    @Test
    void aRememberedApprovalIsHonouredForANavigationTheUserStarted() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient("Approved once, desktop");
        stack.login(browser, clientId, ALICE);

        String redirect = authorize(browser, clientId, "none") // the desktop client opened the browser
        .then()
            .statusCode(302)
            .header("Location", startsWith(Browser.REDIRECT_URI + "?"))
            .extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsKey("code");
    }

    @Test
    void aRememberedApprovalIsNotHonouredWhenAnotherSiteStartsTheNavigation() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient("Approved once, cross-site");
        stack.login(browser, clientId, ALICE);

        authorize(browser, clientId, "cross-site")
        .then()
            .statusCode(302)
            .header("Location", containsString("/oauth2/consent?"));
    }

    // ---- the consent form -------------------------------------------------------------------------

    @Test
    void consentWithoutTheCsrfTokenIsRefused() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(BOB);
        Map<String, String> forged = consentFormFields(browser, stack.registerClient("CSRF check, missing"));
        forged.remove("_csrf");
        forged.put("accept", "yes");

        submit(browser, forged)
        .then()
            .statusCode(403);
    }

    @Test
    void consentWithAGuessedCsrfTokenIsRefused() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(BOB);
        Map<String, String> forged = consentFormFields(browser, stack.registerClient("CSRF check, guessed"));
        forged.put("_csrf", "guessed");
        forged.put("accept", "yes");

        submit(browser, forged)
        .then()
            .statusCode(403);
    }

    /** RFC 9207: errors name their issuer too. */
    @Test
    void denyingConsentSendsAccessDeniedWithTheIssuer() {
        HeadlessUserAgent browser = signedInWithAnotherClientApproved(BOB);
        Map<String, String> deny = consentFormFields(browser, stack.registerClient("Denied client"));
        deny.put("deny", "yes");

        String redirect = submit(browser, deny)
        .then()
            .statusCode(302)
            .header("Location", allOf(startsWith(Browser.REDIRECT_URI + "?"), containsString("error=access_denied")))
            .extract().header("Location");

        assertThat(Browser.redirectParameters(redirect)).containsEntry("error", "access_denied")
                .containsEntry("iss", stack.baseUrl.toString());
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A browser signed in at GitHub and at the proxy, with one client approved. */
    private HeadlessUserAgent signedInWithAnotherClientApproved(UserCredentials user) {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        stack.login(browser, stack.registerClient("Approved earlier"), user);
        return browser;
    }

    private Response authorize(HeadlessUserAgent browser, String clientId) {
        return Browser.session(stack, browser)
                .when().get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()).toString());
    }

    private Response authorize(HeadlessUserAgent browser, String clientId, String secFetchSite) {
        return Browser.session(stack, browser).header("Sec-Fetch-Site", secFetchSite)
                .when().get(Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()).toString());
    }

    /** The consent page, reached as the browser reaches it: the authorization request redirects there. */
    private Response consentPage(HeadlessUserAgent browser, String clientId) {
        String consent = authorize(browser, clientId).then().statusCode(302).extract().header("Location");
        return Browser.session(stack, browser).when().get(stack.baseUrl.resolve(consent).toString());
    }

    private Map<String, String> consentFormFields(HeadlessUserAgent browser, String clientId) {
        String page = consentPage(browser, clientId).then().statusCode(200).extract().body().asString();
        Map<String, String> fields = new LinkedHashMap<>();
        Jsoup.parse(page).select("input[type=hidden]").forEach(input -> fields.put(input.attr("name"), input.attr("value")));
        return fields;
    }

    private Response submit(HeadlessUserAgent browser, Map<String, String> fields) {
        RequestSpecification form = Browser.session(stack, browser).contentType("application/x-www-form-urlencoded")
                .body(Browser.form(fields));
        return form.when().post("/oauth2/authorize");
    }

    private String registerWithTwoRedirects() {
        String registered = stack.given().contentType("application/json").body("""
                {"client_name":"Two redirects","redirect_uris":["http://127.0.0.1/callback","http://127.0.0.1/elsewhere"],
                 "token_endpoint_auth_method":"none","scope":"mcp:tools"}""")
                .when().post("/oauth2/register")
                .then().statusCode(201).extract().body().asString();
        return JsonMapper.shared().readTree(registered).get("client_id").asString();
    }
}
