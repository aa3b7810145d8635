package dev.mcpoauth.cookbook.tokengateway;

import static io.restassured.RestAssured.given;

import io.restassured.config.EncoderConfig;
import io.restassured.config.RedirectConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import java.util.Set;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** rest-assured requests as an MCP client sends them to the gateway, and what its error answers look like. */
final class McpRequests {

    /**
     * Exactly the headers given: no charset appended to {@code Content-Type}, and redirects not followed
     * (a redirect is an answer to check, not a hint).
     */
    private static final RestAssuredConfig AS_GIVEN = RestAssuredConfig.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false))
            .redirect(RedirectConfig.redirectConfig().followRedirects(false));

    private McpRequests() {
    }

    /** A Streamable HTTP POST without a token. */
    static RequestSpecification anonymous() {
        return given().config(AS_GIVEN).contentType("application/json").accept("application/json, text/event-stream");
    }

    /** A Streamable HTTP POST with {@code Authorization: Bearer <token>}. */
    static RequestSpecification bearer(String token) {
        return anonymous().header("Authorization", "Bearer " + token);
    }

    /** A plain request (metadata documents, the authorization server), headers as given. */
    static RequestSpecification plain() {
        return given().config(AS_GIVEN);
    }

    /**
     * Exactly a JSON-RPC error object with this code and id (null: {@code "id": null}): no other member,
     * nothing of an exception.
     */
    static Matcher<String> jsonRpcError(int code, Integer id) {
        return new TypeSafeDiagnosingMatcher<>() {
            @Override
            protected boolean matchesSafely(String body, Description mismatch) {
                JsonNode error;
                try {
                    error = JsonMapper.shared().readTree(body);
                } catch (JacksonException notJson) {
                    mismatch.appendText("not JSON: ").appendValue(body);
                    return false;
                }
                boolean matches = error != null && error.isObject()
                        && Set.copyOf(error.propertyNames()).equals(Set.of("jsonrpc", "id", "error"))
                        && "2.0".equals(error.path("jsonrpc").asString(null))
                        && (id == null ? error.get("id").isNull() : error.get("id").isInt() && error.get("id").asInt() == id)
                        && Set.copyOf(error.path("error").propertyNames()).equals(Set.of("code", "message"))
                        && error.path("error").path("code").isInt() && error.path("error").path("code").asInt() == code;
                if (!matches) {
                    mismatch.appendText("was ").appendValue(body);
                }
                return matches;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a bare JSON-RPC error, code " + code + ", id " + id);
            }
        };
    }
}
