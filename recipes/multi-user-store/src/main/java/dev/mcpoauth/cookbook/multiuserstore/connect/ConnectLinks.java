package dev.mcpoauth.cookbook.multiuserstore.connect;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.AuthenticatedUser;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.upstream.UpstreamConfiguration;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Issues connect links: a URL on this server, for one user, single use, short-lived. */
@Singleton
public final class ConnectLinks {

    private final PendingAuthorizations pending;
    private final UpstreamConfiguration upstream;
    private final URI base;

    ConnectLinks(PendingAuthorizations pending, UpstreamConfiguration upstream, McpConfiguration mcp) {
        this.pending = pending;
        this.upstream = upstream;
        this.base = mcp.resource().resolve("/connect/" + upstream.name());
    }

    /** A fresh link for this user to connect their upstream account. */
    public URI issue(AuthenticatedUser user) {
        String requestId = pending.issue(user.subject(), user.account(), upstream.name(), upstream.connectLinkLifetime());
        return URI.create(base + "?request=" + URLEncoder.encode(requestId, StandardCharsets.UTF_8));
    }
}
