package dev.mcpoauth.cookbook.tokengateway.backends;

import com.nimbusds.jwt.JWTClaimsSet;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * The user a backend serves, from the exchanged token the gateway sent: the same {@code sub} as the
 * client's token, but {@code azp} is the gateway and the scopes are the ones the policy allowed.
 */
public record BackendUser(String subject, String username, String clientId, List<String> scopes) {

    private static final String KEY = BackendUser.class.getName();

    static BackendUser from(JWTClaimsSet claims) throws ParseException {
        String scope = claims.getStringClaim("scope");
        return new BackendUser(claims.getSubject(), claims.getStringClaim("preferred_username"),
                claims.getStringClaim("azp"), scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split(" +")));
    }

    void attachTo(HttpServletRequest request) {
        request.setAttribute(KEY, this);
    }

    static McpTransportContext toTransportContext(HttpServletRequest request) {
        return request.getAttribute(KEY) instanceof BackendUser user
                ? McpTransportContext.create(Map.of(KEY, user))
                : McpTransportContext.EMPTY;
    }

    static BackendUser of(McpSyncServerExchange exchange) {
        return of(exchange.transportContext());
    }

    /** The user in a request's transport context, whichever protocol revision the request speaks. */
    static BackendUser of(McpTransportContext context) {
        if (context.get(KEY) instanceof BackendUser user) {
            return user;
        }
        throw new IllegalStateException("No authenticated user in the MCP request context");
    }
}
