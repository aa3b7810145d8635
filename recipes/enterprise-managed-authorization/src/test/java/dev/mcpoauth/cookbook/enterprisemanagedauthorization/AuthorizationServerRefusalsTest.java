package dev.mcpoauth.cookbook.enterprisemanagedauthorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.AuthorizationServerDiscovery;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenEndpoint;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenEndpointException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenSet;
import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Keycloak, the MCP server's authorization server, receiving ID-JAGs the real enterprise IdP signed: the valid one
 * becomes a token for the MCP server; each one an attacker could bring (replayed, for another MCP server, expired,
 * from an issuer it does not trust, with the IdP's kid but another key, for a user it has no account for) is refused
 * with Keycloak's exact OAuth error. Each is presented with the client's own JWT bearer grant, as the client would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationServerRefusalsTest {

    private EnterpriseSetup setup;
    private AuthorizationServerMetadata keycloak;
    private TokenEndpoint tokenEndpoint;
    private String alicesIdToken;

    @BeforeAll
    void start() throws Exception {
        setup = EnterpriseSetup.shared();
        OAuthHttp http = new OAuthHttp(false);
        keycloak = new AuthorizationServerDiscovery(http, step -> { }).discoverForTokenEndpointOnly(setup.realm.issuer());
        tokenEndpoint = new TokenEndpoint(http, step -> { }, Clock.systemUTC());
        alicesIdToken = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.ALICE, setup.atTheIdp(), step -> { }).get();
    }

    private String idJagForNotes() {
        return IdpRequests.idJag(setup, alicesIdToken, setup.notesUrl(), "mcp:tools");
    }

    private TokenSet present(String idJag) {
        return tokenEndpoint.exchangeJwtBearerGrant(keycloak, setup.atTheAuthorizationServer(), idJag, setup.notesUrl(),
                new Scope("mcp:tools"));
    }

    private void assertRefused(String idJag, String error, String description) {
        assertThatThrownBy(() -> present(idJag)).isInstanceOf(TokenEndpointException.class)
                .hasMessageContaining(error + " (" + description)
                .satisfies(e -> assertThat(((TokenEndpointException) e).errorCode()).isEqualTo(error));
    }

    /** Claims as the IdP issues them for alice and notes, signed with {@code key} ({@code kid} from the key). */
    private String signed(RSAKey key, JWTClaimsSet.Builder claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("oauth-id-jag+jwt"))
                .keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private JWTClaimsSet.Builder alicesClaims(Instant issued, Instant expires) {
        return new JWTClaimsSet.Builder().issuer(setup.idpIssuer.toString()).subject("alice")
                .audience(setup.realm.issuer().toString()).claim("client_id", EnterpriseSetup.AS_CLIENT)
                .claim("resource", setup.notesUrl().toString()).claim("scope", "mcp:tools")
                .jwtID(UUID.randomUUID().toString()).issueTime(Date.from(issued)).expirationTime(Date.from(expires));
    }

    @Test
    void theIdpsIdJagBecomesAlicesTokenForTheMcpServer() throws Exception {
        TokenSet tokens = present(idJagForNotes());

        JWTClaimsSet accessToken = SignedJWT.parse(tokens.accessToken()).getJWTClaimsSet();
        assertThat(accessToken.getAudience()).containsExactly(setup.notesUrl().toString());
        assertThat(accessToken.getStringClaim("preferred_username")).isEqualTo("alice");
        assertThat(accessToken.getStringClaim("azp")).isEqualTo(EnterpriseSetup.AS_CLIENT);
        assertThat(accessToken.getStringClaim("scope")).isEqualTo("mcp:tools");
    }

    @Test
    void aReplayedIdJagIsRefused() {
        String idJag = idJagForNotes();
        present(idJag);
        assertRefused(idJag, "invalid_grant", "Token reuse detected");
    }

    @Test
    void anIdJagTheIdpIssuedForAnotherMcpServerIsRefused() {
        String forTickets = IdpRequests.idJag(setup, alicesIdToken, setup.ticketsUrl, "mcp:tools");
        assertRefused(forTickets, "invalid_request", "Value for claim 'resource' not allowed");
    }

    @Test
    void anExpiredIdJagSignedWithTheIdpsKeyIsRefused() throws Exception {
        Instant past = Instant.now().minusSeconds(900);
        assertRefused(signed(setup.idpKey, alicesClaims(past, past.plusSeconds(240))), "invalid_grant", "Token is not active");
    }

    @Test
    void anIdJagFromAnIssuerKeycloakDoesNotTrustIsRefused() throws Exception {
        RSAKey attacker = new RSAKeyGenerator(2048).keyIDFromThumbprint(true).generate();
        Instant now = Instant.now();
        assertRefused(signed(attacker, alicesClaims(now, now.plusSeconds(240)).issuer("https://idp.evil.example")),
                "invalid_grant", "No Identity Provider for provided issuer");
    }

    @Test
    void anIdJagWithTheIdpsKidAndAnAttackersKeyIsRefused() throws Exception {
        RSAKey attacker = new RSAKeyGenerator(2048).keyID(setup.idpKey.getKeyID()).generate();
        Instant now = Instant.now();
        assertRefused(signed(attacker, alicesClaims(now, now.plusSeconds(240))), "invalid_grant", "Invalid signature");
    }

    @Test
    void aTokenRequestForMoreScopesThanTheIdJagCarriesIsRefused() {
        String idJag = idJagForNotes(); // scope mcp:tools
        assertThatThrownBy(() -> tokenEndpoint.exchangeJwtBearerGrant(keycloak, setup.atTheAuthorizationServer(), idJag,
                setup.notesUrl(), new Scope("mcp:tools", "notes:write")))
                .isInstanceOf(TokenEndpointException.class)
                .hasMessageContaining("invalid_scope (Scopes [notes:write] not present")
                .satisfies(e -> assertThat(((TokenEndpointException) e).errorCode()).isEqualTo("invalid_scope"));
    }

    @Test
    void anIdJagSignedByTheIdpForAnotherClientIsRefused() throws Exception {
        Instant now = Instant.now();
        assertRefused(signed(setup.idpKey, alicesClaims(now, now.plusSeconds(240)).claim("client_id", "another-client")),
                "invalid_grant", "client id in assertion");
    }

    @Test
    void aUserTheIdpAllowsButKeycloakHasNoAccountForIsRefused() {
        String carolsIdToken = setup.signIn(new HeadlessUserAgent(), EnterpriseSetup.CAROL, setup.atTheIdp(), step -> { }).get();
        assertRefused(IdpRequests.idJag(setup, carolsIdToken, setup.notesUrl(), "mcp:tools"), "invalid_grant", "User not found");
    }
}
