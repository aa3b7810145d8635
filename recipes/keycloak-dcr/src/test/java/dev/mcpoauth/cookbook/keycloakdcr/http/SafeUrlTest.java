package dev.mcpoauth.cookbook.keycloakdcr.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The URL gate and the address classification of {@code publicAddressesOnly()}, checked without a
 * network; {@code HostileMetadataTest} drives them through the client.
 */
class SafeUrlTest {

    @Test
    void refusesAResourceMetadataUrlOffLoopbackOverHttp() {
        assertThatThrownBy(() -> SafeUrl.check("http://169.254.169.254/latest/meta-data", "resource_metadata"))
                .isInstanceOf(UnsafeUrlException.class)
                .hasMessageContaining("https is required off loopback");
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "10.0.0.8", "172.16.1.1", "192.168.1.1", "100.64.0.1", "127.0.0.1",
            "0.0.0.0", "::1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "fd00::1", "fe80::1", "224.0.0.1"})
    void treatsInternalAddressesAsNonPublic(String literal) throws Exception {
        assertThat(SafeUrl.isPublic(InetAddress.getByName(literal))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "64:ff9b::808:808"})
    void treatsInternetAddressesAsPublic(String literal) throws Exception {
        assertThat(SafeUrl.isPublic(InetAddress.getByName(literal))).isTrue();
    }
}
