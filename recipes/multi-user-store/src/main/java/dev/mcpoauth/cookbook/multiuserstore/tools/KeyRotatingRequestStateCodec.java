package dev.mcpoauth.cookbook.multiuserstore.tools;

import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.RequestStateCodec;
import java.util.List;

/**
 * Seals with the current key and opens with it or with any accepted key, so the request-state key can be
 * rotated across instances without failing a retry in flight. The SDK's {@code HmacRequestStateCodec}
 * takes one key; this holds one of them per key, all alike but for the key. A state opens only if one of
 * them opens it whole (MAC, expiry, user, method, tool): trying several keys widens nothing else.
 */
final class KeyRotatingRequestStateCodec implements RequestStateCodec {

    private final RequestStateCodec current;
    private final List<RequestStateCodec> accepted;

    KeyRotatingRequestStateCodec(RequestStateCodec current, List<RequestStateCodec> accepted) {
        this.current = current;
        this.accepted = List.copyOf(accepted);
    }

    @Override
    public String seal(McpRequestContext context, String state) {
        return current.seal(context, state);
    }

    /** {@code null} when no key opens it: the SDK then answers -32602 and the tool does not run. */
    @Override
    public String open(McpRequestContext context, String sealed) {
        String opened = current.open(context, sealed);
        for (int i = 0; opened == null && i < accepted.size(); i++) {
            opened = accepted.get(i).open(context, sealed);
        }
        return opened;
    }
}
