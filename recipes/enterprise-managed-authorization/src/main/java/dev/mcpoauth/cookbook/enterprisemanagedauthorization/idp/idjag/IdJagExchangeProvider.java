package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.AuditLog;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag.IdJagIssuer.IdJag;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy.EnterprisePolicy;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.policy.EnterprisePolicy.Decision;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AccessTokenAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;

/**
 * The ID-JAG exchange at the token endpoint, in Spring Authorization Server's own extension point (an
 * {@link AuthenticationProvider} next to its grants). In order, each refusal with its OAuth error:
 * <ol>
 *   <li>the client authenticated and may use token exchange ({@code invalid_client}, {@code unauthorized_client});</li>
 *   <li>the subject token is an ID token this IdP issued, to this same client, from a sign-in that is still
 *       live and not expired ({@code invalid_grant}): an ID token from elsewhere, stolen from another client
 *       or past its {@code exp} gets nothing;</li>
 *   <li>the user is still in the directory and enabled ({@code invalid_grant}): their current groups count,
 *       not the ones they had at sign-in;</li>
 *   <li>the enterprise's policy ({@code invalid_target}, {@code invalid_scope}).</li>
 * </ol>
 * Each decision is one audit line. Not a bean: Spring Security would then use it, instead of the directory, for
 * the sign-in form too.
 */
public class IdJagExchangeProvider implements AuthenticationProvider {

    /** A group as a Spring Security authority: {@code GROUP_engineering}. */
    public static final String GROUP_PREFIX = "GROUP_";
    private static final OAuth2TokenType ID_TOKEN = new OAuth2TokenType(OidcParameterNames.ID_TOKEN);

    private final OAuth2AuthorizationService signIns;
    private final UserDetailsService directory;
    private final EnterprisePolicy policy;
    private final IdJagIssuer issuer;
    private final AuditLog audit;

    public IdJagExchangeProvider(OAuth2AuthorizationService signIns, UserDetailsService directory, EnterprisePolicy policy,
            IdJagIssuer issuer, AuditLog audit) {
        this.signIns = signIns;
        this.directory = directory;
        this.policy = policy;
        this.issuer = issuer;
        this.audit = audit;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return IdJagRequest.class.isAssignableFrom(authentication);
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        IdJagRequest request = (IdJagRequest) authentication;
        Map<String, String> details = new LinkedHashMap<>();
        details.put("audience", request.audience().toString());
        details.put("resource", request.resource().toString());
        if (!request.scopes().isEmpty()) {
            details.put("requested_scope", String.join(" ", new TreeSet<>(request.scopes())));
        }
        if (!(request.getPrincipal() instanceof OAuth2ClientAuthenticationToken client) || !client.isAuthenticated()
                || client.getRegisteredClient() == null) {
            throw refused(details, OAuth2ErrorCodes.INVALID_CLIENT, "The client is not authenticated");
        }
        RegisteredClient registered = client.getRegisteredClient();
        details.put("client", registered.getClientId());
        if (!registered.getAuthorizationGrantTypes().contains(AuthorizationGrantType.TOKEN_EXCHANGE)) {
            throw refused(details, OAuth2ErrorCodes.UNAUTHORIZED_CLIENT, "The client may not use token exchange");
        }

        OAuth2Authorization signIn = signIns.findByToken(request.subjectToken(), ID_TOKEN);
        if (signIn == null) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT,
                    "The subject_token is not an ID token of a current sign-in at this IdP");
        }
        details.put("user", signIn.getPrincipalName());
        if (!registered.getId().equals(signIn.getRegisteredClientId())) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT, "The ID token was issued to another client");
        }
        OAuth2Authorization.Token<OidcIdToken> idToken = signIn.getToken(OidcIdToken.class);
        if (idToken == null || !idToken.isActive()) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT, "The ID token has expired or was revoked: sign in again");
        }
        // Revoking the sign-in's refresh token (RFC 7009) invalidates its refresh and access tokens, not its ID token:
        // the sign-in is over all the same.
        if (signIn.getRefreshToken() != null && signIn.getRefreshToken().isInvalidated()) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT, "The sign-in was revoked: sign in again");
        }

        UserDetails user;
        try {
            user = directory.loadUserByUsername(signIn.getPrincipalName());
        } catch (UsernameNotFoundException e) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT, "The user is no longer in the directory");
        }
        if (!user.isEnabled() || !user.isAccountNonLocked() || !user.isAccountNonExpired()) {
            throw refused(details, OAuth2ErrorCodes.INVALID_GRANT, "The user's account is disabled");
        }
        List<String> groups = user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith(GROUP_PREFIX)).map(a -> a.substring(GROUP_PREFIX.length())).toList();

        Decision decision = policy.decide(user.getUsername(), groups, registered.getClientId(), request.audience(),
                request.resource(), request.scopes());
        if (!decision.allowed()) {
            throw refused(details, decision.error(), decision.reason());
        }
        Instant authTime = idToken.getToken().getAuthenticatedAt();
        IdJag idJag = issuer.issue(user.getUsername(), request.audience(), decision.clientIdThere(), request.resource(),
                decision.scopes(), authTime);
        details.put("server", decision.server());
        details.put("client_id_there", decision.clientIdThere());
        details.put("scope", String.join(" ", decision.scopes()));
        details.put("jti", idJag.jti());
        audit.record("id_jag_issued", "ok", details);
        // Spring's token endpoint takes an access token result; the ID-JAG rides in it, marked by its issued_token_type,
        // and IdJagResponseHandler writes it as what it is (token_type N_A).
        OAuth2AccessToken carrier = new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, idJag.value(), idJag.issuedAt(),
                idJag.expiresAt(), decision.scopes());
        return new OAuth2AccessTokenAuthenticationToken(registered, client, carrier, null,
                Map.of(IdJagResponseHandler.ISSUED_TOKEN_TYPE, IdJagRequest.ID_JAG_TOKEN_TYPE));
    }

    private OAuth2AuthenticationException refused(Map<String, String> details, String error, String reason) {
        details.put("reason", reason);
        audit.record("id_jag_refused", error, details);
        return new AuditedRefusal(new OAuth2Error(error, reason, null));
    }

    /** A refusal this provider has already written to the audit log ({@link IdJagRefusalAudit} skips it). */
    static final class AuditedRefusal extends OAuth2AuthenticationException {
        AuditedRefusal(OAuth2Error error) {
            super(error);
        }
    }
}
