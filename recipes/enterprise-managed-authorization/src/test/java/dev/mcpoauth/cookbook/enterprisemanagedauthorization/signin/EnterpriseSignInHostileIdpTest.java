package dev.mcpoauth.cookbook.enterprisemanagedauthorization.signin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EnterpriseSignIn} against an IdP that misbehaves on refresh (a stand-in on loopback that signs its ID tokens
 * properly): a renewed ID token for another user, or for another sign-in, is refused, never handed to the exchange.
 */
class EnterpriseSignInHostileIdpTest {

    private RSAKey key;
    private HttpServer idp;
    private String issuer;
    private final AtomicReference<String> nonce = new AtomicReference<>();
    /** sub and auth_time of the ID token the next refresh answers with. */
    private volatile String refreshedSubject = "alice";
    private volatile Instant refreshedAuthTime;
    private final Instant authTime = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 60);

    @BeforeEach
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
        refreshedAuthTime = authTime;
        idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        issuer = "http://127.0.0.1:" + idp.getAddress().getPort();
        idp.createContext("/.well-known/oauth-authorization-server", exchange -> json(exchange, """
                {"issuer":"%1$s","authorization_endpoint":"%1$s/authorize","token_endpoint":"%1$s/token",
                 "jwks_uri":"%1$s/jwks","response_types_supported":["code"],"code_challenge_methods_supported":["S256"]}"""
                .formatted(issuer)));
        idp.createContext("/jwks", exchange -> json(exchange, new JWKSet(key.toPublicJWK()).toString()));
        idp.createContext("/token", exchange -> {
            Map<String, List<String>> form = URLUtils.parseParameters(new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            boolean refresh = "refresh_token".equals(form.get("grant_type").get(0));
            String idToken = idToken(refresh ? refreshedSubject : "alice", refresh ? null : nonce.get(),
                    refresh ? refreshedAuthTime : authTime);
            json(exchange, """
                    {"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt","id_token":"%s"}"""
                    .formatted(idToken));
        });
        idp.start();
    }

    @AfterEach
    void stop() {
        idp.stop(0);
    }

    /** Valid for 30 s only: less than EnterpriseSignIn.RENEW_BEFORE, so every get() renews it. */
    private String idToken(String subject, String withNonce, Instant authenticated) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).subject(subject).audience("mcp-desktop")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(30)))
                .claim("auth_time", authenticated.getEpochSecond());
        if (withNonce != null) {
            claims.claim("nonce", withNonce);
        }
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The user approves at once: back to the redirect URI with a code and the request's state. */
    private AuthorizationUserAgent approvingUser() {
        return authorizationUrlFor -> {
            URI redirect = AuthorizationUserAgent.loopbackRedirect(49152);
            Map<String, List<String>> query = URLUtils.parseParameters(authorizationUrlFor.apply(redirect).getRawQuery());
            nonce.set(query.get("nonce").get(0));
            return URI.create(redirect + "?code=c&state=" + query.get("state").get(0));
        };
    }

    private EnterpriseSignIn signIn() {
        return EnterpriseSignIn.signIn(URI.create(issuer), ClientCredentials.clientSecretBasic(issuer, "mcp-desktop", "secret"),
                approvingUser(), step -> { });
    }

    @Test
    void aRenewedIdTokenForTheSameUserAndSignInIsTaken() {
        EnterpriseSignIn signIn = signIn();
        assertThat(signIn.get()).isNotBlank();
    }

    @Test
    void aRenewedIdTokenForAnotherUserIsRefused() {
        EnterpriseSignIn signIn = signIn();
        refreshedSubject = "mallory";
        assertThatThrownBy(signIn::get).isInstanceOf(McpAuthorizationException.class)
                .hasMessage("The enterprise IdP renewed the ID token for another user: refused");
    }

    @Test
    void aRenewedIdTokenFromAnotherSignInIsRefused() {
        EnterpriseSignIn signIn = signIn();
        refreshedAuthTime = authTime.plusSeconds(5);
        assertThatThrownBy(signIn::get).isInstanceOf(McpAuthorizationException.class)
                .hasMessage("The enterprise IdP's renewed ID token has another auth_time: refused");
    }
}
