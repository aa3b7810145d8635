package dev.mcpoauth.cookbook.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.isA;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import dev.mcpoauth.cookbook.testkit.mcp.BearerChallenge;
import io.restassured.RestAssured;
import io.restassured.builder.ResponseSpecBuilder;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.filter.Filter;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.restassured.specification.ResponseSpecification;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the contract talks to the server under test, and what it checks on every answer: never a
 * server error, never a Java exception in a body, never a token it sent (in a body or a header), at
 * most one {@code WWW-Authenticate} header. Requests go through rest-assured ({@link #given()});
 * the JDK client ({@link #send}) only where a test needs byte-level control of what is sent.
 */
final class ContractHttp {

    static final String INITIALIZE = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
             "capabilities":{},"clientInfo":{"name":"contract","version":"1"}}}""";
    static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    static final String MCP_ACCEPT = "application/json, text/event-stream";

    /** As written: no charset appended to a Content-Type the test set. */
    private static final RestAssuredConfig AS_WRITTEN = RestAssuredConfig.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    private final HttpClient jdk = HttpClient.newHttpClient();
    /** Every token sent; none may appear in the server's log or in any response. */
    private final Set<String> tokensSent = ConcurrentHashMap.newKeySet();
    private final Filter checkEveryAnswer = (request, response, next) -> {
        Response answer = next.next(request, response);
        checkAnswer(answer.statusCode(), answer.body().asString(), answer.headers().toString(),
                answer.headers().getValues("WWW-Authenticate"));
        return answer;
    };

    /** A rest-assured request whose answer gets the checks above. */
    RequestSpecification given() {
        return RestAssured.given().config(AS_WRITTEN).filter(checkEveryAnswer);
    }

    /** A JDK request, sent as built, whose answer gets the checks above. */
    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = jdk.send(request.build(), HttpResponse.BodyHandlers.ofString());
        checkAnswer(response.statusCode(), response.body(), response.headers().map().toString(),
                response.headers().allValues("WWW-Authenticate"));
        return response;
    }

    /** Remembers a token sent, so that the checks can look for it. */
    String track(String token) {
        if (token.length() < 4096) {
            tokensSent.add(token);
        }
        return token;
    }

    Set<String> tokensSent() {
        return tokensSent;
    }

    private void checkAnswer(int status, String body, String headers, List<String> challenges) {
        assertThat(status).as("never a server error").isLessThan(500);
        assertNoJavaInternals(body);
        for (String token : tokensSent) {
            assertThat(body).doesNotContain(token);
            assertThat(headers).doesNotContain(token);
        }
        assertThat(challenges).as("WWW-Authenticate headers").hasSizeLessThanOrEqualTo(1);
    }

    static void assertNoJavaInternals(String body) {
        assertThat(body).doesNotContain("stackTrace", "localizedMessage", "\"cause\"", "Exception", "java.", "dev.mcpoauth", "\tat ");
    }

    /** The one Bearer challenge of an answer. */
    static BearerChallenge challenge(HttpResponse<String> response) {
        List<String> headers = response.headers().allValues("WWW-Authenticate");
        assertThat(headers).hasSize(1);
        return BearerChallenge.parse(headers.get(0));
    }

    /** The one Bearer challenge of an answer. */
    static BearerChallenge challenge(Response response) {
        List<String> headers = response.headers().getValues("WWW-Authenticate");
        assertThat(headers).hasSize(1);
        return BearerChallenge.parse(headers.get(0));
    }

    /** Every error answer: a JSON-RPC error object with this code, never a serialized Java exception. */
    static void assertJsonRpcError(HttpResponse<String> response, int status, int code) {
        assertJsonRpcError(response.statusCode(), response.headers().firstValue("Content-Type").orElse("(none)"),
                response.body(), status, code);
    }

    /** The same, as a rest-assured expectation: {@code .then().spec(jsonRpcError(400, -32600))}. */
    static ResponseSpecification jsonRpcError(int status, int code) {
        return new ResponseSpecBuilder()
                .expectStatusCode(status)
                .expectHeader("Content-Type", startsWith("application/json"))
                .expectBody("jsonrpc", equalTo("2.0"))
                .expectBody("$", hasKey("id")) // JSON-RPC 2.0 section 5: an error answer has an id, null when unknown
                .expectBody("error.code", equalTo(code))
                .expectBody("error.message", isA(String.class))
                .expectBody("error.size()", lessThanOrEqualTo(3)) // code, message and at most data
                .build();
    }

    /** A {@code WWW-Authenticate} value that is a Bearer challenge with exactly these parameters. */
    static Matcher<String> bearerChallenge(Map<String, String> parameters) {
        return challengeMatching("a Bearer challenge with exactly " + parameters, parameters::equals);
    }

    /** A {@code WWW-Authenticate} value that is a Bearer challenge with these parameters, and maybe others. */
    static Matcher<String> bearerChallengeWith(Map<String, String> parameters) {
        return challengeMatching("a Bearer challenge with " + parameters,
                actual -> actual.entrySet().containsAll(parameters.entrySet()));
    }

    private static Matcher<String> challengeMatching(String description, Predicate<Map<String, String>> parameters) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(String header) {
                try {
                    return parameters.test(BearerChallenge.parse(header).parameters());
                } catch (IllegalArgumentException notABearerChallenge) {
                    return false;
                }
            }

            @Override
            public void describeTo(Description text) {
                text.appendText(description);
            }
        };
    }

    private static void assertJsonRpcError(int actualStatus, String contentType, String body, int status, int code) {
        assertThat(actualStatus).as(body).isEqualTo(status);
        assertThat(contentType).startsWith("application/json");
        JsonNode answer = JsonMapper.shared().readTree(body);
        assertThat(answer.path("jsonrpc").asString("")).isEqualTo("2.0");
        assertThat(answer.has("id")).as("JSON-RPC 2.0 section 5: an error answer has an id, null when unknown").isTrue();
        assertThat(answer.path("error").path("code").asInt()).as(body).isEqualTo(code);
        assertThat(answer.path("error").path("message").isString()).isTrue();
        assertThat(answer.path("error").size()).as("code, message and at most data").isLessThanOrEqualTo(3);
        assertNoJavaInternals(body);
    }
}
