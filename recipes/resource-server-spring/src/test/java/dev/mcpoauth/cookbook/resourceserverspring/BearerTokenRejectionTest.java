package dev.mcpoauth.cookbook.resourceserverspring;

import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.ALICE;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.MCP_URL;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.OTHER_RESOURCE_URL;
import static dev.mcpoauth.cookbook.resourceserverspring.DemoEnvironment.REALM;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.logs.LogCapture;
import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import dev.mcpoauth.cookbook.testkit.tokens.TokenForge;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an attacker sends, and the exact answer. Forged tokens are signed with a key the realm
 * publishes (see {@link TokenForge}), so each one fails for the single reason under test;
 * {@link #acceptsTheForgedControlToken()} proves the forge itself is trusted.
 */
class BearerTokenRejectionTest extends RunningServerTest {

    private static final String AUDIENCE = MCP_URL.toString();
    private static final String SCOPE = "mcp:tools";
    private static final String RESOURCE_METADATA =
            "http://localhost:" + DemoEnvironment.PORT + "/.well-known/oauth-protected-resource/mcp";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}""";

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Every token this class sends; none may appear in the server's log. */
    private static final Set<String> TOKENS_SENT = ConcurrentHashMap.newKeySet();
    private static TokenForge forge;

    @BeforeAll
    static void trustForgingKey() {
        forge = TokenForge.trustedBy(REALM);
    }

    @Test
    void acceptsTheForgedControlToken() throws Exception {
        assertThat(post(forge.valid(AUDIENCE, "forged-user", SCOPE)).statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsARequestWithoutTokenWithAChallengeThatLeadsToDiscovery() throws Exception {
        HttpResponse<String> response = send(request().POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        // RFC 6750 section 3.1: no error code when the request carried no credentials.
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", RESOURCE_METADATA, "scope", SCOPE));
    }

    @Test
    void ignoresATokenInTheQueryString() throws Exception {
        String token = track(forge.valid(AUDIENCE, "forged-user", SCOPE));
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(MCP_URL + "?access_token=" + token))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", RESOURCE_METADATA, "scope", SCOPE));
    }

    @Test
    void rejectsAnExpiredToken() throws Exception {
        assertInvalidToken(forge.expired(AUDIENCE, "forged-user", SCOPE, Duration.ofMinutes(5)), "expired");
    }

    @Test
    void acceptsATokenExpiredWithinTheClockSkewOnly() throws Exception {
        assertThat(post(forge.expired(AUDIENCE, "forged-user", SCOPE, Duration.ofSeconds(20))).statusCode()).isEqualTo(200);
        assertInvalidToken(forge.expired(AUDIENCE, "forged-user", SCOPE, Duration.ofSeconds(90)), "expired");
    }

    @Test
    void rejectsATokenNotYetValidBeyondTheClockSkew() throws Exception {
        assertInvalidToken(forge.notYetValid(AUDIENCE, "forged-user", SCOPE, Duration.ofMinutes(5)), "used before");
    }

    @Test
    void rejectsATokenWithoutExpiry() throws Exception {
        assertInvalidToken(forge.sign(forge.validClaims(AUDIENCE, "forged-user", SCOPE).expirationTime(null).build()), "exp");
    }

    @Test
    void rejectsATokenFromAnotherIssuer() throws Exception {
        assertInvalidToken(forge.withIssuer("http://localhost:1/realms/evil", AUDIENCE, "forged-user", SCOPE), "iss");
    }

    @Test
    void rejectsATokenForgedForAnotherAudience() throws Exception {
        assertInvalidToken(forge.valid(OTHER_RESOURCE_URL.toString(), "forged-user", SCOPE), "aud");
    }

    @Test
    void rejectsARealTokenIssuedForAnotherResource() throws Exception {
        // Same realm, same user, same client: only the RFC 8707 resource differs. Token passthrough stops here.
        String tokenForOtherApi = AuthorizationCodeFlow.with(REALM, DemoEnvironment.CLIENT_ID)
                .scope("other:api").resource(OTHER_RESOURCE_URL)
                .run(new HeadlessUserAgent(), ALICE).accessToken();

        assertInvalidToken(tokenForOtherApi, "aud");
    }

    @Test
    void rejectsAnUnsignedToken() throws Exception {
        assertInvalidToken(forge.unsigned(AUDIENCE, "forged-user", SCOPE), null);
    }

    @Test
    void rejectsHs256SignedWithThePublicKey() throws Exception {
        assertInvalidToken(forge.hs256WithPublicKey(AUDIENCE, "forged-user", SCOPE), null);
    }

    @Test
    void rejectsATamperedToken() throws Exception {
        assertInvalidToken(forge.tampered(AUDIENCE, "forged-user", SCOPE, SCOPE + " notes:write"), null);
    }

    @Test
    void rejectsTokensSignedWithUnknownKeysEvenWhileJwksRefetchIsRateLimited() throws Exception {
        // The first unknown kid may refetch the JWKS; the next ones fall in the rate-limit window. Same answer.
        for (int attempt = 0; attempt < 5; attempt++) {
            assertInvalidToken(forge.unknownKid(AUDIENCE, "forged-user", SCOPE), null);
        }
    }

    @Test
    void rejectsMalformedAuthorizationHeaders() throws Exception {
        for (String header : List.of("Bearer", "Bearer ", "Bearer a b", "Bearer a$b", "Bearer abc.def.ghi",
                "Bearer \u00e9t\u00e9", "bearer" + " ".repeat(40))) {
            HttpResponse<String> response = send(request().header("Authorization", header)
                    .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

            assertThat(response.statusCode()).as(header).isEqualTo(401);
            assertThat(challenge(response).get("error")).as(header).isEqualTo("invalid_token");
        }
    }

    @Test
    void answersOtherSchemesWithTheBearerChallenge() throws Exception {
        HttpResponse<String> response = send(request().header("Authorization", "Basic YWxpY2U6YWxpY2U=")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).parameters())
                .isEqualTo(Map.of("resource_metadata", RESOURCE_METADATA, "scope", SCOPE));
    }

    @Test
    void rejectsAnOversizedTokenBeforeParsingIt() throws Exception {
        HttpResponse<String> response = post("a".repeat(12 * 1024));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(challenge(response).get("error")).isEqualTo("invalid_token");
        assertThat(challenge(response).get("error_description")).isEqualTo("Bearer token is too large");
    }

    @Test
    void headersBeyondTheContainerLimitAreRefusedWithoutReachingTheApplication() throws Exception {
        // Tomcat refuses a header block over server.max-http-request-header-size itself: 400, never 500.
        assertThat(post("a".repeat(64 * 1024)).statusCode()).isEqualTo(400);
    }

    @Test
    void rejectsATokenWithoutTheServersScopeWith403() throws Exception {
        String token = track(forge.valid(AUDIENCE, "forged-user", "profile"));
        HttpResponse<String> response = post(token);

        assertThat(response.statusCode()).isEqualTo(403);
        BearerChallenge challenge = challenge(response);
        assertThat(challenge.get("error")).isEqualTo("insufficient_scope");
        assertThat(challenge.get("scope")).isEqualTo(SCOPE);
        assertThat(challenge.get("resource_metadata")).isEqualTo(RESOURCE_METADATA);
    }

    @Test
    void refusesABrowserRequestFromAForeignOriginEvenWithAValidToken() throws Exception {
        // MCP transport spec: validate Origin on Streamable HTTP (DNS rebinding defence).
        String token = track(forge.valid(AUDIENCE, "forged-user", SCOPE));
        HttpResponse<String> foreign = send(request().header("Authorization", "Bearer " + token)
                .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
        HttpResponse<String> allowed = send(request().header("Authorization", "Bearer " + token)
                .header("Origin", "http://localhost:6274").POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));

        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(allowed.statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void noTokenReachedTheLog() {
        String log = LogCapture.text();
        assertThat(log).as("captured server log").isNotBlank();
        for (String token : TOKENS_SENT) {
            assertThat(log).doesNotContain(token);
            String[] parts = token.split("\\.");
            if (parts.length == 3 && parts[2].length() > 16) {
                assertThat(log).doesNotContain(parts[2]); // not even the signature alone
            }
        }
    }

    private void assertInvalidToken(String token, String descriptionHint) throws Exception {
        HttpResponse<String> response = post(token);

        assertThat(response.statusCode()).isEqualTo(401);
        BearerChallenge challenge = challenge(response);
        assertThat(challenge.parameters().keySet())
                .containsExactlyInAnyOrder("error", "error_description", "error_uri", "resource_metadata", "scope");
        assertThat(challenge.get("error")).isEqualTo("invalid_token");
        assertThat(challenge.get("resource_metadata")).isEqualTo(RESOURCE_METADATA);
        assertThat(challenge.get("scope")).isEqualTo(SCOPE);
        if (descriptionHint != null) {
            assertThat(challenge.get("error_description")).containsIgnoringCase(descriptionHint);
        }
    }

    private static HttpResponse<String> post(String token) throws Exception {
        return send(request().header("Authorization", "Bearer " + track(token))
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE)));
    }

    private static HttpRequest.Builder request() {
        return HttpRequest.newBuilder(MCP_URL)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        for (String token : TOKENS_SENT) {
            assertThat(response.body()).doesNotContain(token);
            assertThat(response.headers().map().toString()).doesNotContain(token);
        }
        return response;
    }

    private static String track(String token) {
        if (token.length() < 4096) {
            TOKENS_SENT.add(token);
        }
        return token;
    }

    private static BearerChallenge challenge(HttpResponse<String> response) {
        List<String> headers = response.headers().allValues("WWW-Authenticate");
        assertThat(headers).hasSize(1);
        return BearerChallenge.parse(headers.get(0));
    }
}
