package dev.mcpoauth.cookbook.multiuserstore.tools;

import dev.mcpoauth.cookbook.multiuserstore.connect.ConnectLinks;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import dev.mcpoauth.cookbook.multiuserstore.store.ConnectionStatus;
import dev.mcpoauth.cookbook.multiuserstore.store.StoredConnection;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenRepository;
import dev.mcpoauth.cookbook.multiuserstore.store.TokenStoreException;
import dev.mcpoauth.cookbook.multiuserstore.store.UnreadableTokensException;
import dev.mcpoauth.cookbook.multiuserstore.upstream.CalendarClient;
import dev.mcpoauth.cookbook.multiuserstore.upstream.ConnectionRequiredException;
import dev.mcpoauth.cookbook.multiuserstore.upstream.ConnectionRequiredException.Reason;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamAccess;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamOAuthClient;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamUnavailableException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.ElicitUrlRequest;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import tools.jackson.databind.JsonNode;

/**
 * The MCP tools: they act on the calendar API for the calling user, with that user's stored upstream
 * token, never anyone else's. Each tool is written once ({@link Definition}) and served to 2025-11-25
 * clients here ({@link #specifications(McpJsonMapper)}) and to 2026-07-28 clients by {@link ModernCalendarTools}.
 * When the user has no usable connection, a tool answers {@link ConnectRequired}, and each revision
 * turns that into its own way of handing over the connect link: for 2025-11-25 a URL-mode elicitation
 * ({@code -32042 URLElicitationRequiredError}) when the client declared that capability; for
 * 2026-07-28 an {@code InputRequiredResult} with a URL elicitation and a sealed request state
 * ({@link ModernCalendarTools}); for a client of either revision without the capability, a tool error
 * whose text carries the URL.
 *
 * <p>Reading needs only the server's base scope. {@code disconnect} is the one destructive tool (it
 * deletes the stored grant and revokes it upstream), so it needs {@value #CALENDAR_DISCONNECT} too: an
 * agent holding the everyday token cannot cut the user's connection on its own; the client has to
 * come back to the user for that scope (step-up, after a 403 {@code insufficient_scope} naming it).
 */
@Singleton
public class CalendarTools {

    static final String LIST_EVENTS = "list_events";
    static final String DISCONNECT = "disconnect";
    public static final String CALENDAR_DISCONNECT = "calendar:disconnect";
    /** {@code list_events}' default and largest {@code limit}. */
    static final int MAX_EVENTS = 50;
    private static final String NO_ARGUMENTS = "{\"type\":\"object\",\"properties\":{}}";

    /** Tool name -> scope it needs beyond the server's base scope. One place for both the 403 and the metadata. */
    private static final Map<String, String> EXTRA_SCOPE_BY_TOOL = Map.of(DISCONNECT, CALENDAR_DISCONNECT);

    private final UpstreamAccess access;
    private final CalendarClient calendar;
    private final ConnectLinks links;
    private final TokenRepository store;
    private final UpstreamOAuthClient oauth;
    private final UpstreamConfiguration upstream;

    CalendarTools(UpstreamAccess access, CalendarClient calendar, ConnectLinks links, TokenRepository store,
                  UpstreamOAuthClient oauth, UpstreamConfiguration upstream) {
        this.access = access;
        this.calendar = calendar;
        this.links = links;
        this.store = store;
        this.oauth = oauth;
        this.upstream = upstream;
    }

    /** A tool as both protocol revisions describe it, and what it does for a user. */
    record Definition(String name, String description, String inputSchema,
                      BiFunction<AuthenticatedUser, Map<String, Object>, Answer> handler) {
    }

    /** What a tool answers, before it becomes either revision's result. */
    sealed interface Answer permits Result, ConnectRequired {
    }

    /** A finished answer: the same {@code CallToolResult} on both revisions. */
    record Result(String text, Map<String, Object> structuredContent, boolean isError) implements Answer {
    }

    /**
     * The user has to connect (or reconnect) their calendar first, through {@code link} (issued for this
     * user, single use, short-lived).
     *
     * @param why what is wrong with the connection, in one sentence for the user
     */
    record ConnectRequired(Reason reason, URI link, String why, long minutes) implements Answer {

        /** The message of the URL elicitation: what the browser is opened for. */
        String elicitationMessage() {
            return why + " Connect your calendar account in your browser.";
        }

        /** For a client that cannot open a URL elicitation: the link in a tool error, to show the user. */
        Result asToolError() {
            return new Result(why + " Open this link (valid " + minutes + " minutes, for you only), then call "
                    + LIST_EVENTS + " again: " + link, Map.of("status", reason.name().toLowerCase(), "connect_url",
                    link.toString()), true);
        }
    }

    private final List<Definition> definitions = List.of(
            new Definition(LIST_EVENTS, "Lists your upcoming calendar events (from your own calendar account), at most limit"
                    + " of them (default and maximum " + MAX_EVENTS + ").", """
                    {"type":"object","properties":{"limit":{"type":"integer","minimum":1,"maximum":%d}}}"""
                    .formatted(MAX_EVENTS), this::listEvents),
            new Definition("connect_status", "Whether your calendar account is connected to your MCP account (named in the answer),"
                    + " and whether it needs reconnecting.", NO_ARGUMENTS, this::connectStatus),
            new Definition(DISCONNECT, "Disconnects your calendar account: deletes the stored tokens and revokes them."
                    + " Needs the " + CALENDAR_DISCONNECT + " scope.", NO_ARGUMENTS, this::disconnect));

    List<Definition> definitions() {
        return definitions;
    }

    /** The tools for the 2025-11-25 SDK server; {@code json} parses their input schemas. */
    public List<SyncToolSpecification> specifications(McpJsonMapper json) {
        return definitions.stream().map(tool -> SyncToolSpecification.builder()
                .tool(Tool.builder().name(tool.name()).description(tool.description()).inputSchema(json, tool.inputSchema()).build())
                .callHandler((exchange, request) -> {
                    Answer answer = call(tool, AuthenticatedUser.of(exchange), request.arguments());
                    return answer instanceof ConnectRequired connect ? legacyConnectAnswer(exchange, connect)
                            : toLegacy((Result) answer);
                })
                .build()).toList();
    }

    /**
     * Runs a tool for a user. Defence in depth: a tool needing an extra scope checks it again on the
     * user it runs for, so a call that ever got past McpAuthFilter's reading of the body still changes nothing.
     */
    Answer call(Definition tool, AuthenticatedUser user, Map<String, Object> arguments) {
        String scope = EXTRA_SCOPE_BY_TOOL.get(tool.name());
        if (scope != null && !user.scopes().contains(scope)) {
            return error("This tool needs the scope " + scope + "; ask for it and retry");
        }
        return tool.handler().apply(user, arguments == null ? Map.of() : arguments);
    }

    /** The extra scope a tool needs, if any: the resource server's McpAuthFilter refuses the call without it, and so does the tool. */
    public static Optional<String> requiredScope(String toolName) {
        return Optional.ofNullable(EXTRA_SCOPE_BY_TOOL.get(toolName));
    }

    /** RFC 9728 {@code scopes_supported}: the base scope, then every tool scope. */
    public static List<String> scopesSupported(String baseScope) {
        LinkedHashSet<String> scopes = new LinkedHashSet<>();
        scopes.add(baseScope);
        scopes.addAll(EXTRA_SCOPE_BY_TOOL.values());
        return new ArrayList<>(scopes);
    }

    // tag::list-events[]
    private Answer listEvents(AuthenticatedUser user, Map<String, Object> arguments) {
        Object limitArgument = arguments.getOrDefault("limit", MAX_EVENTS);
        if (!(limitArgument instanceof Integer limit) || limit < 1 || limit > MAX_EVENTS) {
            return error("limit must be a whole number from 1 to " + MAX_EVENTS);
        }
        try {
            UpstreamAccess.Grant grant = access.accessToken(user.subject());
            JsonNode events;
            try {
                events = calendar.events(grant.accessToken());
            } catch (CalendarClient.TokenRejectedException rejected) {
                // Revoked or rotated upstream before it expired: refresh once, then give up.
                events = calendar.events(access.afterRejection(user.subject(), grant).accessToken());
            }
            return eventsResult(events, limit);
        } catch (ConnectionRequiredException e) {
            return connectRequired(user, e.reason());
        } catch (CalendarClient.TokenRejectedException e) {
            return error("The calendar service rejected your freshly refreshed token. Call connect_status, or disconnect and connect again.");
        } catch (UpstreamUnavailableException e) {
            return error("The calendar service is not reachable right now (tried " + upstream.maxAttempts()
                    + " times). Nothing was changed; try again in a minute.");
        } catch (TokenStoreException e) {
            return error("The token store is unavailable right now. Nothing was changed; try again in a minute.");
        }
    }
    // end::list-events[]

    private static Result eventsResult(JsonNode body, int limit) {
        List<Map<String, String>> events = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode event : body.path("events").values()) {
            if (events.size() == limit) {
                break;
            }
            Map<String, String> one = new LinkedHashMap<>();
            one.put("start", event.path("start").asString(""));
            one.put("title", event.path("title").asString(""));
            events.add(one);
            text.append(one.get("start")).append("  ").append(one.get("title")).append('\n');
        }
        return new Result(events.isEmpty() ? "No upcoming events." : text.toString().strip(), Map.of("events", events), false);
    }

    private Answer connectStatus(AuthenticatedUser user, Map<String, Object> arguments) {
        String status;
        String text;
        try {
            Optional<StoredConnection> stored = store.find(user.subject(), upstream.name());
            if (stored.isEmpty()) {
                status = "not_connected";
                text = "Your calendar is not connected. Call list_events to get a connect link.";
            } else if (stored.get().status() == ConnectionStatus.RECONNECT_NEEDED) {
                status = "reconnect_needed";
                text = "Your calendar connection was ended by the calendar service. Call list_events to get a link to reconnect.";
            } else {
                status = "connected";
                text = "Your calendar is connected.";
            }
        } catch (UnreadableTokensException e) {
            status = "unreadable";
            text = "Your stored calendar connection cannot be read. Call list_events to get a link to reconnect.";
        } catch (TokenStoreException e) {
            return error("The token store is unavailable right now. Try again in a minute.");
        }
        // Which MCP account this is about: the one a connect link would link the calendar to.
        return new Result("MCP account " + user.account() + ": " + text, Map.of("status", status, "mcp_account", user.account()), false);
    }

    // tag::disconnect[]
    private Answer disconnect(AuthenticatedUser user, Map<String, Object> arguments) {
        String refreshToken;
        try {
            // Delete first, under the row lock: a refresh running now either finished before (we revoke its
            // new token) or finds no row after. Then revoke upstream (RFC 7009), outside the transaction.
            refreshToken = store.updateLocked(user.subject(), upstream.name(), (current, row) -> {
                if (current.isEmpty()) {
                    return null;
                }
                row.delete();
                return current.get().tokens() == null ? "" : current.get().tokens().refreshToken();
            });
        } catch (UnreadableTokensException e) {
            store.delete(user.subject(), upstream.name());
            return done("Disconnected. The stored tokens were unreadable and have been deleted; revoke this app's"
                    + " access in your calendar account settings too.", "deleted_unreadable");
        } catch (TokenStoreException e) {
            return error("The token store is unavailable right now. Nothing was changed; try again in a minute.");
        }
        if (refreshToken == null) {
            return done("You had no calendar connection. Nothing to do.", "not_connected");
        }
        if (refreshToken.isEmpty() || oauth.revoke(refreshToken)) {
            return done("Disconnected. Your calendar tokens were deleted here and revoked at the calendar service.", "disconnected");
        }
        return done("Disconnected here, but the calendar service could not be told: revoke this app's access in your"
                + " calendar account settings.", "disconnected_not_revoked");
    }
    // end::disconnect[]

    // tag::connect-answer[]
    /** A fresh connect link for this user, and why they need it. */
    private ConnectRequired connectRequired(AuthenticatedUser user, Reason reason) {
        URI link = links.issue(user);
        long minutes = Math.max(1, upstream.connectLinkLifetime().toMinutes());
        String why = switch (reason) {
            case NOT_CONNECTED -> "Your calendar is not connected.";
            case RECONNECT_NEEDED -> "Your calendar connection has expired or was revoked at the calendar service: reconnect it.";
            case UNREADABLE -> "Your stored calendar connection could not be read: reconnect it.";
        };
        return new ConnectRequired(reason, link, why, minutes);
    }

    /** MCP 2025-11-25: the connect link as a URL elicitation (-32042) when the client supports it, otherwise in a tool error. */
    private static CallToolResult legacyConnectAnswer(McpSyncServerExchange exchange, ConnectRequired connect) {
        if (supportsUrlElicitation(exchange.getClientCapabilities())) {
            String elicitationId = UUID.randomUUID().toString(); // correlates the elicitation; not a secret
            throw McpError.URL_ELICITATION_REQUIRED.apply(List.of(
                    ElicitUrlRequest.builder(connect.elicitationMessage(), connect.link().toString(), elicitationId).build()));
        }
        return toLegacy(connect.asToolError());
    }
    // end::connect-answer[]

    private static boolean supportsUrlElicitation(ClientCapabilities capabilities) {
        return capabilities != null && capabilities.elicitation() != null && capabilities.elicitation().url() != null;
    }

    private static CallToolResult toLegacy(Result result) {
        CallToolResult.Builder legacy = CallToolResult.builder().addTextContent(result.text()).isError(result.isError());
        return result.structuredContent() == null ? legacy.build() : legacy.structuredContent(result.structuredContent()).build();
    }

    private static Result done(String text, String status) {
        return new Result(text, Map.of("status", status), false);
    }

    static Result error(String text) {
        return new Result(text, null, true);
    }
}
