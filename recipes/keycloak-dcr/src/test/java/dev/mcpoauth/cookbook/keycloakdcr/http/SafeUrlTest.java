package dev.mcpoauth.cookbook.keycloakdcr.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import java.net.InetAddress;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

    static Stream<Arguments> internalAddresses() {
        return Stream.of(
                argumentSet("the cloud metadata address (IPv4 link-local)", "169.254.169.254"),
                argumentSet("private 10.0.0.0/8", "10.0.0.8"),
                argumentSet("private 172.16.0.0/12", "172.16.1.1"),
                argumentSet("private 192.168.0.0/16", "192.168.1.1"),
                argumentSet("carrier-grade NAT 100.64.0.0/10", "100.64.0.1"),
                argumentSet("IPv4 loopback", "127.0.0.1"),
                argumentSet("the unspecified address", "0.0.0.0"),
                argumentSet("IPv6 loopback", "::1"),
                argumentSet("the metadata address mapped into IPv6", "::ffff:169.254.169.254"),
                argumentSet("the metadata address through NAT64", "64:ff9b::a9fe:a9fe"),
                argumentSet("IPv6 unique local", "fd00::1"),
                argumentSet("IPv6 link-local", "fe80::1"),
                argumentSet("IPv4 multicast", "224.0.0.1"));
    }

    @ParameterizedTest
    @MethodSource("internalAddresses")
    void treatsInternalAddressesAsNonPublic(String literal) throws Exception {
        assertThat(SafeUrl.isPublic(InetAddress.getByName(literal))).isFalse();
    }

    static Stream<Arguments> internetAddresses() {
        return Stream.of(
                argumentSet("a public IPv4 address", "8.8.8.8"),
                argumentSet("just outside private 172.16.0.0/12", "172.32.0.1"),
                argumentSet("a public IPv6 address", "2001:4860:4860::8888"),
                argumentSet("a public IPv4 address through NAT64", "64:ff9b::808:808"));
    }

    @ParameterizedTest
    @MethodSource("internetAddresses")
    void treatsInternetAddressesAsPublic(String literal) throws Exception {
        assertThat(SafeUrl.isPublic(InetAddress.getByName(literal))).isTrue();
    }
}
