package dev.mcpoauth.cookbook.testkit.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Passed;
import dev.mcpoauth.cookbook.testkit.fuzz.ToolCallDifferential.Refused;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The differential finds the bug of issue 18 in a filter built the old way, and nothing in a sound one. */
class ToolCallDifferentialTest {

    private static final String ADD_NOTE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"add_note\"}}";
    private static final Map<String, String> SCOPES = Map.of("add_note", "notes:write");

    /** The scope filters before issue 18: Jackson guesses the encoding from the bytes, and what it cannot read passes. */
    private static final ToolCallDifferential OLD_FILTER = ToolCallDifferential.of((request, granted) -> {
        byte[] body = request.getInputStream().readAllBytes();
        JsonNode message;
        try {
            message = JsonMapper.shared().readTree(body);
        } catch (JacksonException notJson) {
            return new Passed(FakePost.of(request.getContentType(), body), null, null);
        }
        String tool = message.path("params").path("name").asString(null);
        if (tool != null && SCOPES.containsKey(tool) && !granted.contains(SCOPES.get(tool))) {
            return new Refused(403);
        }
        return new Passed(FakePost.of(request.getContentType(), body), message.path("method").asString(null), tool);
    }, tool -> Optional.ofNullable(SCOPES.get(tool)), "mcp:tools");

    @Test
    void findsTheEbcdicToolCallThatPassedTheOldScopeFilter() {
        Throwable finding = catchThrowable(() -> OLD_FILTER.check("application/json; charset=IBM037",
                ADD_NOTE.getBytes(Charset.forName("IBM037"))));

        assertThat(finding).isInstanceOf(AssertionError.class).hasMessageContaining("SDK reads tools/call");
    }

    @Test
    void findsAFilterThatJudgedAnotherToolThanTheSdkCalls() {
        String duplicateName = ADD_NOTE.replace("\"params\":{", "\"params\":{\"name\":\"whoami\",");
        ToolCallDifferential firstKeyWins = ToolCallDifferential.of((request, granted) ->
                new Passed(FakePost.of(request.getContentType(), request.getInputStream().readAllBytes()), "tools/call", "whoami"),
                tool -> Optional.ofNullable(SCOPES.get(tool)), "mcp:tools");

        Throwable finding = catchThrowable(() -> firstKeyWins.check("application/json", duplicateName.getBytes(StandardCharsets.UTF_8)));

        assertThat(finding).isInstanceOf(AssertionError.class).hasMessageContaining("judged tool whoami but the SDK calls add_note");
    }

    @Test
    void findsNothingWhenTheFilterRefuses() {
        ToolCallDifferential refusesAll = ToolCallDifferential.of((request, granted) -> new Refused(415),
                tool -> Optional.ofNullable(SCOPES.get(tool)), "mcp:tools");

        assertThatCode(() -> refusesAll.check("application/json; charset=IBM037", ADD_NOTE.getBytes(Charset.forName("IBM037"))))
                .doesNotThrowAnyException();
    }

    @Test
    void readsTheContentTypeFromTheFirstLineOfAFuzzInput() {
        byte[] header = "application/json; charset=IBM037\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = ADD_NOTE.getBytes(Charset.forName("IBM037"));
        byte[] both = new byte[header.length + body.length];
        System.arraycopy(header, 0, both, 0, header.length);
        System.arraycopy(body, 0, both, header.length, body.length);

        assertThat(catchThrowable(() -> OLD_FILTER.check(both))).isInstanceOf(AssertionError.class);
    }
}
