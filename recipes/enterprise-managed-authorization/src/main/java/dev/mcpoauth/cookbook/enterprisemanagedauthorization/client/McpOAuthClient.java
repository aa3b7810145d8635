package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client;

import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.AuthorizationUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.PkceAuthorization;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.authorization.SystemBrowserUserAgent;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials.ClientCredentials;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.AuthorizationServerDiscovery;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.BearerChallenge;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.ProtectedResourceMetadata;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.discovery.ResourceDiscovery;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.enterprise.EnterpriseAuthorization;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.McpAuthorizationException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.OAuthHttp;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.http.SafeUrl;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.ClientRegistrar;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.PreRegisteredClient;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.RegisteredClient;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.InMemoryTokenStore;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenEndpoint;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenEndpointException;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenSet;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token.TokenStore;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.HttpRequestSnapshot;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientTransportAuthorizationErrorHandler;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.McpConnection.Revision;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.JsonRpc;
import io.modelcontextprotocol.modern.McpException;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import io.modelcontextprotocol.modern.client.transport.McpHttpAuthorizationErrorHandler;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequest;
import io.modelcontextprotocol.modern.client.transport.McpHttpRequestCustomizer;
import io.modelcontextprotocol.modern.client.transport.McpHttpResponseInfo;
import io.modelcontextprotocol.modern.client.transport.McpHttpStatusException;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.reactivestreams.Publisher;

/**
 * An MCP client that needs nothing but the server's URL: on the first 401 it discovers the
 * authorization server (RFC 9728, RFC 8414), registers itself (pre-registered, CIMD or RFC 7591),
 * runs the authorization-code flow with PKCE and the RFC 8707 {@code resource} parameter, and
 * retries; afterwards it refreshes before expiry and on 401, and steps up on 403
 * {@code insufficient_scope}. An agent with no user ({@link Builder#clientCredentials}) gets its tokens
 * by the client credentials grant instead: no registration, no browser, a new token shortly before
 * the current one expires, on 401, and with the needed scope on 403 {@code insufficient_scope}. A
 * user of a company with Enterprise-Managed Authorization ({@link Builder#enterpriseAuthorization}) gets
 * them the same way, from an ID-JAG the enterprise IdP issues for the user's sign-in.
 *
 * <pre>{@code
 * McpOAuthClient oauth = McpOAuthClient.builder("https://mcp.example.com/mcp").build();
 * try (McpConnection mcp = oauth.connect()) {
 *     mcp.callTool("whoami", Map.of());   // mcp.revision(): MCP_2026_07_28, or MCP_2025_11_25 for an older server
 * }
 * }</pre>
 *
 * It speaks MCP 2026-07-28 first and falls back to 2025-11-25 for servers of the {@code initialize}
 * era ({@link #connect()}). On both it plugs into the MCP Java SDK's own hooks, which the SDK's two
 * clients both have: a request customizer adds {@code Authorization: Bearer} to every request, and
 * the transport's authorization error handler runs the OAuth steps and asks the SDK to retry. The
 * OAuth code behind the hooks is one, whichever revision is spoken. Thread-safe: one authorization
 * or refresh runs at a time.
 */
public final class McpOAuthClient {

    /** Refresh this long before the access token expires: clock skew plus one request's duration. */
    static final Duration REFRESH_MARGIN = Duration.ofSeconds(60);
    /**
     * Sign-in and step-up run inside the MCP request that needed them (the SDK's retry hook), so the
     * request timeout must outlast a person at the browser ({@link SystemBrowserUserAgent} waits 5 minutes).
     */
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(6);
    /** After a failed renewal, requests use the current token this long before the next attempt (an outage stays cheap). */
    static final Duration RENEWAL_BACKOFF = Duration.ofSeconds(10);
    /** Consecutive 401/403 retries the SDK allows one request (authorize, refresh, step-up). */
    static final int MAX_RETRIES_PER_REQUEST = 3;
    /** JSON-RPC errors only a 2026-07-28 server sends: header mismatch, missing client capability, unsupported version. */
    static final Set<Integer> MODERN_ERRORS = Set.of(-32020, -32021, -32022);
    static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

    private final URI serverUrl;
    private final String storeKey;
    private final TokenStore store;
    private final AuthorizationUserAgent userAgent;
    private final McpOAuthListener listener;
    private final Clock clock;
    private final String clientName;
    private final Duration requestTimeout;
    private final ResourceDiscovery resourceDiscovery;
    private final AuthorizationServerDiscovery serverDiscovery;
    private final ClientRegistrar registrar;
    private final PkceAuthorization pkce;
    private final TokenEndpoint tokenEndpoint;
    /** Set for an agent: tokens come from the client credentials grant (null: a user's authorization code flow). */
    private final ClientCredentials clientCredentials;
    /** Set for Enterprise-Managed Authorization: tokens come from an ID-JAG (null: not that). */
    private final EnterpriseAuthorization enterprise;
    private final Map<String, AuthorizationServerMetadata> serversByIssuer = new ConcurrentHashMap<>();
    /** The last step-up's scopes and the token it produced: a 403 on that token for those scopes again is a loop. */
    private Set<String> lastStepUpScopes = Set.of(); // guarded by this
    private String lastStepUpToken; // guarded by this
    /** When the current tokens came from an authorization (null: from the store or a refresh). */
    private Instant authorizedAt; // guarded by this

    private TokenSet tokens; // guarded by this
    /** The revision this server speaks: pinned by the builder or found by {@link #connect()} (null: not yet known). */
    private Revision revision; // guarded by this
    /** When the current tokens came from a refresh (null: from an authorization). */
    private Instant refreshedAt; // guarded by this
    /** When renewing a token without a browser last failed: no new attempt within {@link #RENEWAL_BACKOFF}. */
    private Instant renewalFailedAt; // guarded by this

    private McpOAuthClient(Builder b) {
        this.serverUrl = SafeUrl.check(b.serverUrl, "MCP server URL");
        this.storeKey = serverUrl.toString();
        this.store = b.store;
        this.revision = b.revision;
        this.userAgent = b.userAgent;
        this.listener = printableSteps(b.listener);
        this.clock = b.clock;
        this.clientName = b.clientName;
        this.requestTimeout = b.requestTimeout;
        OAuthHttp http = new OAuthHttp(b.publicAddressesOnly);
        this.resourceDiscovery = new ResourceDiscovery(http, listener::onStep);
        this.serverDiscovery = new AuthorizationServerDiscovery(http, listener::onStep);
        this.registrar = new ClientRegistrar(http, store, listener::onStep, Optional.ofNullable(b.preRegistered),
                Optional.ofNullable(b.clientIdMetadataDocument), b.clientName, AuthorizationUserAgent.REGISTERED_REDIRECT_URI);
        this.tokenEndpoint = new TokenEndpoint(http, listener::onStep, clock);
        this.clientCredentials = b.clientCredentials;
        this.enterprise = b.enterprise;
        this.pkce = new PkceAuthorization(tokenEndpoint, listener::onStep);
        this.tokens = store.loadTokens(storeKey).orElse(null);
    }

    public static Builder builder(String serverUrl) {
        return new Builder(serverUrl);
    }

    // tag::revisions[]
    /**
     * A connection on the newest MCP revision the server speaks; the first request triggers authorization
     * if needed. MCP 2026-07-28 (Streamable HTTP, "Backward Compatibility"): try a 2026-07-28 request
     * ({@code server/discover}); a 4xx without a recognized 2026-07-28 JSON-RPC error (-32020, -32021,
     * -32022) means a server of the {@code initialize} era, so fall back to 2025-11-25. A 401 or 403 is an
     * authorization challenge, answered the same way on both revisions, never a reason to fall back; a
     * -32022 (no common version) is an error, never a fallback. The answer is remembered for this server.
     */
    public McpConnection connect() {
        Revision known = revision().orElse(null);
        if (known != Revision.MCP_2025_11_25) {
            io.modelcontextprotocol.modern.client.McpSyncClient modern = modernClient();
            try {
                modern.discover();
                return connected(McpConnection.modern(modern), "server/discover answered");
            } catch (McpHttpStatusException e) {
                if (known != null || !isOlderEra(e.statusCode())) {
                    throw e;
                }
                listener.onStep("MCP " + Revision.MCP_2026_07_28.version() + ": server/discover answered HTTP "
                        + e.statusCode() + " without a " + Revision.MCP_2026_07_28.version() + " error");
            } catch (McpException e) {
                if (known != null || MODERN_ERRORS.contains(e.error().code())) {
                    throw modernError(e);
                }
                listener.onStep("MCP " + Revision.MCP_2026_07_28.version() + ": server/discover answered JSON-RPC error "
                        + e.error().code() + ", not a " + Revision.MCP_2026_07_28.version() + " error");
            }
        }
        io.modelcontextprotocol.client.McpSyncClient legacy = McpClient.sync(legacyTransport())
                .clientInfo(new McpSchema.Implementation(clientName, "1.0"))
                .requestTimeout(requestTimeout)
                .initializationTimeout(requestTimeout)
                .build();
        try {
            legacy.initialize();
        } catch (RuntimeException e) {
            legacy.close();
            throw e;
        }
        return connected(McpConnection.legacy(legacy), "initialize answered");
    }

    /** The revision spoken with this server: pinned on the builder, or found by {@link #connect()} (empty before). */
    public synchronized Optional<Revision> revision() {
        return Optional.ofNullable(revision);
    }

    private McpConnection connected(McpConnection connection, String how) {
        synchronized (this) {
            revision = connection.revision();
        }
        listener.onStep("MCP " + connection.revision().version() + ": " + how + "; speaking MCP "
                + connection.revision().version() + " with " + serverUrl);
        return connection;
    }

    /** 401 and 403 are challenges (the SDK already ran the authorization hook); 4xx else is the older era. */
    private static boolean isOlderEra(int status) {
        return status >= 400 && status < 500 && status != 401 && status != 403;
    }

    private RuntimeException modernError(McpException e) {
        if (e.error().code() != UNSUPPORTED_PROTOCOL_VERSION) {
            return e;
        }
        Object supported = e.error().data() instanceof Map<?, ?> data ? data.get("supported") : null;
        return new McpException(new JsonRpc.JSONRPCResponse.JSONRPCError(e.error().code(), McpAuthorizationException.printable(
                "The MCP server speaks only protocol versions " + (supported == null ? "it did not name" : supported)
                        + "; this client speaks " + Revision.MCP_2026_07_28.version() + " and, with initialize, "
                        + Revision.MCP_2025_11_25.version()), e.error().data()));
    }
    // end::revisions[]

    /**
     * The MCP SDK's 2026-07-28 client on {@link #modernTransport()}. Sign-in runs inside a request, so a
     * round may last as long as {@link Builder#requestTimeout(Duration)}.
     */
    private io.modelcontextprotocol.modern.client.McpSyncClient modernClient() {
        return io.modelcontextprotocol.modern.client.McpClient.sync(modernTransport())
                .clientInfo(io.modelcontextprotocol.modern.McpSchema.Implementation.builder(clientName, "1.0").build())
                .roundTimeout(requestTimeout)
                .build();
    }

    /** The SDK's 2026-07-28 transport with this client's hooks, for apps that build their own modern {@code McpClient}. */
    public HttpClientMcpTransport modernTransport() {
        // tag::modern-hooks[]
        return HttpClientMcpTransport.builder(serverUrl)
                .requestCustomizer(McpHttpRequestCustomizer.fromSync((request, headers, context) ->
                        bearerFor(request.uri()).ifPresent(value -> headers.set("Authorization", value))))
                .authorizationErrorHandler(McpHttpAuthorizationErrorHandler.fromSync(
                        new McpHttpAuthorizationErrorHandler.Sync() {
                            @Override
                            public boolean handle(McpHttpRequest request, McpHttpResponseInfo response,
                                    McpTransportContext context) {
                                return onAuthorizationError(response.statusCode(),
                                        response.headers().allValues("WWW-Authenticate"),
                                        request.headers().firstValue("Authorization"));
                            }

                            @Override
                            public int maxRetries() {
                                return MAX_RETRIES_PER_REQUEST;
                            }
                        }))
                .build();
        // end::modern-hooks[]
    }

    /** The SDK's 2025-11-25 transport with this client's hooks, for apps that build their own {@code McpClient}. */
    public HttpClientStreamableHttpTransport legacyTransport() {
        String origin = serverUrl.getScheme() + "://" + serverUrl.getRawAuthority();
        String endpoint = serverUrl.getRawPath() + (serverUrl.getRawQuery() == null ? "" : "?" + serverUrl.getRawQuery());
        McpHttpClientTransportAuthorizationErrorHandler onError = McpHttpClientTransportAuthorizationErrorHandler.fromSync(
                (request, response, context) -> onAuthorizationError(response.statusCode(),
                        response.headers().allValues("WWW-Authenticate"), request.headers().firstValue("Authorization")));
        // tag::sdk-hooks[]
        return HttpClientStreamableHttpTransport.builder(origin)
                .endpoint(endpoint)
                .addHttpRequestCustomizer((request, method, uri, body, context) ->
                        bearerFor(uri).ifPresent(value -> request.setHeader("Authorization", value)))
                .authorizationErrorHandler(new McpHttpClientTransportAuthorizationErrorHandler() {
                    @Override
                    public Publisher<Boolean> handle(HttpRequestSnapshot request, HttpResponse.ResponseInfo response,
                            McpTransportContext context) {
                        return onError.handle(request, response, context);
                    }

                    @Override
                    public int maxRetries() {
                        return MAX_RETRIES_PER_REQUEST;
                    }
                })
                .build();
        // end::sdk-hooks[]
    }

    /** The current tokens, if any (redacted when printed). */
    public synchronized Optional<TokenSet> tokens() {
        return Optional.ofNullable(tokens);
    }

    // MCP "Token Requirements": the token goes in the Authorization header of every request, to
    // this server only, never in the URL. The same on both revisions.
    private Optional<String> bearerFor(URI endpoint) {
        if (!sameOrigin(endpoint, serverUrl)) {
            return Optional.empty();
        }
        return currentAccessToken().map(token -> "Bearer " + token);
    }

    private synchronized Optional<String> currentAccessToken() {
        if (withoutBrowser() && tokens != null && tokens.expiresWithin(renewalMargin(), clock.instant())
                && (renewalFailedAt == null || !clock.instant().isBefore(renewalFailedAt.plus(RENEWAL_BACKOFF)))) {
            try {
                listener.onStep("The access token expires within " + renewalMargin().toSeconds() + " s: a new one");
                authorize(Optional.empty(), tokens.scopes());
                renewalFailedAt = null;
            } catch (McpAuthorizationException unreachable) {
                // The authorization server is unreachable or refuses: the current token may still be valid for a while.
                renewalFailedAt = clock.instant();
            }
        }
        if (tokens != null && tokens.refreshToken() != null && tokens.expiresWithin(REFRESH_MARGIN, clock.instant())) {
            try {
                refresh();
            } catch (McpAuthorizationException unreachable) {
                // The authorization server is unreachable: the current token may still be valid for a while.
            }
        }
        return Optional.ofNullable(tokens).map(TokenSet::accessToken);
    }

    // tag::authorization-error-handler[]
    /**
     * Called by either SDK transport on 401 and 403, with what the server answered and the Authorization
     * header the request carried; returning true makes it retry the request.
     */
    private synchronized boolean onAuthorizationError(int status, List<String> wwwAuthenticate,
            Optional<String> sentAuthorization) {
        Optional<BearerChallenge> challenge = BearerChallenge.from(wwwAuthenticate);
        String sentToken = sentAuthorization.map(v -> v.replaceFirst("(?i)^Bearer ", "")).orElse(null);
        if (tokens != null && !tokens.accessToken().equals(sentToken)) {
            return true; // another request already got a (newer) token: retry with it
        }
        if (status == 401) {
            listener.onStep("MCP server answered 401" + challenge.map(c -> " with " + describe(c)).orElse(" without a Bearer challenge"));
            if (sentToken != null && authorizedAt != null && clock.instant().isBefore(authorizedAt.plus(REFRESH_MARGIN))
                    && !authorizationServerChanged(challenge)) {
                throw new McpAuthorizationException("The MCP server rejected a token it was issued moments ago ("
                        + challenge.flatMap(BearerChallenge::error).orElse("no error code") + "): its issuer or audience"
                        + " settings do not match the authorization server's tokens; signing in again would not help");
            }
            if (sentToken != null && tokens != null && tokens.refreshToken() != null && !justRefreshed() && refresh()) {
                return true;
            }
            // SEP-2350: a new authorization keeps the scopes already granted.
            authorize(challenge, tokens == null ? Set.of() : tokens.scopes());
            return true;
        }
        if (status == 403 && challenge.map(BearerChallenge::isInsufficientScope).orElse(false)) {
            Set<String> required = scopes(challenge.get().scope().orElse(""));
            listener.onStep("MCP server answered 403 insufficient_scope, needs \"" + String.join(" ", required) + "\"");
            return stepUp(challenge.get(), required, sentToken);
        }
        return false;
    }
    // end::authorization-error-handler[]

    // tag::step-up[]
    /** MCP "Step-Up Authorization Flow": re-authorize for the union of granted and required scopes. */
    private boolean stepUp(BearerChallenge challenge, Set<String> required, String sentToken) {
        Set<String> granted = tokens == null ? Set.of() : tokens.scopes();
        Set<String> wanted = new LinkedHashSet<>(granted);
        wanted.addAll(required);
        if (required.isEmpty() || wanted.equals(lastStepUpScopes) && Objects.equals(sentToken, lastStepUpToken)) {
            listener.onStep("  -> the token from asking for \"" + String.join(" ", wanted)
                    + "\" was refused again; giving up (retry limit)");
            return false;
        }
        authorize(Optional.of(challenge), wanted);
        lastStepUpScopes = wanted;
        lastStepUpToken = tokens.accessToken();
        return true;
    }
    // end::step-up[]

    /**
     * The server now names another authorization server (a migration, MCP 2026-07-28): the next
     * authorization registers there; credentials from the old one are never presented to it (an agent's or
     * an enterprise client's are presented only to the issuer they are bound to).
     */
    private boolean authorizationServerChanged(Optional<BearerChallenge> challenge) {
        URI named = resourceDiscovery.discover(serverUrl, challenge).authorizationServers().get(0);
        boolean changed = !named.toString().equals(tokens.issuer());
        if (changed) {
            listener.onStep("  -> the server now names the authorization server " + named + " instead of " + tokens.issuer());
        }
        return changed;
    }

    /** A token refreshed moments ago and already rejected: another refresh will not help, the user must authorize. */
    private boolean justRefreshed() {
        return refreshedAt != null && clock.instant().isBefore(refreshedAt.plus(REFRESH_MARGIN));
    }

    private boolean refresh() {
        TokenSet current = tokens;
        try {
            AuthorizationServerMetadata as = serverFor(URI.create(current.issuer()));
            TokenSet refreshed = tokenEndpoint.refresh(as, registrar.clientFor(as), current);
            save(refreshed);
            refreshedAt = clock.instant();
            authorizedAt = null;
            listener.onStep("  -> refreshed; the old refresh token is now spent (rotation)");
            return true;
        } catch (TokenEndpointException e) {
            listener.onRefreshError(e);
            if (!"invalid_grant".equals(e.errorCode()) && !"invalid_client".equals(e.errorCode())) {
                throw e;
            }
            listener.onStep("  -> refresh refused (" + e.errorCode() + "); a new authorization is needed");
            forgetRefusedClient(e, current.issuer());
            tokens = null;
            store.removeTokens(storeKey);
            return false;
        } catch (McpAuthorizationException e) {
            // Unreachable or failing server: keep the refresh token, it is still good once the server is back.
            listener.onRefreshError(e);
            throw e;
        }
    }

    private void authorize(Optional<BearerChallenge> challenge, Set<String> stepUpScopes) {
        ProtectedResourceMetadata resource = resourceDiscovery.discover(serverUrl, challenge);
        URI issuer = resource.authorizationServers().get(0);
        if (withoutBrowser()) {
            requireCredentialsFor(issuer);
        }
        AuthorizationServerMetadata as = serverFor(issuer);
        // MCP "Scope Selection Strategy": the challenge's scope, else scopes_supported, else none.
        Scope scope = !stepUpScopes.isEmpty() ? new Scope(stepUpScopes.toArray(String[]::new))
                : challenge.flatMap(BearerChallenge::scope).or(resource::scopesSupported).map(Scope::parse).orElse(null);
        if (clientCredentials != null || enterprise != null) {
            authorizeWithoutBrowser(as, resource, scope, stepUpScopes);
            return;
        }
        RegisteredClient client = registrar.clientFor(as);
        TokenSet obtained;
        try {
            obtained = pkce.authorize(as, client, resource.resource(), scope, userAgent);
        } catch (TokenEndpointException e) {
            forgetRefusedClient(e, client.issuer());
            throw e;
        }
        save(obtained);
        refreshedAt = null;
        authorizedAt = clock.instant();
    }

    // tag::agent[]
    /**
     * A token without a browser: an agent's client credentials grant, or, for Enterprise-Managed
     * Authorization, an ID-JAG from the enterprise IdP traded by the JWT bearer grant. When a step-up
     * asks for scopes the authorization server refuses ({@code invalid_scope}, Keycloak) or leaves out of
     * the token (servers that grant less), this client is not allowed them (a tool for users only, say):
     * an error to report, not a reason to ask again.
     */
    private void authorizeWithoutBrowser(AuthorizationServerMetadata as, ProtectedResourceMetadata resource, Scope scope,
            Set<String> stepUpScopes) {
        ClientCredentials credentials = clientCredentials != null ? clientCredentials : enterprise.atTheAuthorizationServer();
        TokenSet obtained;
        try {
            if (clientCredentials != null) {
                obtained = tokenEndpoint.clientCredentials(as, clientCredentials, resource.resource(), scope);
            } else {
                AuthorizationServerMetadata idp = serversByIssuer.computeIfAbsent("idp " + enterprise.idpIssuer(),
                        i -> serverDiscovery.discoverForTokenEndpointOnly(enterprise.idpIssuer()));
                String idJag = tokenEndpoint.requestJwtAuthorizationGrant(idp, enterprise, as, resource.resource(), scope);
                obtained = tokenEndpoint.exchangeJwtBearerGrant(as, credentials, idJag, resource.resource(), scope);
            }
        } catch (TokenEndpointException e) {
            if (!stepUpScopes.isEmpty() && "invalid_scope".equals(e.errorCode())) {
                throw new McpAuthorizationException("The authorization server refused the client "
                        + credentials.clientId() + " the scope \"" + String.join(" ", stepUpScopes)
                        + "\" this request needs: the client is not allowed it (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        save(obtained);
        refreshedAt = null;
        authorizedAt = clock.instant();
        if (!obtained.scopes().containsAll(stepUpScopes)) {
            Set<String> missing = new LinkedHashSet<>(stepUpScopes);
            missing.removeAll(obtained.scopes());
            throw new McpAuthorizationException("The authorization server did not grant the client "
                    + credentials.clientId() + " the scope \"" + String.join(" ", missing) + "\" this request needs"
                    + " (granted: \"" + obtained.scope() + "\"): the client is not allowed it");
        }
    }

    /**
     * An agent's or an enterprise client's credentials go only to the authorization server they were
     * registered with: a server naming another one (anyone can run an MCP server whose metadata names an
     * authorization server of their own) gets nothing, not even a token exchange at the enterprise IdP for it.
     */
    private void requireCredentialsFor(URI issuer) {
        ClientCredentials credentials = clientCredentials != null ? clientCredentials : enterprise.atTheAuthorizationServer();
        if (!credentials.appliesTo(issuer.toString())) {
            throw new McpAuthorizationException("The MCP server names the authorization server " + issuer + ", but the"
                    + " credentials of " + credentials.clientId() + " are registered with " + credentials.issuer().orElseThrow()
                    + ": not presented to it (credentials are bound to the issuer that registered them)");
        }
    }

    /** An agent, or Enterprise-Managed Authorization: tokens come without a browser, so they are renewed before expiry. */
    private boolean withoutBrowser() {
        return clientCredentials != null || enterprise != null;
    }

    /** How long before expiry a token obtained without a browser is renewed: {@link #REFRESH_MARGIN}, or half of a shorter lifetime. */
    private Duration renewalMargin() {
        if (authorizedAt == null || tokens.expiresAt() == null) {
            return REFRESH_MARGIN;
        }
        Duration half = Duration.between(authorizedAt, tokens.expiresAt()).dividedBy(2);
        return half.compareTo(REFRESH_MARGIN) < 0 ? half : REFRESH_MARGIN;
    }
    // end::agent[]

    /** {@code invalid_client} for a dynamically registered client: the server forgot it, register again next time. */
    private void forgetRefusedClient(TokenEndpointException e, String issuer) {
        if ("invalid_client".equals(e.errorCode())
                && store.loadClient(issuer).map(c -> "DCR".equals(c.how())).orElse(false)) {
            store.removeClient(issuer);
        }
    }

    /** Server-supplied text (issuers, scopes, challenge parameters) never reaches a log or terminal raw. */
    private static McpOAuthListener printableSteps(McpOAuthListener listener) {
        return new McpOAuthListener() {
            @Override
            public void onStep(String description) {
                listener.onStep(McpAuthorizationException.printable(description));
            }

            @Override
            public void onTokens(TokenSet tokens) {
                listener.onTokens(tokens);
            }

            @Override
            public void onRefreshError(McpAuthorizationException error) {
                listener.onRefreshError(error);
            }
        };
    }

    private void save(TokenSet newTokens) {
        tokens = newTokens;
        store.saveTokens(storeKey, newTokens);
        listener.onTokens(newTokens);
    }

    private AuthorizationServerMetadata serverFor(URI issuer) {
        // Without a browser there is no authorization code flow: no authorization endpoint or PKCE needed.
        return serversByIssuer.computeIfAbsent(issuer.toString(), i -> withoutBrowser()
                ? serverDiscovery.discoverForTokenEndpointOnly(issuer) : serverDiscovery.discover(issuer));
    }

    private static Set<String> scopes(String scope) {
        Set<String> set = new LinkedHashSet<>();
        for (String s : scope.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                set.add(s);
            }
        }
        return set;
    }

    private static String describe(BearerChallenge c) {
        return "WWW-Authenticate: Bearer " + c.parameters().entrySet().stream()
                .filter(e -> !e.getKey().equals("error_description"))
                .map(e -> e.getKey() + "=\"" + e.getValue() + "\"").reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    public static final class Builder {
        private final String serverUrl;
        private TokenStore store = new InMemoryTokenStore();
        private AuthorizationUserAgent userAgent = new SystemBrowserUserAgent();
        private McpOAuthListener listener = McpOAuthListener.NONE;
        private Clock clock = Clock.systemUTC();
        private String clientName = "MCP OAuth Cookbook client";
        private PreRegisteredClient preRegistered;
        private URI clientIdMetadataDocument;
        private boolean publicAddressesOnly;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Revision revision;
        private ClientCredentials clientCredentials;
        private EnterpriseAuthorization enterprise;

        private Builder(String serverUrl) {
            this.serverUrl = Objects.requireNonNull(serverUrl, "serverUrl");
        }

        public Builder tokenStore(TokenStore store) {
            this.store = Objects.requireNonNull(store);
            return this;
        }

        public Builder userAgent(AuthorizationUserAgent userAgent) {
            this.userAgent = Objects.requireNonNull(userAgent);
            return this;
        }

        public Builder listener(McpOAuthListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder clientName(String clientName) {
            this.clientName = Objects.requireNonNull(clientName);
            return this;
        }

        public Builder preRegistered(PreRegisteredClient preRegistered) {
            this.preRegistered = preRegistered;
            return this;
        }

        /** The https URL of this client's metadata document (CIMD); the client_id where supported. */
        public Builder clientIdMetadataDocument(String url) {
            URI uri = SafeUrl.check(url, "client ID metadata document URL");
            if (!"https".equalsIgnoreCase(uri.getScheme()) && !SafeUrl.isLoopback(uri.getHost())
                    || uri.getRawPath() == null || uri.getRawPath().length() <= 1) {
                throw new IllegalArgumentException("A client ID metadata document URL must be https (http only on loopback, for development) with a path");
            }
            this.clientIdMetadataDocument = uri;
            return this;
        }

        /**
         * For a client that runs on a server: discovery, registration and token requests go only to
         * public addresses (no loopback, private, link-local or cloud-metadata addresses).
         */
        public Builder publicAddressesOnly() {
            this.publicAddressesOnly = true;
            return this;
        }

        /**
         * The MCP request timeout used by {@link #connect()} (6 minutes by default; on 2026-07-28 the round timeout). A sign-in or step-up
         * runs inside the request that needed it, so keep it longer than your user agent waits for a person.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout);
            return this;
        }

        /**
         * Speak only this revision, without trying the newer one first: for a server known to speak it.
         * {@link #connect()} then fails rather than fall back.
         */
        public Builder revision(Revision revision) {
            this.revision = Objects.requireNonNull(revision);
            return this;
        }

        /**
         * An agent with no user (MCP extension "OAuth Client Credentials"): tokens from the client
         * credentials grant with these pre-registered credentials, never a browser or a registration.
         */
        public Builder clientCredentials(ClientCredentials credentials) {
            this.clientCredentials = Objects.requireNonNull(credentials);
            return this;
        }

        /**
         * Enterprise-Managed Authorization: tokens from ID-JAGs the enterprise IdP issues for the user's
         * sign-in, never a browser or a consent screen at the MCP server's authorization server.
         */
        public Builder enterpriseAuthorization(EnterpriseAuthorization enterprise) {
            this.enterprise = Objects.requireNonNull(enterprise);
            return this;
        }

        public McpOAuthClient build() {
            if ((clientCredentials != null || enterprise != null) && (preRegistered != null || clientIdMetadataDocument != null)) {
                throw new IllegalStateException("An agent or an enterprise client authenticates with its own credentials"
                        + " only: no pre-registered public client or client ID metadata document besides");
            }
            if (clientCredentials != null && enterprise != null) {
                throw new IllegalStateException("Either an agent (client credentials) or Enterprise-Managed Authorization, not both");
            }
            return new McpOAuthClient(this);
        }
    }
}
