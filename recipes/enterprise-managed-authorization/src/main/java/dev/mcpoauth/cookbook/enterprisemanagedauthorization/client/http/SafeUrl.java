package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The one gate every URL from a server passes before this client fetches it or shows it to the
 * user (MCP security best practices, "OAuth Authorization URL Validation"): only {@code http} and
 * {@code https}; {@code http} only for loopback hosts (local development, RFC 8252); no user info,
 * no fragment, no whitespace or control characters; a host is required. The URL is parsed strictly
 * by {@link URI}, never by a shell.
 */
public final class SafeUrl {

    private SafeUrl() {
    }

    /**
     * Returns the parsed URL, or throws {@link UnsafeUrlException} naming {@code what} (for example
     * "authorization_endpoint") so the error says which metadata field was bad.
     */
    // tag::safe-url[]
    public static URI check(String value, String what) {
        if (value == null || value.isEmpty()) {
            throw new UnsafeUrlException(what + " is missing");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c == 0x7f || Character.isWhitespace(c)) {
                throw new UnsafeUrlException(what + " contains whitespace or control characters: refused");
            }
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new UnsafeUrlException(what + " is not a valid URL: refused");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new UnsafeUrlException(what + " uses the scheme '" + printable(uri.getScheme())
                    + "': only https (and http on loopback) is allowed");
        }
        if (uri.getRawAuthority() == null || uri.getHost() == null) {
            throw new UnsafeUrlException(what + " has no host: refused");
        }
        if (uri.getRawUserInfo() != null) {
            throw new UnsafeUrlException(what + " carries user info: refused");
        }
        if (uri.getRawFragment() != null) {
            throw new UnsafeUrlException(what + " has a fragment: refused"); // RFC 8414 §2, RFC 6749 §3.1
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw new UnsafeUrlException(what + " is http on a non-loopback host (" + uri.getHost()
                    + "): https is required off loopback");
        }
        return uri;
    }
    // end::safe-url[]

    public static URI check(URI value, String what) {
        return check(value == null ? null : value.toString(), what);
    }

    /** {@code localhost}, 127.0.0.0/8 and {@code ::1}, decided without a DNS lookup. */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false; // a name other than localhost: never resolved here
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * For clients deployed on servers (MCP security best practices, "Server-Side Request Forgery"):
     * refuses a URL whose host resolves to a loopback, private, link-local, unique-local, CGNAT,
     * multicast or unspecified address, including IPv4-mapped IPv6 forms, so metadata from a
     * malicious MCP server cannot point this client at the cloud metadata service or the internal
     * network. The check resolves the name itself; an egress proxy is the stronger control against
     * DNS rebinding between this check and the connection.
     */
    public static void requirePublicAddress(URI uri, String what) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (java.net.UnknownHostException e) {
            throw new UnsafeUrlException(what + ": host " + uri.getHost() + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new UnsafeUrlException(what + " (" + uri.getHost() + ") resolves to the non-public address "
                        + address.getHostAddress() + ": refused (SSRF protection)");
            }
        }
    }

    static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && (isIpv4Mapped(b) || isNat64(b))) {
            b = java.util.Arrays.copyOfRange(b, 12, 16);
        }
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && first != 127 && first != 10 && !(first == 169 && second == 254)
                    && !(first == 172 && second >= 16 && second <= 31) && !(first == 192 && second == 168)
                    && !(first == 100 && second >= 64 && second <= 127) // CGNAT, RFC 6598
                    && first < 224;
        }
        return (b[0] & 0xfe) != 0xfc; // fc00::/7 unique local
    }

    /** 64:ff9b::/96 (RFC 6052): an IPv4 address reached through a NAT64 gateway, judged as that IPv4 address. */
    private static boolean isNat64(byte[] b) {
        if (b[0] != 0x00 || b[1] != 0x64 || (b[2] & 0xff) != 0xff || (b[3] & 0xff) != 0x9b) {
            return false;
        }
        for (int i = 4; i < 12; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    private static String printable(String s) {
        return s == null ? "" : s.replaceAll("[^A-Za-z0-9+.-]", "?");
    }
}
