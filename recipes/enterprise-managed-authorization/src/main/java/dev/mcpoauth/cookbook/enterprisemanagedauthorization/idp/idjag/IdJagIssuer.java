package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.idjag;

import dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp.EnterpriseIdpProperties;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Component;

/**
 * Signs an ID-JAG (draft-ietf-oauth-identity-assertion-authz-grant §3) with the IdP's key: {@code typ}
 * {@code oauth-id-jag+jwt}; {@code iss} this IdP; {@code sub} the user as in their ID token; {@code aud} the MCP
 * server's authorization server; {@code client_id} the client's id there; {@code resource} the MCP server;
 * {@code scope}; a fresh {@code jti} (the authorization server refuses a replay); a lifetime of minutes.
 */
@Component
public class IdJagIssuer {

    static final String TYPE = "oauth-id-jag+jwt";

    private final JwtEncoder encoder;
    private final URI issuer;
    private final Duration lifetime;
    private final Clock clock;

    public IdJagIssuer(JwtEncoder encoder, EnterpriseIdpProperties properties, Clock clock) {
        this.encoder = encoder;
        this.issuer = properties.issuer();
        this.lifetime = properties.idJagLifetime();
        this.clock = clock;
    }

    /** A signed ID-JAG and its {@code jti}, for the audit log. */
    public record IdJag(String value, String jti, Instant issuedAt, Instant expiresAt) {
        @Override
        public String toString() {
            return "IdJag[jti=" + jti + "]";
        }
    }

    public IdJag issue(String user, URI audience, String clientIdThere, URI resource, Set<String> scopes,
            Instant authTime) {
        Instant now = clock.instant();
        String jti = UUID.randomUUID().toString();
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                .issuer(issuer.toString())
                .subject(user)
                .audience(List.of(audience.toString()))
                .claim("client_id", clientIdThere)
                .claim("resource", resource.toString())
                .id(jti)
                .issuedAt(now)
                .expiresAt(now.plus(lifetime));
        if (!scopes.isEmpty()) {
            claims.claim("scope", String.join(" ", new TreeSet<>(scopes)));
        }
        if (authTime != null) {
            claims.claim("auth_time", authTime.getEpochSecond());
        }
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).type(TYPE).build();
        String value = encoder.encode(JwtEncoderParameters.from(header, claims.build())).getTokenValue();
        return new IdJag(value, jti, now, now.plus(lifetime));
    }
}
