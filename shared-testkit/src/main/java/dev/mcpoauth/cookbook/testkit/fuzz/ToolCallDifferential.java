package dev.mcpoauth.cookbook.testkit.fuzz;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * Differential check of a recipe's body filter against the MCP Java SDK's own reader (DESIGN section
 * 4: a security decision judges exactly what will be executed). One input is a {@code Content-Type}
 * header value, a newline, then the body bytes. The filter decides on that POST for a token that has
 * only the base scope; whatever it lets through is then read the way the SDK's Streamable HTTP servlet
 * reads it ({@code HttpServletRequestUtils.readBody}, then {@code McpSchema.deserializeJsonRpcMessage},
 * then the {@code tools/call} params as a {@link CallToolRequest}). A finding is an
 * {@link AssertionError}:
 * <ul>
 *   <li>the SDK reads a {@code tools/call} of a tool that needs a scope the token lacks, and the filter
 *       let it through;</li>
 *   <li>the SDK reads another method, or another tool, than the filter said it judged.</li>
 * </ul>
 * A body the SDK cannot read at all is no finding: the SDK refuses it and runs nothing.
 */
public final class ToolCallDifferential {

    /** What the recipe's filter decided on one POST. */
    public sealed interface Decision permits Refused, Passed {
    }

    /** Refused with this HTTP status: nothing reaches the transport. */
    public record Refused(int status) implements Decision {
    }

    /**
     * Let through.
     *
     * @param forwarded the request as the MCP transport gets it
     * @param method    the JSON-RPC method the filter read ({@code null} for none)
     * @param toolName  the {@code tools/call} tool the filter judged ({@code null} for none)
     */
    public record Passed(HttpServletRequest forwarded, String method, String toolName) implements Decision {
    }

    /** The recipe's own body checks, in its filter's order, run on one request for a token granting these scopes. */
    @FunctionalInterface
    public interface BodyFilter {
        Decision decide(HttpServletRequest request, Set<String> grantedScopes) throws IOException;
    }

    private static final McpJsonMapper SDK_JSON = new JacksonMcpJsonMapper(JsonMapper.shared());
    private static final int SDK_MAX_BODY = 4 * 1024 * 1024;
    private static final Method SDK_READ_BODY = sdkReadBody();

    private final BodyFilter filter;
    private final Function<String, Optional<String>> scopeOfTool;
    private final String baseScope;

    private ToolCallDifferential(BodyFilter filter, Function<String, Optional<String>> scopeOfTool, String baseScope) {
        this.filter = filter;
        this.scopeOfTool = scopeOfTool;
        this.baseScope = baseScope;
    }

    /**
     * @param filter      the recipe's body checks
     * @param scopeOfTool the recipe's own map from tool name to the extra scope it needs
     * @param baseScope   the scope every request needs; the token in the check has it and nothing else
     */
    public static ToolCallDifferential of(BodyFilter filter, Function<String, Optional<String>> scopeOfTool,
                                          String baseScope) {
        return new ToolCallDifferential(filter, scopeOfTool, baseScope);
    }

    /** Checks one input: a {@code Content-Type} value, {@code \n}, the body. */
    public void check(byte[] input) throws IOException {
        int newline = indexOf(input, (byte) '\n');
        String contentType = newline < 0 ? "application/json"
                : new String(input, 0, newline, StandardCharsets.ISO_8859_1);
        byte[] body = newline < 0 ? input : Arrays.copyOfRange(input, newline + 1, input.length);
        check(contentType, body);
    }

    /** Checks one POST with this {@code Content-Type} (none if {@code null}) and body. */
    public void check(String contentType, byte[] body) throws IOException {
        Decision decision = filter.decide(FakePost.of(contentType, body), Set.of(baseScope));
        if (!(decision instanceof Passed passed)) {
            return;
        }
        McpSchema.JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(SDK_JSON, sdkReadBody(passed.forwarded()));
        } catch (IOException | IllegalArgumentException unreadable) {
            return; // the SDK answers an error and runs nothing
        }
        String method = message instanceof McpSchema.JSONRPCRequest request ? request.method()
                : message instanceof McpSchema.JSONRPCNotification notification ? notification.method() : null;
        if (!Objects.equals(method, passed.method())) {
            throw new AssertionError("The filter judged method " + passed.method() + " but the SDK reads " + method
                    + describe(contentType, body));
        }
        if (!McpSchema.METHOD_TOOLS_CALL.equals(method)) {
            return;
        }
        Object params = message instanceof McpSchema.JSONRPCRequest request ? request.params()
                : ((McpSchema.JSONRPCNotification) message).params();
        String tool;
        try {
            tool = SDK_JSON.convertValue(params, CallToolRequest.class).name();
        } catch (RuntimeException unreadableParams) {
            return; // the SDK answers invalid params and runs nothing
        }
        if (!Objects.equals(tool, passed.toolName())) {
            throw new AssertionError("The filter judged tool " + passed.toolName() + " but the SDK calls " + tool
                    + describe(contentType, body));
        }
        Optional<String> needed = scopeOfTool.apply(tool);
        if (needed.isPresent() && !needed.get().equals(baseScope)) {
            throw new AssertionError("The filter let a call of " + tool + " (needs " + needed.get()
                    + ") through for a token with only " + baseScope + describe(contentType, body));
        }
    }

    /** The SDK's own servlet body reader: the bytes, decoded with the charset the request declares. */
    private static String sdkReadBody(HttpServletRequest request) throws IOException {
        try {
            return (String) SDK_READ_BODY.invoke(null, request, SDK_MAX_BODY);
        } catch (InvocationTargetException failed) {
            if (failed.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalArgumentException(failed.getCause());
        } catch (IllegalAccessException unexpected) {
            throw new IllegalStateException(unexpected);
        }
    }

    private static Method sdkReadBody() {
        try {
            Class<?> utils = Class.forName(HttpServletStreamableServerTransportProvider.class.getPackageName()
                    + ".HttpServletRequestUtils");
            Method readBody = utils.getDeclaredMethod("readBody", HttpServletRequest.class, int.class);
            readBody.setAccessible(true);
            return readBody;
        } catch (ReflectiveOperationException sdkChanged) {
            throw new IllegalStateException("The MCP SDK no longer reads bodies in HttpServletRequestUtils.readBody: "
                    + "point this check at its new reader", sdkChanged);
        }
    }

    private static String describe(String contentType, byte[] body) {
        byte[] start = Arrays.copyOf(body, Math.min(body.length, 200));
        return "\n  Content-Type: " + contentType + "\n  body (hex, first 200 bytes): " + java.util.HexFormat.of().formatHex(start);
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
