package dev.mcpoauth.cookbook.multiuserstore;

import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Issues connect links: a URL on this server, for one user, single use, short-lived. */
@Singleton
final class ConnectLinks {

    private final PendingAuthorizations pending;
    private final UpstreamConfiguration upstream;
    private final URI base;

    ConnectLinks(PendingAuthorizations pending, UpstreamConfiguration upstream, McpConfiguration mcp) {
        this.pending = pending;
        this.upstream = upstream;
        this.base = mcp.resource().resolve("/connect/" + upstream.name());
    }

    URI issue(AuthenticatedUser user) {
        String requestId = pending.issue(user.subject(), user.account(), upstream.name(), upstream.connectLinkLifetime());
        return URI.create(base + "?request=" + URLEncoder.encode(requestId, StandardCharsets.UTF_8));
    }
}
