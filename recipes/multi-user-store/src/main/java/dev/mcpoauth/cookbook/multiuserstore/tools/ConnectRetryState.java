package dev.mcpoauth.cookbook.multiuserstore.tools;

import io.modelcontextprotocol.modern.McpException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The text a connect-link round trip keeps in its request state, before the SDK's codec seals it
 * ({@link RequestStateConfiguration#codec}): {@code v1.<round>.<digest>}, where the digest is
 * SHA-256 over the tool's name and its arguments (canonical JSON, keys sorted). The codec binds the
 * state to the user, the method and the tool, and gives it a lifetime, but not to the arguments: a
 * state issued for one call could otherwise be sent back with other arguments. Nothing secret is in
 * it: the codec signs, it does not encrypt.
 */
final class ConnectRetryState {

    private static final String VERSION = "v1";
    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private ConnectRetryState() {
    }

    /** The state for asking the {@code round}th time on this call. */
    static String of(String tool, Map<String, Object> arguments, int round) {
        return VERSION + "." + round + "." + digest(tool, arguments);
    }

    /**
     * The round a retry's opened state says, if it was issued for exactly this tool and these arguments.
     *
     * @throws McpException -32602, the same answer as for a state the codec refuses, for anything else
     */
    static int roundOf(String opened, String tool, Map<String, Object> arguments) {
        String[] parts = opened.split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0]) || !parts[1].matches("[1-9][0-9]{0,2}")
                || !MessageDigest.isEqual(parts[2].getBytes(StandardCharsets.US_ASCII),
                        digest(tool, arguments).getBytes(StandardCharsets.US_ASCII))) {
            throw invalid();
        }
        return Integer.parseInt(parts[1]);
    }

    /** What the SDK answers a state its codec does not open: no hint which check failed. */
    static McpException invalid() {
        return McpException.invalidParams("Invalid or expired requestState");
    }

    private static String digest(String tool, Map<String, Object> arguments) {
        try {
            byte[] call = CANONICAL.writeValueAsBytes(Map.of("tool", tool, "arguments", arguments));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(call));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
