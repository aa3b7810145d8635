package dev.mcpoauth.cookbook.tokengateway.forward;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Passed;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Refused;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential;
import dev.mcpoauth.cookbook.tokengateway.forward.GatewayServlet.JsonRpcBody;
import dev.mcpoauth.cookbook.tokengateway.inbound.AuthenticatedUser;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy.Decision;
import dev.mcpoauth.cookbook.tokengateway.policy.ToolPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@link GatewayServlet}'s body reading and policy decision against the MCP SDK's own reader
 * ({@link ToolCallDifferential}), for the notes backend of {@code gateway-policy.json}: no tools/call
 * the backend's SDK would run for a tool the policy refuses ({@code add_note} needs
 * {@code notes:write}; {@code purge_notes} and unnamed tools are denied) passes for a token with only
 * {@code mcp:tools}, and the SDK never reads another method or tool than the gateway judged.
 * {@code make test} runs the committed inputs under {@code src/test/resources/.../ToolScopeFuzzTestInputs};
 * {@code make fuzz} fuzzes for five minutes.
 */
class ToolScopeFuzzTest {

    private static final String BASE_SCOPE = "mcp:tools";
    private static final String BACKEND = "notes";
    private static final ToolPolicy POLICY = ToolPolicy.load(Path.of("gateway-policy.json"), BASE_SCOPE);

    /** GatewayServlet's steps on a POST body, in its order. */
    private static final ToolCallDifferential DIFFERENTIAL = ToolCallDifferential.of((request, granted) -> {
        byte[] body = request.getInputStream().readNBytes(JsonRpcBody.MAX_BYTES + 1);
        JsonRpcBody.Reading reading = JsonRpcBody.read(Collections.list(request.getHeaders("Content-Type")),
                Collections.list(request.getHeaders("Content-Encoding")), body);
        if (reading instanceof JsonRpcBody.Refusal refusal) {
            return new Refused(refusal.status());
        }
        JsonRpcBody.Message message = (JsonRpcBody.Message) reading;
        if (message.toolName() != null) {
            Decision decision = POLICY.decide(BACKEND, message.toolName(), userWith(granted));
            if (decision instanceof Decision.Deny) {
                return new Refused(200);
            }
            if (decision instanceof Decision.NeedsScopes) {
                return new Refused(403);
            }
        }
        // The gateway sends these bytes as application/json; the backend reads them with the same JsonRpcBody
        // and hands its SDK servlet this very request: the same bytes, declared UTF-8.
        return new Passed(JsonRpcBody.forwarded(request, body), message.method(), message.toolName());
    }, ToolScopeFuzzTest::whatTheBaseScopeLacks, BASE_SCOPE);

    @FuzzTest(maxDuration = "5m")
    void toolCallsNeedingAScopeNeverPassWithoutIt(byte[] input) throws IOException {
        DIFFERENTIAL.check(input);
    }

    /** What a token with only the base scope lacks to call {@code tool}: a scope, or the policy's leave. */
    private static Optional<String> whatTheBaseScopeLacks(String tool) {
        Decision decision = POLICY.decide(BACKEND, tool, userWith(Set.of(BASE_SCOPE)));
        if (decision instanceof Decision.NeedsScopes needs) {
            Set<String> extra = new LinkedHashSet<>(needs.scopes());
            extra.remove(BASE_SCOPE);
            return Optional.of(String.join(" ", extra));
        }
        return decision instanceof Decision.Deny ? Optional.of("(denied by the policy)") : Optional.empty();
    }

    private static AuthenticatedUser userWith(Set<String> scopes) {
        return new AuthenticatedUser("fuzz-subject", "fuzz", "fuzz-client", scopes, Set.of(), "not-a-token");
    }
}
