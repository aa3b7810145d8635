package dev.mcpoauth.cookbook.githubproxy;

import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.ALICE;
import static dev.mcpoauth.cookbook.githubproxy.ProxyStack.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.githubproxy.Browser.Pkce;
import dev.mcpoauth.cookbook.githubproxy.github.GitHubTokenStore;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow.Tokens;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What an attacker or a broken client sends, and the exact answer. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxySecurityTest {

    static {
        LogCapture.install();
    }

    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}""";

    private ProxyStack stack;

    @BeforeAll
    void start(@TempDir Path data) {
        stack = ProxyStack.start(data, Map.of("proxy.refresh-reuse-grace", "2s"));
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    // ---- discovery --------------------------------------------------------------------------------

    @Test
    void metadataAdvertisesWhatMcpClientsNeedAndNothingElse() {
        HttpResponse<String> response = stack.get(stack.baseUrl.resolve("/.well-known/oauth-authorization-server"),
                Map.of("Origin", "http://localhost:6274"));
        JsonNode metadata = JsonMapper.shared().readTree(response.body());

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:6274"); // MCP Inspector
        assertThat(metadata.get("issuer").asString()).isEqualTo(stack.baseUrl.toString());
        assertThat(metadata.get("registration_endpoint").asString()).isEqualTo(stack.baseUrl + "/oauth2/register");
        assertThat(strings(metadata.get("code_challenge_methods_supported"))).containsExactly("S256");
        assertThat(strings(metadata.get("token_endpoint_auth_methods_supported"))).containsExactly("none");
        assertThat(strings(metadata.get("grant_types_supported"))).containsExactly("authorization_code", "refresh_token");
        assertThat(strings(metadata.get("scopes_supported"))).containsExactly("mcp:tools", "repos:read");
        assertThat(metadata.get("client_id_metadata_document_supported").asBoolean()).isTrue();
        assertThat(metadata.get("authorization_response_iss_parameter_supported").asBoolean()).isTrue(); // RFC 9207
    }

    @Test
    void mcpEndpointWithoutATokenPointsToItsMetadataAndTheProxy() {
        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(stack.mcpUrl())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build());

        assertThat(response.statusCode()).isEqualTo(401);
        BearerChallenge challenge = BearerChallenge.parse(response.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertThat(challenge.get("resource_metadata")).isEqualTo(stack.baseUrl + "/.well-known/oauth-protected-resource/mcp");
        assertThat(challenge.get("scope")).isEqualTo("mcp:tools");
        JsonNode resource = JsonMapper.shared().readTree(stack.get(URI.create(challenge.get("resource_metadata")), Map.of()).body());
        assertThat(resource.get("resource").asString()).isEqualTo(stack.mcpUrl().toString());
        assertThat(strings(resource.get("authorization_servers"))).containsExactly(stack.baseUrl.toString());
    }

    // ---- dynamic client registration ----------------------------------------------------------------

    @Test
    void registrationRefusesWhatAPublicMcpClientNeverNeeds() {
        assertRegistrationRefused("""
                {"redirect_uris":["http://evil.example/cb"],"token_endpoint_auth_method":"none"}""", 400, "invalid_redirect_uri");
        assertRegistrationRefused("""
                {"redirect_uris":["JaVaScRiPt:alert(1)"],"token_endpoint_auth_method":"none"}""", 400, "invalid_redirect_uri");
        assertRegistrationRefused("""
                {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}""",
                400, "invalid_client_metadata");
        assertRegistrationRefused("""
                {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","grant_types":["client_credentials"]}""",
                400, "invalid_client_metadata");
        assertRegistrationRefused("""
                {"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","scope":"admin"}""",
                400, "invalid_client_metadata");
        assertRegistrationRefused("{\"redirect_uris\":[\"https://app.example/cb\"],\"client_name\":\"" + "x".repeat(20_000) + "\"}",
                413, "invalid_client_metadata");
        for (String scheme : List.of("data:text/html,<script>alert(1)</script>", " javascript:alert(1)",
                "java\0script:alert(1)", "vbscript:msgbox", "http://127.0.0.1@evil.example/cb", "https://app.example/cb#frag")) {
            assertRegistrationRefused("{\"redirect_uris\":[" + JsonMapper.shared().writeValueAsString(scheme)
                    + "],\"token_endpoint_auth_method\":\"none\"}", 400, "invalid_redirect_uri");
        }
    }

    @Test
    void theRegistrationResponseNamesOnlyTheNewClient() {
        HttpResponse<String> response = stack.register("""
                {"client_name":"Echo check","redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""");

        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode registered = JsonMapper.shared().readTree(response.body());
        assertThat(registered.has("client_secret")).isFalse();
        assertThat(registered.get("token_endpoint_auth_method").asString()).isEqualTo("none");
        assertThat(response.body()).doesNotContain(ProxyStack.GITHUB_CLIENT_ID).doesNotContain(ProxyStack.GITHUB_CLIENT_SECRET);
    }

    private void assertRegistrationRefused(String body, int status, String error) {
        HttpResponse<String> response = stack.register(body);
        assertThat(response.statusCode()).as(body.length() > 200 ? "oversized body" : body).isEqualTo(status);
        assertThat(JsonMapper.shared().readTree(response.body()).get("error").asString()).isEqualTo(error);
    }

    // ---- the authorization request ----------------------------------------------------------------

    @Test
    void pkcePlainOrMissingAndForeignResourcesAreSentBackToTheClientAsErrors() {
        String clientId = stack.registerClient("PKCE test client");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        Pkce pkce = Pkce.create();

        Map<String, String> plain = Browser.redirectParameters(browser.get(Browser.authorizationUrl(stack, clientId, pkce,
                Map.of("code_challenge", pkce.verifier(), "code_challenge_method", "plain"))));
        Map<String, String> missing = Browser.redirectParameters(browser.get(Browser.authorizationUrl(stack, clientId, pkce,
                java.util.Collections.singletonMap("code_challenge", null))));
        Map<String, String> otherResource = Browser.redirectParameters(browser.get(Browser.authorizationUrl(stack, clientId, pkce,
                Map.of("resource", "https://other.example/mcp"))));

        assertThat(plain).containsEntry("error", "invalid_request").containsKey("state");
        assertThat(missing).containsEntry("error", "invalid_request");
        assertThat(otherResource).containsEntry("error", "invalid_target");
    }

    @Test
    void consentIsPerClientAndNamesTheClientEscaped() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String trusted = stack.registerClient("Trusted client");
        stack.login(browser, trusted, ALICE); // GitHub sign-in and consent for the trusted client

        // Same client again: remembered, straight back with a code.
        HttpResponse<String> again = Browser.follow(browser, Browser.authorizationUrl(stack, trusted, Pkce.create(), Map.of()));
        assertThat(Browser.redirectParameters(again)).containsKey("code").containsEntry("iss", stack.baseUrl.toString());

        // A client registered by anyone a minute later: the user's GitHub session must not carry it through.
        String attacker = stack.registerClient("<script>alert('pwned')</script> Evil");
        HttpResponse<String> page = Browser.follow(browser, Browser.authorizationUrl(stack, attacker, Pkce.create(), Map.of()));

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.uri().getPath()).isEqualTo("/oauth2/consent");
        assertThat(page.body()).doesNotContain("<script>alert").contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; Evil");
        assertThat(page.body()).contains("<code>127.0.0.1</code>");
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    @Test
    void anApprovalIsRememberedForTheRedirectUriItWasGivenForOnly() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        HttpResponse<String> registered = stack.register("""
                {"client_name":"Two redirects","redirect_uris":["http://127.0.0.1/callback","http://127.0.0.1/elsewhere"],
                 "token_endpoint_auth_method":"none","scope":"mcp:tools"}""");
        String clientId = JsonMapper.shared().readTree(registered.body()).get("client_id").asString();
        stack.login(browser, clientId, ALICE, ProxyStack.BASE_SCOPE); // approved for http://127.0.0.1:<some port>/callback

        HttpResponse<String> sameRedirectOtherPort = Browser.follow(browser,
                Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()));
        HttpResponse<String> otherRedirect = Browser.follow(browser, Browser.authorizationUrl(stack, clientId, Pkce.create(),
                Map.of("redirect_uri", "http://127.0.0.1:41234/elsewhere")));

        assertThat(Browser.redirectParameters(sameRedirectOtherPort)).containsKey("code"); // RFC 8252: the port varies
        assertThat(otherRedirect.uri().getPath()).isEqualTo("/oauth2/consent");
    }

    @Test
    void consentWithoutTheCsrfTokenIsRefusedAndDenyGivesAccessDenied() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        stack.login(browser, stack.registerClient("First client"), BOB);
        String clientId = stack.registerClient("Second client");
        HttpResponse<String> page = Browser.follow(browser, Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of()));
        Document form = Jsoup.parse(page.body());
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        form.select("input[type=hidden]").forEach(input -> fields.put(input.attr("name"), input.attr("value")));

        Map<String, String> forged = new java.util.LinkedHashMap<>(fields);
        forged.remove("_csrf");
        forged.put("accept", "yes");
        HttpResponse<String> withoutCsrf = post(browser, forged);
        forged.put("_csrf", "guessed");
        HttpResponse<String> wrongCsrf = post(browser, forged);
        Map<String, String> deny = new java.util.LinkedHashMap<>(fields);
        deny.put("deny", "yes");
        HttpResponse<String> denied = post(browser, deny);

        assertThat(withoutCsrf.statusCode()).isEqualTo(403);
        assertThat(wrongCsrf.statusCode()).isEqualTo(403);
        assertThat(Browser.redirectParameters(denied)).containsEntry("error", "access_denied")
                .containsEntry("iss", stack.baseUrl.toString()); // RFC 9207: errors name their issuer too
    }

    private HttpResponse<String> post(HeadlessUserAgent browser, Map<String, String> fields) {
        return Browser.send(browser, HttpRequest.newBuilder(stack.baseUrl.resolve("/oauth2/authorize"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Browser.form(fields))).build());
    }

    @Test
    void aRememberedApprovalIsNotHonouredWhenAnotherSiteStartsTheNavigation() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient("Approved once");
        stack.login(browser, clientId, ALICE);
        URI again = Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of());

        HttpResponse<String> fromTheDesktopClient = Browser.send(browser, HttpRequest.newBuilder(again)
                .header("Sec-Fetch-Site", "none").GET().build());
        HttpResponse<String> fromAnotherSite = Browser.send(browser, HttpRequest.newBuilder(again)
                .header("Sec-Fetch-Site", "cross-site").GET().build());

        assertThat(Browser.redirectParameters(fromTheDesktopClient)).containsKey("code");
        assertThat(fromAnotherSite.statusCode()).isEqualTo(302);
        assertThat(fromAnotherSite.headers().firstValue("Location").orElseThrow()).contains("/oauth2/consent?");
    }

    @Test
    void theGitHubCallbackOnlyCompletesInTheBrowserThatStartedItAndOnlyOnce() {
        String clientId = stack.registerClient("Callback binding");
        HeadlessUserAgent victim = new HeadlessUserAgent();
        URI authorize = Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of());
        // Stop where GitHub sends the browser back to the proxy with GitHub's code and the proxy's state.
        URI githubCallback = victim.authorize(authorize, stack.baseUrl + "/login/oauth2/code/github", ALICE);

        HttpResponse<String> inAnotherBrowser = new HeadlessUserAgent().get(githubCallback);
        HttpResponse<String> inTheRightBrowser = victim.get(githubCallback);
        HttpResponse<String> replayed = victim.get(githubCallback);

        assertThat(inAnotherBrowser.statusCode()).isEqualTo(302);
        assertThat(inAnotherBrowser.headers().firstValue("Location").orElseThrow()).endsWith("/login?error");
        assertThat(inTheRightBrowser.headers().firstValue("Location").orElseThrow()).contains("/oauth2/authorize?");
        assertThat(replayed.headers().firstValue("Location").orElseThrow()).endsWith("/login?error");
    }

    @Test
    void redirectUriTricksGetAnErrorPageAndNoRedirect() {
        String clientId = stack.registerClient("Redirect tricks");
        for (String trick : List.of("http://127.0.0.1/callbackx", "http://127.0.0.1/callback/../evil", "http://127.0.0.1/call",
                "http://attacker@127.0.0.1/callback", "http://127.0.0.1.evil.example/callback", "https://127.0.0.1/callback",
                "http://127.0.0.1/callback#fragment")) {
            HttpResponse<String> response = new HeadlessUserAgent().get(
                    Browser.authorizationUrl(stack, clientId, Pkce.create(), Map.of("redirect_uri", trick)));

            assertThat(response.statusCode()).as(trick).isEqualTo(400);
            assertThat(response.headers().firstValue("Location")).as(trick).isEmpty();
        }
    }

    // ---- tokens -----------------------------------------------------------------------------------

    @Test
    void aTokenRequestForAnotherResourceThanAuthorizedIsInvalidTarget() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient("Resource client");
        stack.login(browser, clientId, ALICE);
        Pkce pkce = Pkce.create();
        String code = Browser.redirectParameters(Browser.follow(browser, Browser.authorizationUrl(stack, clientId, pkce, Map.of())))
                .get("code");

        HttpResponse<String> other = redeem(clientId, code, pkce.verifier(), "https://other.example/mcp");
        HttpResponse<String> wrongVerifier = redeem(clientId, code, Pkce.create().verifier(), stack.mcpUrl().toString());

        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(JsonMapper.shared().readTree(other.body()).get("error").asString()).isEqualTo("invalid_target");
        assertThat(wrongVerifier.statusCode()).isEqualTo(400);
        assertThat(JsonMapper.shared().readTree(wrongVerifier.body()).get("error").asString()).isEqualTo("invalid_grant");
    }

    @Test
    void aCodeWorksOnceForItsClientAndRedirectAndAReplayRevokesWhatTheFirstUseGot() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        String clientId = stack.registerClient("Code owner");
        String otherClient = stack.registerClient("Code thief");
        stack.login(browser, clientId, ALICE);
        Pkce pkce = Pkce.create();
        String mcp = stack.mcpUrl().toString();

        // Presented by another client: refused, and burned for its owner too.
        String stolen = newCode(browser, clientId, pkce);
        assertThat(error(redeem(otherClient, stolen, pkce.verifier(), mcp))).isEqualTo("invalid_grant");
        assertThat(error(redeem(clientId, stolen, pkce.verifier(), mcp))).isEqualTo("invalid_grant");
        // With another redirect URI than the authorization request's: refused.
        assertThat(error(redeem(clientId, newCode(browser, clientId, pkce), pkce.verifier(), mcp, "http://127.0.0.1:41234/other")))
                .isEqualTo("invalid_grant");

        String code = newCode(browser, clientId, pkce);
        HttpResponse<String> first = redeem(clientId, code, pkce.verifier(), mcp);
        String accessToken = JsonMapper.shared().readTree(first.body()).get("access_token").asString();
        assertThat(mcpStatus(accessToken)).isEqualTo(200);
        HttpResponse<String> replay = redeem(clientId, code, pkce.verifier(), mcp);

        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(error(replay)).isEqualTo("invalid_grant");
        assertThat(mcpStatus(accessToken)).as("the token the first use got").isEqualTo(401);
    }

    private String newCode(HeadlessUserAgent browser, String clientId, Pkce pkce) {
        return Browser.redirectParameters(Browser.follow(browser, Browser.authorizationUrl(stack, clientId, pkce, Map.of())))
                .get("code");
    }

    private static String error(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body()).path("error").asString("(no error: " + response.statusCode() + ")");
    }

    private HttpResponse<String> redeem(String clientId, String code, String verifier, String resource) {
        return redeem(clientId, code, verifier, resource, Browser.REDIRECT_URI);
    }

    private HttpResponse<String> redeem(String clientId, String code, String verifier, String resource, String redirectUri) {
        return stack.postForm(stack.baseUrl.resolve("/oauth2/token"), Browser.form(Map.of("grant_type", "authorization_code",
                "code", code, "redirect_uri", redirectUri, "client_id", clientId, "code_verifier", verifier,
                "resource", resource)));
    }

    @Test
    void refreshRotatesAndReusingARotatedTokenRevokesTheWholeGrantAndTheGitHubToken() throws Exception {
        String clientId = stack.registerClient("Refreshing client");
        Tokens first = stack.login(new HeadlessUserAgent(), clientId, stack.newGitHubUser("carol"));
        String githubToken = storedGitHubToken(SignedJWT.parse(first.accessToken()).getJWTClaimsSet().getSubject());

        JsonNode second = stack.refresh(clientId, first.refreshToken());
        JsonNode raceLoser = stack.refresh(clientId, first.refreshToken()); // inside the 2 s grace: refused, grant kept
        assertThat(second.get("refresh_token").asString()).isNotEqualTo(first.refreshToken());
        assertThat(raceLoser.get("error").asString()).isEqualTo("invalid_grant");
        assertThat(mcpStatus(second.get("access_token").asString())).isEqualTo(200);

        Thread.sleep(2_500);
        JsonNode replay = stack.refresh(clientId, first.refreshToken()); // a stolen copy, after the grace window
        JsonNode afterReplay = stack.refresh(clientId, second.get("refresh_token").asString());

        assertThat(replay.get("error").asString()).isEqualTo("invalid_grant");
        assertThat(afterReplay.get("error").asString()).isEqualTo("invalid_grant");
        assertThat(mcpStatus(second.get("access_token").asString())).isEqualTo(401); // at once, not at exp
        assertThat(stack.github.isActive(githubToken)).isFalse(); // revoked at GitHub: it was Carol's only grant
        assertThat(LogCapture.text()).contains("\"event\":\"refresh_token_reuse\"").contains("\"outcome\":\"grant_revoked\"");
    }

    @Test
    void revocationEndsTheGrantAndOnlyTheLastGrantTakesTheGitHubTokenWithIt() throws Exception {
        String clientA = stack.registerClient("Client A");
        String clientB = stack.registerClient("Client B");
        HeadlessUserAgent browser = new HeadlessUserAgent();
        UserCredentials dave = stack.newGitHubUser("dave");
        Tokens a = stack.login(browser, clientA, dave);
        Tokens b = stack.login(browser, clientB, dave);
        String githubToken = storedGitHubToken(SignedJWT.parse(a.accessToken()).getJWTClaimsSet().getSubject());

        assertThat(revoke(clientA, a.refreshToken()).statusCode()).isEqualTo(200);
        assertThat(stack.refresh(clientA, a.refreshToken()).get("error").asString()).isEqualTo("invalid_grant");
        assertThat(mcpStatus(a.accessToken())).isEqualTo(401);
        assertThat(stack.github.isActive(githubToken)).isTrue(); // client B still works for Dave
        assertThat(mcpStatus(b.accessToken())).isEqualTo(200);

        assertThat(revoke(clientA, b.refreshToken()).statusCode()).as("another client's token").isEqualTo(400);
        assertThat(revoke(clientB, b.refreshToken()).statusCode()).isEqualTo(200);
        assertThat(stack.github.isActive(githubToken)).isFalse();
    }

    @Test
    void forgedExpiredOrForeignTokensAndTokensInTheUrlGet401() throws Exception {
        Tokens real = stack.login(new HeadlessUserAgent(), stack.registerClient("Forgery baseline"), ALICE);
        JWTClaimsSet claims = SignedJWT.parse(real.accessToken()).getJWTClaimsSet();
        RSAKey proxyKey = (RSAKey) stack.bean(JWKSource.class).get(new JWKSelector(new JWKMatcher.Builder().build()), null).get(0);
        RSAKey otherKey = new RSAKeyGenerator(2048).keyID(proxyKey.getKeyID()).generate();

        assertInvalidToken(sign(proxyKey, new JWTClaimsSet.Builder(claims).audience("https://other.example/mcp").build()),
                "another audience");
        assertInvalidToken(sign(proxyKey, new JWTClaimsSet.Builder(claims).issuer("https://evil.example").build()), "another issuer");
        assertInvalidToken(sign(proxyKey, new JWTClaimsSet.Builder(claims).expirationTime(Date.from(Instant.now().minusSeconds(120))).build()),
                "expired");
        assertInvalidToken(sign(otherKey, claims), "signed with another key");
        assertInvalidToken(sign(proxyKey, new JWTClaimsSet.Builder(claims).jwtID("minted-by-someone-with-the-key").build()),
                "validly signed, but no grant issued it");

        HttpResponse<String> inUrl = stack.send(HttpRequest.newBuilder(URI.create(stack.mcpUrl() + "?access_token=" + real.accessToken()))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build());
        assertThat(inUrl.statusCode()).isEqualTo(401);
        assertThat(BearerChallenge.parse(inUrl.headers().firstValue("WWW-Authenticate").orElseThrow()).get("resource_metadata"))
                .isEqualTo(stack.baseUrl + "/.well-known/oauth-protected-resource/mcp");
        assertThat(LogCapture.text()).doesNotContain(real.accessToken());
    }

    /** 401 with the RFC 6750 {@code invalid_token} challenge, which tells the client to get a new token. */
    private void assertInvalidToken(String token, String why) {
        HttpResponse<String> response = mcpRequest(token, INITIALIZE, Map.of());
        assertThat(response.statusCode()).as(why).isEqualTo(401);
        BearerChallenge challenge = BearerChallenge.parse(response.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertThat(challenge.get("error")).as(why).isEqualTo("invalid_token");
        assertThat(challenge.get("resource_metadata")).as(why).isEqualTo(stack.baseUrl + "/.well-known/oauth-protected-resource/mcp");
    }

    @Test
    void anMcpSessionBelongsToTheUserWhoOpenedIt() {
        String alice = stack.login(new HeadlessUserAgent(), stack.registerClient("Alice's client"), ALICE).accessToken();
        String bob = stack.login(new HeadlessUserAgent(), stack.registerClient("Bob's client"), BOB).accessToken();
        HttpResponse<String> opened = mcpRequest(alice, INITIALIZE, Map.of());
        String session = opened.headers().firstValue("Mcp-Session-Id").orElseThrow();
        String toolsList = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

        HttpResponse<String> bobInAlicesSession = mcpRequest(bob, toolsList,
                Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25"));
        HttpResponse<String> aliceInHerSession = mcpRequest(alice, toolsList,
                Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25"));

        assertThat(bobInAlicesSession.statusCode()).isEqualTo(404); // as for an unknown session: nothing learned
        assertThat(aliceInHerSession.statusCode()).isEqualTo(200);
    }

    @Test
    void onlyListedBrowserOriginsReachTheMcpEndpointWhileTheOAuthEndpointsAnswerAnyOrigin() {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Origin check"), ALICE).accessToken();

        // A page on another site, using a valid token (DNS rebinding, or a token the page got hold of).
        HttpResponse<String> foreignPage = mcpRequest(token, INITIALIZE, Map.of("Origin", "https://evil.example"));
        HttpResponse<String> inspector = mcpRequest(token, INITIALIZE, Map.of("Origin", "http://localhost:6274"));
        HttpResponse<String> foreignPreflight = preflight("/mcp", "https://evil.example");
        HttpResponse<String> inspectorPreflight = preflight("/mcp", "http://localhost:6274");
        // Browser-based clients register and redeem codes from their own origin; nothing there rides on cookies.
        HttpResponse<String> tokenPreflight = preflight("/oauth2/token", "https://some-web-client.example");
        HttpResponse<String> registerPreflight = preflight("/oauth2/register", "https://some-web-client.example");
        HttpResponse<String> metadataPreflight = preflight("/.well-known/oauth-protected-resource/mcp", "https://some-web-client.example");

        assertThat(foreignPage.statusCode()).isEqualTo(403);
        assertJsonRpcError(foreignPage, -32600);
        assertThat(foreignPage.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(foreignPreflight.statusCode()).isEqualTo(403);
        assertThat(inspector.statusCode()).isEqualTo(200);
        assertThat(inspectorPreflight.statusCode()).isEqualTo(200);
        assertThat(inspector.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:6274");
        for (HttpResponse<String> preflight : List.of(tokenPreflight, registerPreflight, metadataPreflight)) {
            assertThat(preflight.statusCode()).isEqualTo(200);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://some-web-client.example");
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
        }
    }

    // ---- the JSON-RPC body: one reading, UTF-8 only, refused before the transport -------------------

    private static final String LIST_REPOSITORIES = """
            {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_repositories","arguments":{}}}""";

    /**
     * Issue 18: the scope filter read raw bytes with Jackson (which guesses UTF-8, 16 or 32) while the
     * MCP SDK decodes the charset the request declares, so an EBCDIC tools/call got past it. Only
     * {@code application/json} in UTF-8 reaches the transport now (RFC 8259 section 8.1).
     */
    @Test
    void anEbcdicToolCallNeedingAScopeTheTokenLacksIsRefusedAndTheToolDoesNotRun() throws Exception {
        String clientId = stack.registerClient("EBCDIC caller");
        String baseOnly = stack.login(new HeadlessUserAgent(), clientId, ALICE, ProxyStack.BASE_SCOPE).accessToken();
        String stepped = stack.loginForEveryTool(new HeadlessUserAgent(), clientId, ALICE).accessToken();
        String session = openSession(baseOnly);
        Map<String, String> inSession = Map.of("Mcp-Session-Id", session, "MCP-Protocol-Version", "2025-11-25");
        long listed = repositoryListings();

        HttpResponse<String> ebcdic = mcpPost(baseOnly, "application/json; charset=IBM037", LIST_REPOSITORIES.getBytes("IBM037"), inSession);
        HttpResponse<String> ebcdicWithTheScope = mcpPost(stepped, "application/json; charset=IBM037",
                LIST_REPOSITORIES.getBytes("IBM037"), inSession);
        HttpResponse<String> utf8 = mcpPost(baseOnly, "application/json", LIST_REPOSITORIES.getBytes(StandardCharsets.UTF_8), inSession);

        assertThat(ebcdic.statusCode()).isEqualTo(415);
        assertJsonRpcError(ebcdic, -32700);
        assertThat(ebcdicWithTheScope.statusCode()).isEqualTo(415); // refused for its charset, whatever the token
        assertThat(utf8.statusCode()).isEqualTo(403);
        BearerChallenge challenge = BearerChallenge.parse(utf8.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
        assertThat(challenge.get("scope")).isEqualTo("mcp:tools repos:read");
        assertThat(challenge.get("resource_metadata")).isEqualTo(stack.baseUrl + "/.well-known/oauth-protected-resource/mcp");
        assertThat(repositoryListings()).as("GitHub calls for /user/repos").isEqualTo(listed);
        // The control: in the same session, the UTF-8 call with the scope runs the tool.
        assertThat(mcpPost(stepped, "application/json", LIST_REPOSITORIES.getBytes(StandardCharsets.UTF_8), inSession).statusCode())
                .isEqualTo(200);
        assertThat(repositoryListings()).isEqualTo(listed + 1);
    }

    @Test
    void traceAndHeadOnTheMcpEndpointAre405WithoutEchoingTheToken() {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Tracer"), ALICE).accessToken();

        for (String method : List.of("TRACE", "HEAD")) {
            HttpResponse<String> response = stack.send(HttpRequest.newBuilder(stack.mcpUrl())
                    .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                    .method(method, HttpRequest.BodyPublishers.noBody()).build());

            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.body()).as(method).doesNotContain(token).doesNotContain("Bearer");
        }
    }

    @Test
    void aBatchIsRefusedAsAnInvalidRequest() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Batch sender"), ALICE).accessToken();

        HttpResponse<String> batch = mcpPost(token, "application/json",
                ("[" + INITIALIZE + "," + LIST_REPOSITORIES + "]").getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(batch.statusCode()).isEqualTo(400); // MCP has had no batches since 2025-06-18
        assertJsonRpcError(batch, -32600);
    }

    @Test
    void aBodyWithADuplicateKeyIsRefusedAsAParseError() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Duplicate keys"), ALICE).accessToken();
        String duplicateName = """
                {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"whoami","name":"list_repositories"}}""";

        HttpResponse<String> response = mcpPost(token, "application/json", duplicateName.getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32700);
    }

    /**
     * What a 2026-07-28 client sends first. The MCP SDK answers it with a serialized exception and
     * its stack trace (through the whole Spring Security filter chain); the client gets a JSON-RPC error.
     */
    @Test
    void aSessionlessRequestOtherThanInitializeGetsAJsonRpcErrorWithoutJavaInternals() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Stateless client"), ALICE).accessToken();

        HttpResponse<String> response = mcpPost(token, "application/json",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\"}".getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32600);
        assertThat(JsonMapper.shared().readTree(response.body()).get("id").asInt()).isEqualTo(1);
    }

    /**
     * Spring Security's firewall answers a URL it rejects with {@code sendError(400)}; Spring Boot would
     * dispatch that to its error page, which this server's other chains answer. On /mcp: a JSON-RPC error.
     */
    @Test
    void aUrlSpringSecuritysFirewallRejectsGetsAJsonRpcError() throws Exception {
        String token = stack.login(new HeadlessUserAgent(), stack.registerClient("Odd URLs"), ALICE).accessToken();

        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(URI.create(stack.mcpUrl() + ";jsessionid=x"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)).build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertJsonRpcError(response, -32600);
    }

    private String openSession(String token) {
        return mcpRequest(token, INITIALIZE, Map.of()).headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    private long repositoryListings() {
        return stack.github.apiCalls().stream().filter(call -> call.path().equals("/user/repos")).count();
    }

    private HttpResponse<String> mcpPost(String accessToken, String contentType, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.mcpUrl())
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", contentType).header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return stack.send(request.build());
    }

    /** A JSON-RPC error object and nothing else: no Spring Boot error fields, nothing of an exception. */
    private static void assertJsonRpcError(HttpResponse<String> response, int code) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JsonMapper.shared().readTree(response.body());
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("jsonrpc", "id", "error");
        assertThat(body.path("error").path("code").asInt()).isEqualTo(code);
        assertThat(response.body()).doesNotContain("timestamp", "stackTrace", "cause", "localizedMessage", "Exception");
    }

    private HttpResponse<String> preflight(String path, String origin) {
        return stack.send(HttpRequest.newBuilder(stack.baseUrl.resolve(path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,mcp-protocol-version").build());
    }

    @Test
    void theConsentPageCannotBeFramedOrRunScript() {
        HeadlessUserAgent browser = new HeadlessUserAgent();
        stack.login(browser, stack.registerClient("Frame check, first"), BOB);
        HttpResponse<String> page = Browser.follow(browser,
                Browser.authorizationUrl(stack, stack.registerClient("Frame check, second"), Pkce.create(), Map.of()));

        assertThat(page.uri().getPath()).isEqualTo("/oauth2/consent");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private String storedGitHubToken(String userId) {
        return stack.bean(GitHubTokenStore.class).find(userId).orElseThrow().accessToken();
    }

    private HttpResponse<String> revoke(String clientId, String token) {
        return stack.postForm(stack.baseUrl.resolve("/oauth2/revoke"),
                Browser.form(Map.of("token", token, "token_type_hint", "refresh_token", "client_id", clientId)));
    }

    private int mcpStatus(String accessToken) {
        return mcpRequest(accessToken, INITIALIZE, Map.of()).statusCode();
    }

    private HttpResponse<String> mcpRequest(String accessToken, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.mcpUrl())
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return stack.send(request.build());
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
