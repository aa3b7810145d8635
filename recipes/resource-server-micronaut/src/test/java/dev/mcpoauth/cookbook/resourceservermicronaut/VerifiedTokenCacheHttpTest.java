package dev.mcpoauth.cookbook.resourceservermicronaut;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.testkit.time.AheadClock;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the verified-token cache ({@link CachingTokenValidator}) may not change, over HTTP: a token it remembers is
 * still refused after its {@code exp}, with any character of its signature changed, and once the key that signed it
 * has left the JWKS. An authorization server of the test's own (a JWKS it edits, tokens it signs) and a clock it moves
 * forward instead of sleeping.
 */
class VerifiedTokenCacheHttpTest {

    private static final String ISSUER = "http://127.0.0.1:1/realms/cache-test";
    private static final String INVALID_TOKEN = "Bearer error=\"invalid_token\", "
            + "error_description=\"The access token is invalid or expired\", ";
    private static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"verified-token-cache-test","version":"1"}}}""";

    private final AheadClock clock = new AheadClock();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicReference<JWKSet> published = new AtomicReference<>();
    private HttpServer jwks;
    private EmbeddedServer server;
    private URI mcp;
    private RSAKey firstKey;

    @BeforeEach
    void startAuthorizationServerAndResourceServer() throws Exception {
        firstKey = signingKey("first");
        published.set(new JWKSet(firstKey.toPublicJWK()));
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/certs", exchange -> {
            byte[] body = published.get().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
        ApplicationContext context = ApplicationContext.builder()
                .properties(Map.of(
                        "micronaut.server.port", -1,
                        "mcp.resource", "http://127.0.0.1:8080/mcp",
                        "mcp.authorization-server", ISSUER,
                        "mcp.jwks-uri", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs",
                        "mcp.clock-skew", "5s"))
                .singletons(new AccessTokenValidation.ValidationClock(clock))
                .start();
        server = context.getBean(EmbeddedServer.class).start();
        mcp = URI.create("http://127.0.0.1:" + server.getPort() + "/mcp");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
        if (jwks != null) {
            jwks.stop(0);
        }
    }

    @Test
    void refusesARememberedTokenAfterItsExpiry() throws Exception {
        String token = token(firstKey, clock.instant().plusSeconds(20));
        assertThat(post(token).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(30)); // past exp and the 5 s skew, well within the cache's 60 s

        HttpResponse<String> response = post(token);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith(INVALID_TOKEN));
    }

    @Test
    void refusesARememberedTokenWithOneSignatureCharacterChanged() throws Exception {
        String token = token(firstKey, clock.instant().plusSeconds(300));
        assertThat(post(token).statusCode()).isEqualTo(200);
        int middleOfSignature = token.lastIndexOf('.') + (token.length() - token.lastIndexOf('.')) / 2;
        char changed = token.charAt(middleOfSignature) == 'A' ? 'B' : 'A';
        String tampered = token.substring(0, middleOfSignature) + changed + token.substring(middleOfSignature + 1);

        HttpResponse<String> response = post(tampered);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith(INVALID_TOKEN));
    }

    @Test
    void refusesARememberedTokenOnceItsKeyLeftTheJwks() throws Exception {
        String token = token(firstKey, clock.instant().plusSeconds(300));
        assertThat(post(token).statusCode()).isEqualTo(200);
        RSAKey nextKey = signingKey("next");
        published.set(new JWKSet(nextKey.toPublicJWK()));
        // A token under the new kid makes the server fetch the JWKS again, as it would without the cache.
        assertThat(post(token(nextKey, clock.instant().plusSeconds(300))).statusCode()).isEqualTo(200);

        HttpResponse<String> response = post(token);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith(INVALID_TOKEN));
    }

    @Test
    void remembersOnlyTokensItAccepted() throws Exception {
        String accepted = token(firstKey, clock.instant().plusSeconds(300));
        String refused = token(signingKey("unknown"), clock.instant().plusSeconds(300));
        post(accepted);

        post(refused);
        post(refused);

        assertThat(server.getApplicationContext().getBean(McpEndpoint.class).verifiedTokens()).isEqualTo(1);
    }

    private HttpResponse<String> post(String token) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(mcp)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(INITIALIZE))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(RSAKey key, Instant expiry) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder()
                        .issuer(ISSUER)
                        .audience(List.of("http://127.0.0.1:8080/mcp"))
                        .subject("alice-subject")
                        .claim("preferred_username", "alice")
                        .claim("azp", "cache-test-client")
                        .claim("scope", "mcp:tools")
                        .issueTime(Date.from(clock.instant()))
                        .expirationTime(Date.from(expiry))
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static RSAKey signingKey(String kid) throws JOSEException {
        return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
    }
}
