package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.testkit.browser.HeadlessUserAgent;
import dev.mcpoauth.cookbook.testkit.browser.UserCredentials;
import dev.mcpoauth.cookbook.testkit.mcp.McpTestClient;
import dev.mcpoauth.cookbook.testkit.oauth.AuthorizationCodeFlow;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.filter.Filter;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * One running instance of the recipe's server, started the way production starts it (Micronaut,
 * Flyway, Hikari, Jetty), with test helpers: MCP users, connecting their calendars, reading beans.
 */
final class ServerInstance implements AutoCloseable {

    final EmbeddedServer server;
    final TestStack stack;

    ServerInstance(TestStack stack, Map<String, Object> properties) {
        this.stack = stack;
        this.server = ApplicationContext.run(EmbeddedServer.class, properties);
    }

    /** The same, reading token expiry on {@code clock} instead of the system clock. */
    ServerInstance(TestStack stack, Map<String, Object> properties, Clock clock) {
        this.stack = stack;
        this.server = ApplicationContext.builder().properties(properties).singletons(clock).start()
                .getBean(EmbeddedServer.class);
        this.server.start();
    }

    <T> T bean(Class<T> type) {
        return server.getApplicationContext().getBean(type);
    }

    MeterRegistry meters() {
        return bean(MeterRegistry.class);
    }

    double refreshes(String outcome) {
        var counter = meters().find("upstream.refresh").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    /** This instance's address for a URL under the canonical resource (the load balancer's job). */
    URI local(URI underResource) {
        String pathAndQuery = underResource.getRawPath() + (underResource.getRawQuery() == null ? "" : "?" + underResource.getRawQuery());
        return URI.create("http://localhost:" + server.getPort() + pathAndQuery);
    }

    URI mcpUrl() {
        return local(stack.resource);
    }

    /** A realm A user with an MCP session on this instance, with the everyday scope. */
    McpUser login(UserCredentials user) {
        return login(user, "mcp:tools");
    }

    /** The same with these scopes, e.g. {@code mcp:tools calendar:disconnect} for the disconnect tool. */
    McpUser login(UserCredentials user, String... scopes) {
        String token = AuthorizationCodeFlow.with(stack.users, "mcp-demo-client")
                .scope(scopes).resource(stack.resource)
                .run(new HeadlessUserAgent(), user).accessToken();
        return new McpUser(token, McpTestClient.connect(mcpUrl(), () -> token));
    }

    /** The same user's MCP token, on a session with this instance. */
    McpUser session(McpUser user) {
        return new McpUser(user.accessToken(), McpTestClient.connect(mcpUrl(), user::accessToken));
    }

    /**
     * Connects the user's calendar the way a person does: list_events answers with a link, the
     * browser opens it, logs in at realm B, comes back to the callback. Returns the callback's HTTP status.
     */
    int connect(McpUser user, UserCredentials calendarLogin) {
        CallToolResult answer = user.call("list_events");
        if (!Boolean.TRUE.equals(answer.isError())) {
            throw new IllegalStateException("Expected a connect link, got: " + text(answer));
        }
        URI link = URI.create(String.valueOf(((Map<?, ?>) answer.structuredContent()).get("connect_url")));
        return completeConnect(link, calendarLogin, new HeadlessUserAgent()).statusCode();
    }

    HttpResponse<String> completeConnect(URI link, UserCredentials calendarLogin, HeadlessUserAgent browser) {
        URI callback = browser.authorize(local(link), stack.resource.resolve("/connect/callback").toString(), calendarLogin);
        return browser.get(local(callback));
    }

    /** A rest-assured request with exactly the headers given (no charset appended), redirects not followed. */
    RequestSpecification given() {
        return RestAssured.given().redirects().follow(false).urlEncodingEnabled(false)
                .config(RestAssuredConfig.config().encoderConfig(EncoderConfig.encoderConfig()
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false)));
    }

    /** The same from this browser: it sends the browser's cookies and keeps the ones the answer sets. */
    RequestSpecification given(HeadlessUserAgent browser) {
        Filter cookies = (request, response, next) -> {
            URI uri = URI.create(request.getURI());
            browser.cookies().get(uri, Map.of()).getOrDefault("Cookie", List.of())
                    .forEach(cookie -> request.header("Cookie", cookie));
            Response answer = next.next(request, response);
            try {
                browser.cookies().put(uri, Map.of("Set-Cookie", answer.headers().getValues("Set-Cookie")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return answer;
        };
        return given().filter(cookies);
    }

    /** A Streamable HTTP POST to this instance's MCP endpoint, as an MCP client sends it, without a token. */
    RequestSpecification mcp() {
        return given().contentType("application/json").accept("application/json, text/event-stream");
    }

    static String text(CallToolResult result) {
        return result.content().stream().map(c -> c instanceof TextContent t ? t.text() : c.toString())
                .reduce("", (a, b) -> a + b);
    }

    @Override
    public void close() {
        server.close();
    }

    /** A realm A user and their MCP client session. */
    record McpUser(String accessToken, McpSyncClient client) implements AutoCloseable {

        /** Realm A {@code sub}: the key of this user's rows. */
        String subject() {
            try {
                return com.nimbusds.jwt.SignedJWT.parse(accessToken).getJWTClaimsSet().getSubject();
            } catch (java.text.ParseException e) {
                throw new IllegalStateException(e);
            }
        }

        CallToolResult call(String tool) {
            return client.callTool(new CallToolRequest(tool, Map.of()));
        }

        @Override
        public void close() {
            client.close();
        }

        @Override
        public String toString() {
            return "McpUser[<token hidden>]";
        }
    }
}
