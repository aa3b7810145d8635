package dev.mcpoauth.cookbook.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The URLs and their order, from the MCP spec's examples. */
class DiscoveryLocationsTest {

    @Test
    void protectedResourceMetadataIsTriedPathSuffixedThenAtTheRoot() {
        assertThat(ProtectedResourceMetadataDiscovery.wellKnownLocations(URI.create("https://example.com/public/mcp")))
                .containsExactly(URI.create("https://example.com/.well-known/oauth-protected-resource/public/mcp"),
                        URI.create("https://example.com/.well-known/oauth-protected-resource"));
        assertThat(ProtectedResourceMetadataDiscovery.wellKnownLocations(URI.create("https://example.com/")))
                .containsExactly(URI.create("https://example.com/.well-known/oauth-protected-resource"));
    }

    @Test
    void issuerWithAPathIsTriedInTheSpecsThreeLocations() {
        assertThat(AuthorizationServerDiscovery.metadataLocations(URI.create("https://auth.example.com/tenant1")))
                .containsExactly(URI.create("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"),
                        URI.create("https://auth.example.com/.well-known/openid-configuration/tenant1"),
                        URI.create("https://auth.example.com/tenant1/.well-known/openid-configuration"));
    }

    @Test
    void issuerWithoutAPathIsTriedOAuthThenOpenId() {
        assertThat(AuthorizationServerDiscovery.metadataLocations(URI.create("https://auth.example.com")))
                .containsExactly(URI.create("https://auth.example.com/.well-known/oauth-authorization-server"),
                        URI.create("https://auth.example.com/.well-known/openid-configuration"));
    }

    @Test
    void aResourceCoversTheUrlsAtOrBelowItsPathOnItsOwnOriginOnly() {
        URI server = URI.create("https://Example.com:443/mcp");
        assertThat(ProtectedResourceMetadata.covers(URI.create("https://example.com/mcp/"), server)).isTrue();
        assertThat(ProtectedResourceMetadata.covers(URI.create("https://example.com"), server)).isTrue();
        assertThat(ProtectedResourceMetadata.covers(URI.create("https://example.com/mc"), server)).isFalse();
        assertThat(ProtectedResourceMetadata.covers(URI.create("http://example.com/mcp"), server)).isFalse();
        assertThat(ProtectedResourceMetadata.covers(URI.create("https://evil.example/mcp"), server)).isFalse();
    }

    @Test
    void anIdenticalResourceDiffersFromTheRequestedUrlInSchemeAndHostCaseOrADefaultPortOnly() {
        URI requested = URI.create("https://example.com/mcp");
        assertThat(ProtectedResourceMetadata.identical(URI.create("HTTPS://Example.COM:443/mcp"), requested)).isTrue();
        assertThat(ProtectedResourceMetadata.identical(URI.create("http://example.com:80/mcp"),
                URI.create("http://example.com/mcp"))).isTrue();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com/mcp/"), requested)).isFalse();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com"), requested)).isFalse();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com/MCP"), requested)).isFalse();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com:8443/mcp"), requested)).isFalse();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com/mcp?x=1"), requested)).isFalse();
        assertThat(ProtectedResourceMetadata.identical(URI.create("https://example.com/%6Dcp"), requested)).isFalse();
    }

    @Test
    void httpIsSafeOnLoopbackOnly() {
        assertThat(EndpointSecurity.of("https://a.example/x")).isEqualTo(EndpointSecurity.HTTPS);
        assertThat(EndpointSecurity.of("http://127.0.0.1:8080/x")).isEqualTo(EndpointSecurity.LOOPBACK_HTTP);
        assertThat(EndpointSecurity.of("http://[::1]:8080/x")).isEqualTo(EndpointSecurity.LOOPBACK_HTTP);
        assertThat(EndpointSecurity.of("http://localhost/x")).isEqualTo(EndpointSecurity.LOOPBACK_HTTP);
        assertThat(EndpointSecurity.of("http://127.0.0.1.nip.io/x")).isEqualTo(EndpointSecurity.INSECURE);
        assertThat(EndpointSecurity.of("http://a.example/x")).isEqualTo(EndpointSecurity.INSECURE);
        assertThat(EndpointSecurity.of("javascript:alert(1)")).isEqualTo(EndpointSecurity.INSECURE);
    }
}
