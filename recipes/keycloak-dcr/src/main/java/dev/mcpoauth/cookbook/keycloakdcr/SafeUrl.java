package dev.mcpoauth.cookbook.keycloakdcr;

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

    private static String printable(String s) {
        return s == null ? "" : s.replaceAll("[^A-Za-z0-9+.-]", "?");
    }
}
