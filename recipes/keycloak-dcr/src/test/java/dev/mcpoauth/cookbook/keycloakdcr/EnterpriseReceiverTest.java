package dev.mcpoauth.cookbook.keycloakdcr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.keycloakdcr.discovery.AuthorizationServerDiscovery;
import dev.mcpoauth.cookbook.keycloakdcr.http.OAuthHttp;
import dev.mcpoauth.cookbook.keycloakdcr.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenEndpoint;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenEndpointException;
import dev.mcpoauth.cookbook.keycloakdcr.token.TokenSet;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Keycloak as the MCP server's authorization server receiving ID-JAGs (Enterprise-Managed Authorization,
 * Keycloak's experimental {@code identity-assertion-jwt} feature, configured in the realm): the JWT bearer
 * grant with an ID-JAG the enterprise IdP signed gives a token for the MCP server with no browser and no
 * consent screen, and every ID-JAG an attacker could bring is refused with Keycloak's exact OAuth error.
 * The ID-JAGs are signed here with the key the realm's {@code enterprise} identity provider trusts (a
 * stand-in for the IdP's, see {@link DemoSetup}) or with an attacker's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnterpriseReceiverTest {

    private DemoSetup demo;
    private AuthorizationServerMetadata as;
    private TokenEndpoint tokenEndpoint;
    private ClientCredentials client;

    @BeforeAll
    void start() throws Exception {
        demo = DemoSetup.shared();
        OAuthHttp http = new OAuthHttp(false);
        as = new AuthorizationServerDiscovery(http, step -> { }).discoverForTokenEndpointOnly(demo.realm.issuer());
        tokenEndpoint = new TokenEndpoint(http, step -> { }, Clock.systemUTC());
        client = ClientCredentials.clientSecretBasic(demo.realm.issuer().toString(), DemoSetup.ENTERPRISE_CLIENT,
                demo.enterpriseClientSecret);
    }

    /** An ID-JAG as the enterprise IdP issues it for alice, this realm, this client and the demo MCP server. */
    private JWTClaimsSet.Builder idJag() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(demo.enterpriseIssuer).subject("enterprise-alice")
                .audience(demo.realm.issuer().toString()).claim("client_id", DemoSetup.ENTERPRISE_CLIENT)
                .claim("resource", demo.mcpUrl()).claim("scope", "mcp:tools").jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    private String signed(JWTClaimsSet.Builder claims, ECKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("oauth-id-jag+jwt"))
                .keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private String signed(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder claims = idJag();
        edit.accept(claims);
        return signed(claims, demo.enterpriseKey);
    }

    private TokenSet exchange(String idJag) {
        return tokenEndpoint.exchangeJwtBearerGrant(as, client, idJag, URI.create(demo.mcpUrl()), new Scope("mcp:tools"));
    }

    private void assertRefused(String idJag, String error, String description) {
        assertThatThrownBy(() -> exchange(idJag)).isInstanceOf(TokenEndpointException.class)
                .hasMessageContaining(error + " (" + description)
                .satisfies(e -> assertThat(((TokenEndpointException) e).errorCode()).isEqualTo(error));
    }

    @Test
    void anIdJagFromTheEnterpriseIdpGivesAlicesTokenForTheMcpServerWithNoBrowser() throws Exception {
        TokenSet tokens = exchange(signed(claims -> { }));

        JWTClaimsSet accessToken = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        assertThat(accessToken.getAudience()).containsExactly(demo.mcpUrl());
        assertThat(accessToken.getStringClaim("preferred_username")).isEqualTo("alice");
        assertThat(accessToken.getStringClaim("azp")).isEqualTo(DemoSetup.ENTERPRISE_CLIENT);
        assertThat(tokens.refreshToken()).isNull();
        InMemoryTokenStore store = new InMemoryTokenStore();
        store.saveTokens(demo.mcpUrl(), tokens);
        McpOAuthClient mcpClient = McpOAuthClient.builder(demo.mcpUrl()).tokenStore(store).userAgent(url -> {
            throw new AssertionError("Enterprise-Managed Authorization needs no browser at the MCP side");
        }).build();
        try (McpConnection mcp = mcpClient.connect()) {
            assertThat(mcp.callTool("whoami", Map.of()).text()).isEqualTo("You are alice, scopes mcp:tools");
        }
    }

    @Test
    void aReplayedIdJagIsRefused() throws Exception {
        String idJag = signed(claims -> { });
        exchange(idJag);
        assertRefused(idJag, "invalid_grant", "Token reuse detected");
    }

    @Test
    void anIdJagWithoutJtiIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.jwtID(null)), "invalid_grant", "Token jti claim is required");
    }

    @Test
    void anExpiredIdJagIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.issueTime(Date.from(Instant.now().minusSeconds(900)))
                .expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(10))))), "invalid_grant", "Token is not active");
    }

    @Test
    void anIdJagForAnotherMcpServerIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.claim("resource", "https://mcp.other.example/mcp")), "invalid_request",
                "Value for claim 'resource' not allowed");
    }

    @Test
    void anIdJagForAnotherAuthorizationServerIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.audience("https://as.other.example/realms/mcp")), "invalid_grant",
                "Invalid token audience");
    }

    @Test
    void anIdJagForAnotherClientIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.claim("client_id", "mcp-demo-client")), "invalid_grant",
                "client id in assertion");
    }

    @Test
    void anIdJagFromAnUntrustedIssuerIsRefused() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID("attacker").generate();
        assertRefused(signed(idJag().issuer("https://idp.attacker.example"), attacker), "invalid_grant",
                "No Identity Provider for provided issuer");
    }

    @Test
    void anIdJagSignedWithAnotherKeyInTheIdpsNameIsRefused() throws Exception {
        ECKey attacker = new ECKeyGenerator(Curve.P_256).keyID(demo.enterpriseKey.getKeyID()).generate();
        assertRefused(signed(idJag(), attacker), "invalid_grant", "Invalid signature");
    }

    @Test
    void anIdJagForAUserThisServerDoesNotKnowIsRefused() throws Exception {
        assertRefused(signed(claims -> claims.subject("enterprise-mallory")), "invalid_grant", "User not found");
    }

    @Test
    void aScopeTheIdJagDoesNotGrantIsRefused() {
        assertThatThrownBy(() -> tokenEndpoint.exchangeJwtBearerGrant(as, client, signed(claims -> { }),
                URI.create(demo.mcpUrl()), new Scope("mcp:tools", "notes:write")))
                .isInstanceOf(TokenEndpointException.class).hasMessageContaining("invalid_scope");
    }
}
