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
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
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
import tools.jackson.databind.JsonNode;

/**
 * The MCP tools: they act on the calendar API for the calling user, with that user's stored upstream
 * token, never anyone else's. When the user has no usable connection, the answer carries a connect
 * link: as a URL-mode elicitation ({@code -32042 URLElicitationRequiredError}, MCP 2025-11-25) when
 * the client declared that capability, otherwise as a tool error whose text carries the URL.
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

    public List<SyncToolSpecification> specifications(McpJsonMapper json) {
        return List.of(
                tool(json, LIST_EVENTS, "Lists your upcoming calendar events (from your own calendar account).", this::listEvents),
                tool(json, "connect_status", "Whether your calendar account is connected to your MCP account (named in the answer),"
                        + " and whether it needs reconnecting.",
                        this::connectStatus),
                tool(json, DISCONNECT, "Disconnects your calendar account: deletes the stored tokens and revokes them."
                        + " Needs the " + CALENDAR_DISCONNECT + " scope.", this::disconnect));
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

    private static SyncToolSpecification tool(McpJsonMapper json, String name, String description,
                                              java.util.function.BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        Tool tool = Tool.builder().name(name).description(description)
                .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}").build();
        // Defence in depth: the tool checks its extra scope again on the user it runs for, so a call that ever
        // got past McpAuthFilter's reading of the body still changes nothing.
        String scope = EXTRA_SCOPE_BY_TOOL.get(name);
        return SyncToolSpecification.builder().tool(tool).callHandler((exchange, request) ->
                scope == null || AuthenticatedUser.of(exchange).scopes().contains(scope)
                        ? handler.apply(exchange, request)
                        : error("This tool needs the scope " + scope + "; ask for it and retry")).build();
    }

    // tag::list-events[]
    private CallToolResult listEvents(McpSyncServerExchange exchange, CallToolRequest request) {
        AuthenticatedUser user = AuthenticatedUser.of(exchange);
        try {
            UpstreamAccess.Grant grant = access.accessToken(user.subject());
            JsonNode events;
            try {
                events = calendar.events(grant.accessToken());
            } catch (CalendarClient.TokenRejectedException rejected) {
                // Revoked or rotated upstream before it expired: refresh once, then give up.
                events = calendar.events(access.afterRejection(user.subject(), grant).accessToken());
            }
            return eventsResult(events);
        } catch (ConnectionRequiredException e) {
            return connectAnswer(exchange, user, e.reason());
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

    private static CallToolResult eventsResult(JsonNode body) {
        List<Map<String, String>> events = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode event : body.path("events").values()) {
            Map<String, String> one = new LinkedHashMap<>();
            one.put("start", event.path("start").asString(""));
            one.put("title", event.path("title").asString(""));
            events.add(one);
            text.append(one.get("start")).append("  ").append(one.get("title")).append('\n');
        }
        return CallToolResult.builder()
                .addTextContent(events.isEmpty() ? "No upcoming events." : text.toString().strip())
                .structuredContent(Map.of("events", events))
                .build();
    }

    private CallToolResult connectStatus(McpSyncServerExchange exchange, CallToolRequest request) {
        AuthenticatedUser user = AuthenticatedUser.of(exchange);
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
        return CallToolResult.builder().addTextContent("MCP account " + user.account() + ": " + text)
                .structuredContent(Map.of("status", status, "mcp_account", user.account())).build();
    }

    // tag::disconnect[]
    private CallToolResult disconnect(McpSyncServerExchange exchange, CallToolRequest request) {
        AuthenticatedUser user = AuthenticatedUser.of(exchange);
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
    /** The connect link, as a URL elicitation when the client supports it, otherwise in a tool error. */
    private CallToolResult connectAnswer(McpSyncServerExchange exchange, AuthenticatedUser user, Reason reason) {
        URI link = links.issue(user);
        long minutes = Math.max(1, upstream.connectLinkLifetime().toMinutes());
        String why = switch (reason) {
            case NOT_CONNECTED -> "Your calendar is not connected.";
            case RECONNECT_NEEDED -> "Your calendar connection has expired or was revoked at the calendar service: reconnect it.";
            case UNREADABLE -> "Your stored calendar connection could not be read: reconnect it.";
        };
        String message = why + " Open this link (valid " + minutes + " minutes, for you only), then call "
                + LIST_EVENTS + " again: " + link;
        if (supportsUrlElicitation(exchange.getClientCapabilities())) {
            String elicitationId = UUID.randomUUID().toString(); // correlates the elicitation; not a secret
            throw McpError.URL_ELICITATION_REQUIRED.apply(List.of(
                    ElicitUrlRequest.builder(why + " Connect your calendar account in your browser.", link.toString(), elicitationId)
                            .build()));
        }
        return CallToolResult.builder().isError(true)
                .addTextContent(message)
                .structuredContent(Map.of("status", reason.name().toLowerCase(), "connect_url", link.toString()))
                .build();
    }
    // end::connect-answer[]

    private static boolean supportsUrlElicitation(ClientCapabilities capabilities) {
        return capabilities != null && capabilities.elicitation() != null && capabilities.elicitation().url() != null;
    }

    private static CallToolResult done(String text, String status) {
        return CallToolResult.builder().addTextContent(text).structuredContent(Map.of("status", status)).build();
    }

    private static CallToolResult error(String text) {
        return CallToolResult.builder().isError(true).addTextContent(text).build();
    }
}
