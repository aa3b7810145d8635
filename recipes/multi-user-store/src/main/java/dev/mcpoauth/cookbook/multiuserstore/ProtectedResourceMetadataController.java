package dev.mcpoauth.cookbook.multiuserstore;

import dev.mcpoauth.cookbook.multiuserstore.resourceserver.McpConfiguration;
import dev.mcpoauth.cookbook.multiuserstore.resourceserver.ProtectedResourceMetadata;
import dev.mcpoauth.cookbook.multiuserstore.tools.CalendarTools;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.server.cors.CrossOrigin;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;

/**
 * RFC 9728 metadata, public: at the path-suffixed well-known URL the 401 challenge names
 * (section 3.1) and at the root one for clients that fall back to it. Every value comes from
 * configuration, never from the request, so forwarded or Host headers cannot point clients elsewhere.
 * Browser clients (MCP Inspector) may read it from any origin.
 */
// tag::metadata[]
@Controller("/.well-known/oauth-protected-resource")
@Secured(SecurityRule.IS_ANONYMOUS)
@CrossOrigin(allowedOriginsRegex = ".*", allowedMethods = HttpMethod.GET, allowCredentials = false)
class ProtectedResourceMetadataController {

    static final String RESOURCE_NAME = "MCP OAuth Cookbook: multi-user token store";

    private final ProtectedResourceMetadata metadata;

    ProtectedResourceMetadataController(McpConfiguration mcp) {
        this.metadata = new ProtectedResourceMetadata(
                mcp.resource().toString(),
                List.of(mcp.authorizationServer().toString()),
                CalendarTools.scopesSupported(mcp.requiredScope()),
                List.of("header"),
                RESOURCE_NAME,
                false);
    }

    @Get
    ProtectedResourceMetadata root() {
        return metadata;
    }

    @Get(McpEndpoint.PATH)
    ProtectedResourceMetadata forMcpEndpoint() {
        return metadata;
    }
}
// end::metadata[]
