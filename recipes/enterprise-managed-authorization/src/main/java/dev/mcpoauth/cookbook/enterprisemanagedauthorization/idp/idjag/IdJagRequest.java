package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationGrantAuthenticationToken;

/**
 * A token exchange request (RFC 8693) for an ID-JAG: the user's ID token from this IdP ({@code subject_token}), the
 * authorization server the ID-JAG is for ({@code audience}), the MCP server ({@code resource}) and the scopes asked for.
 * The principal is the client, already authenticated by Spring Authorization Server's client authentication.
 */
public final class IdJagRequest extends OAuth2AuthorizationGrantAuthenticationToken {

    /** RFC 8693 token type of an ID-JAG (draft-ietf-oauth-identity-assertion-authz-grant). */
    public static final String ID_JAG_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id-jag";
    /** RFC 8693 token type of an OpenID Connect ID token. */
    public static final String ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

    private final String subjectToken;
    private final URI audience;
    private final URI resource;
    private final Set<String> scopes;

    IdJagRequest(Authentication client, String subjectToken, URI audience, URI resource, Set<String> scopes) {
        super(AuthorizationGrantType.TOKEN_EXCHANGE, client, Map.of());
        this.subjectToken = subjectToken;
        this.audience = audience;
        this.resource = resource;
        this.scopes = Set.copyOf(scopes);
    }

    /** The ID token; never logged. */
    String subjectToken() {
        return subjectToken;
    }

    URI audience() {
        return audience;
    }

    URI resource() {
        return resource;
    }

    Set<String> scopes() {
        return scopes;
    }
}
