package dev.mcpoauth.cookbook.keycloakdcr.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's fixed orders and comparisons, checked without a network. */
class DiscoveryRulesTest {

    @Test
    void triesPathInsertedProtectedResourceMetadataBeforeTheRoot() {
        assertThat(ResourceDiscovery.wellKnownLocations(URI.create("https://mcp.example.com/public/mcp")))
                .containsExactly(URI.create("https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp"),
                        URI.create("https://mcp.example.com/.well-known/oauth-protected-resource"));
    }

    @Test
    void triesTheThreeAuthorizationServerMetadataUrlsForAnIssuerWithAPath() {
        assertThat(AuthorizationServerDiscovery.metadataLocations(URI.create("https://auth.example.com/tenant1")))
                .containsExactly(URI.create("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"),
                        URI.create("https://auth.example.com/.well-known/openid-configuration/tenant1"),
                        URI.create("https://auth.example.com/tenant1/.well-known/openid-configuration"));
    }

    @Test
    void triesOAuthThenOpenIdMetadataForAnIssuerWithoutAPath() {
        assertThat(AuthorizationServerDiscovery.metadataLocations(URI.create("https://auth.example.com")))
                .containsExactly(URI.create("https://auth.example.com/.well-known/oauth-authorization-server"),
                        URI.create("https://auth.example.com/.well-known/openid-configuration"));
    }

    @Test
    void acceptsResourceMetadataForTheServerOrAParentPathOnTheSameOrigin() {
        URI server = URI.create("https://mcp.example.com/api/mcp");
        assertThat(ResourceDiscovery.covers(URI.create("https://MCP.example.com/api/mcp"), server)).isTrue();
        assertThat(ResourceDiscovery.covers(URI.create("https://mcp.example.com:443/api"), server)).isTrue();
        assertThat(ResourceDiscovery.covers(URI.create("https://mcp.example.com/ap"), server)).isFalse();
        assertThat(ResourceDiscovery.covers(URI.create("https://mcp.example.com/api/mcp/other"), server)).isFalse();
        assertThat(ResourceDiscovery.covers(URI.create("http://mcp.example.com/api/mcp"), server)).isFalse();
        assertThat(ResourceDiscovery.covers(URI.create("https://mcp.example.com.evil/api/mcp"), server)).isFalse();
    }

    @Test
    void readsTheBearerChallengeAmongOtherSchemes() {
        BearerChallenge challenge = BearerChallenge.from(List.of(
                "Basic realm=\"legacy\", Bearer error=\"insufficient_scope\", scope=\"files:read files:write\", "
                        + "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource\"")).orElseThrow();

        assertThat(challenge.isInsufficientScope()).isTrue();
        assertThat(challenge.scope()).contains("files:read files:write");
        assertThat(challenge.resourceMetadata()).contains("https://mcp.example.com/.well-known/oauth-protected-resource");
        assertThat(BearerChallenge.from(List.of("Basic realm=\"x\""))).isEmpty();
    }
}
