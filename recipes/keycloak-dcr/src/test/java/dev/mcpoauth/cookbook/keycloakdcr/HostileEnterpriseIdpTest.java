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
import dev.mcpoauth.cookbook.keycloakdcr.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.keycloakdcr.enterprise.EnterpriseAuthorization;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Enterprise-Managed Authorization against a hostile enterprise IdP and authorization server (tiny servers on
 * loopback): whatever the IdP answers that is not an ID-JAG is refused and never presented to the MCP
 * server's authorization server, and an ID-JAG is never sent to a server that does not offer the JWT
 * bearer grant or to an IdP whose metadata names another issuer.
 */
class HostileEnterpriseIdpTest {

    private static final String ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag";

    private HostileServer server;

    @BeforeEach
    void start() throws Exception {
        server = new HostileServer(); // plays the MCP server, its authorization server and the enterprise IdP
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private McpOAuthClient client(String idpIssuer) {
        return McpOAuthClient.builder(server.mcpUrl())
                .enterpriseAuthorization(EnterpriseAuthorization.of(idpIssuer, "mcp-desktop", () -> "the-users-id-token",
                        ClientCredentials.clientSecretBasic(server.origin(), "mcp-desktop", "secret-at-the-mcp-as")))
                .userAgent(url -> {
                    throw new AssertionError("Enterprise-Managed Authorization opened a browser");
                })
                .build();
    }

    /** An ID-JAG as the IdP would sign it for this server's authorization server, this client and this resource. */
    private String jwt(String type) throws Exception {
        return jwt(type, server.origin(), "mcp-desktop", server.mcpUrl());
    }

    private static String jwt(String type, String audience, String clientId, String resource) throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(type)).build(),
                new JWTClaimsSet.Builder().issuer("https://idp.example").subject("alice").audience(audience)
                        .claim("client_id", clientId).claim("resource", resource).jwtID("jti-1")
                        .expirationTime(new Date(System.currentTimeMillis() + 300_000)).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static Map<String, Object> idJagAnswer(String idJag) {
        return Map.of("access_token", idJag, "token_type", "N_A", "issued_token_type", ID_JAG_TYPE);
    }

    private long tokenRequests() {
        return server.requestedPaths().stream().filter("POST /token"::equals).count();
    }

    @Test
    void anIdpAnswerThatIsNotAnIdJagIsRefusedAndNeverPresented() throws Exception {
        server.tokenAnswer(Map.of("access_token", jwt("oauth-id-jag+jwt"), "token_type", "Bearer",
                "issued_token_type", "urn:ietf:params:oauth:token-type:access_token"));

        assertThatThrownBy(() -> client(server.origin()).connect())
                .hasStackTraceContaining("not an ID-JAG");
        assertThat(tokenRequests()).as("the token exchange only, never the JWT bearer grant").isEqualTo(1);
    }

    @Test
    void anIdJagOfAnotherJwtTypeIsRefusedAndNeverPresented() throws Exception {
        server.tokenAnswer(idJagAnswer(jwt("JWT")));

        assertThatThrownBy(() -> client(server.origin()).connect())
                .hasStackTraceContaining("not oauth-id-jag+jwt");
        assertThat(tokenRequests()).isEqualTo(1);
    }

    @Test
    void anAuthorizationServerWithoutTheJwtBearerGrantIsNeverSentTheIdJag() throws Exception {
        server.serverMetadata(m -> m.put("grant_types_supported", List.of("authorization_code",
                "urn:ietf:params:oauth:grant-type:token-exchange")));
        server.tokenAnswer(idJagAnswer(jwt("oauth-id-jag+jwt")));

        assertThatThrownBy(() -> client(server.origin()).connect())
                .hasStackTraceContaining("does not offer the JWT bearer grant");
        assertThat(tokenRequests()).isEqualTo(1);
    }

    private void assertNeverPresented(String idJag, String why) {
        server.tokenAnswer(idJagAnswer(idJag));
        assertThatThrownBy(() -> client(server.origin()).connect()).hasStackTraceContaining(why)
                .hasStackTraceContaining("not presented");
        assertThat(tokenRequests()).as("the token exchange only, never the JWT bearer grant").isEqualTo(1);
    }

    @Test
    void anIdJagForAnotherAuthorizationServerIsNeverPresented() throws Exception {
        assertNeverPresented(jwt("oauth-id-jag+jwt", "https://as.other.example", "mcp-desktop", server.mcpUrl()),
                "is for aud [https://as.other.example]");
    }

    @Test
    void anIdJagForAnotherClientIsNeverPresented() throws Exception {
        assertNeverPresented(jwt("oauth-id-jag+jwt", server.origin(), "another-client", server.mcpUrl()),
                "names client_id another-client");
    }

    @Test
    void anIdJagForAnotherResourceIsNeverPresented() throws Exception {
        assertNeverPresented(jwt("oauth-id-jag+jwt", server.origin(), "mcp-desktop", "https://mcp.other.example/mcp"),
                "is for resource https://mcp.other.example/mcp");
    }

    @Test
    void credentialsBoundToOneAuthorizationServerAreNeverPresentedToAnother() {
        McpOAuthClient client = McpOAuthClient.builder(server.mcpUrl())
                .enterpriseAuthorization(EnterpriseAuthorization.of(server.origin(), "mcp-desktop", () -> "the-users-id-token",
                        ClientCredentials.clientSecretBasic("https://as.company.example", "mcp-desktop", "secret-at-the-mcp-as")))
                .build();
        assertThatThrownBy(client::connect).hasStackTraceContaining("not presented to it");
        assertThat(server.requestedPaths()).as("no token exchange for it, no secret sent").doesNotContain("POST /token");

        McpOAuthClient agent = McpOAuthClient.builder(server.mcpUrl())
                .clientCredentials(ClientCredentials.clientSecretBasic("https://as.company.example", "agent", "agent-secret"))
                .build();
        assertThatThrownBy(agent::connect).hasStackTraceContaining("registered with https://as.company.example");
        assertThat(server.requestedPaths()).doesNotContain("POST /token");
    }

    @Test
    void anIdpWhoseMetadataNamesAnotherIssuerIsNeverSentTheIdToken() throws Exception {
        try (HostileServer idp = new HostileServer()) {
            idp.serverMetadata(m -> m.put("issuer", "https://idp.other.example"));

            assertThatThrownBy(() -> client(idp.origin()).connect())
                    .hasStackTraceContaining("names issuer https://idp.other.example, but it was fetched for " + idp.origin());
            assertThat(idp.requestedPaths()).doesNotContain("POST /token");
        }
    }
}
