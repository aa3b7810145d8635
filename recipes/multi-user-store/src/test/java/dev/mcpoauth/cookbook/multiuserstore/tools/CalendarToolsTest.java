package dev.mcpoauth.cookbook.multiuserstore.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamConfiguration;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The tools on their own, called as the MCP SDK calls them: the second scope check, behind McpAuthFilter's. */
class CalendarToolsTest {

    /** Every call the tools make to the token store, by method name; a refused disconnect makes none. */
    private final List<String> storeCalls = new ArrayList<>();
    private final TokenRepository store = (TokenRepository) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {TokenRepository.class}, (proxy, method, args) -> {
                storeCalls.add(method.getName());
                throw new IllegalStateException("The refused call reached the token store: " + method.getName());
            });
    private final UpstreamConfiguration upstream = new UpstreamConfiguration("calendar", URI.create("http://upstream.invalid"),
            null, null, null, "mcp-server", "demo-secret", "calendar.read", URI.create("http://api.invalid"),
            Duration.ofSeconds(30), Duration.ofSeconds(1), 1, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(10), true);
    // Nothing else is wired: a refused disconnect must reach neither the store nor the upstream.
    private final CalendarTools tools = new CalendarTools(null, null, null, store, null, upstream);

    @Test
    void disconnectRefusesAUserWithoutCalendarDisconnectEvenPastTheFilter() {
        AuthenticatedUser everyday = new AuthenticatedUser("user-1", "alice", "mcp-client", List.of("mcp:tools"));

        CallToolResult result = call("disconnect", everyday);

        assertThat(result.isError()).isTrue();
        assertThat(text(result)).isEqualTo("This tool needs the scope calendar:disconnect; ask for it and retry");
        assertThat(storeCalls).isEmpty();
    }

    private CallToolResult call(String toolName, AuthenticatedUser user) {
        SyncToolSpecification tool = tools.specifications(new JacksonMcpJsonMapper(JsonMapper.shared())).stream()
                .filter(spec -> spec.tool().name().equals(toolName)).findFirst().orElseThrow();
        return tool.callHandler().apply(exchangeOf(user), new CallToolRequest(toolName, Map.of()));
    }

    /** The exchange a tool gets: the user McpAuthFilter attached to the request, through the transport's context extractor. */
    private static McpSyncServerExchange exchangeOf(AuthenticatedUser user) {
        Map<String, Object> attributes = new HashMap<>();
        HttpServletRequest request = (HttpServletRequest) Proxy.newProxyInstance(CalendarToolsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "getAttribute" -> attributes.get(args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        user.attachTo(request);
        return new McpSyncServerExchange(new McpAsyncServerExchange("session-1", null, null, null,
                AuthenticatedUser.toTransportContext(request)));
    }

    private static String text(CallToolResult result) {
        return ((TextContent) result.content().get(0)).text();
    }
}
