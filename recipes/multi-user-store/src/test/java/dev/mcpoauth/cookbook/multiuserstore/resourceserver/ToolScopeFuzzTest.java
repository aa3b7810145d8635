package dev.mcpoauth.cookbook.multiuserstore.resourceserver;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpAuthFilter.JsonRpcBody;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Passed;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Refused;
import java.io.IOException;
import java.util.Collections;

/**
 * {@link McpAuthFilter}'s body step against the MCP SDK's own reader ({@link ToolCallDifferential}):
 * no tools/call the SDK would run for a tool needing a scope ({@code disconnect}, which needs
 * {@code calendar:disconnect}) passes for a token without it, and the SDK never reads another method
 * or tool than the filter judged. {@code make test} runs the committed inputs under
 * {@code src/test/resources/.../ToolScopeFuzzTestInputs}; {@code make fuzz} fuzzes for five minutes.
 */
class ToolScopeFuzzTest {

    /** The filter's steps after the token checks, in its order. */
    private static final ToolCallDifferential DIFFERENTIAL = ToolCallDifferential.of((request, granted) -> {
        byte[] body = request.getInputStream().readNBytes(JsonRpcBody.MAX_BYTES + 1);
        JsonRpcBody.Reading reading = JsonRpcBody.read(Collections.list(request.getHeaders("Content-Type")),
                Collections.list(request.getHeaders("Content-Encoding")), body);
        if (reading instanceof JsonRpcBody.Refusal refusal) {
            return new Refused(refusal.status());
        }
        JsonRpcBody.Message message = (JsonRpcBody.Message) reading;
        if (message.toolName() != null
                && CalendarTools.requiredScope(message.toolName()).filter(scope -> !granted.contains(scope)).isPresent()) {
            return new Refused(403);
        }
        return new Passed(JsonRpcBody.forwarded(request, body), message.method(), message.toolName());
    }, CalendarTools::requiredScope, "mcp:tools");

    @FuzzTest(maxDuration = "5m")
    void toolCallsNeedingAScopeNeverPassWithoutIt(byte[] input) throws IOException {
        DIFFERENTIAL.check(input);
    }
}
