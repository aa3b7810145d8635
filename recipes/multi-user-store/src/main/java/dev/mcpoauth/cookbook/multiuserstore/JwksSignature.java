package dev.mcpoauth.cookbook.multiuserstore;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import jakarta.inject.Singleton;
import java.net.MalformedURLException;
import java.security.Key;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies access-token signatures against the authorization server's JWKS: RS256 only (RFC 8725
 * section 3.1: the algorithm is fixed here, never taken from the token), keys cached, an unknown
 * {@code kid} refetching the set at most once per 10 s, the last good keys kept while the
 * authorization server is down. Micronaut Security's JWT validator asks every
 * {@link SignatureConfiguration} bean; this is the only one.
 *
 * <p>Micronaut Security has its own JWKS support ({@code micronaut.security.token.jwt.signatures.jwks}),
 * but in 4.15.1 it refreshes keys on a timer rather than on an unknown {@code kid}, keeps no last
 * good keys through an outage, and at DEBUG logs every token it verifies. Nimbus'
 * {@link JWKSourceBuilder}, which Micronaut Security already depends on, does what this server needs.
 */
// tag::jwks[]
@Singleton
final class JwksSignature implements SignatureConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(JwksSignature.class);
    /** RFC 8725 section 3.11 explicit typing: plain JWTs and RFC 9068 access tokens; no typ is accepted too. */
    private static final Set<JOSEObjectType> ACCEPTED_TYPES = Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"));

    private final JWSVerificationKeySelector<SecurityContext> keySelector;

    JwksSignature(McpConfiguration mcp) throws MalformedURLException {
        JWKSource<SecurityContext> cachedKeys = JWKSourceBuilder.create(mcp.jwksUri().toURL())
                .cache(5 * 60_000, 15_000)     // keys cached 5 min; a fetch may take 15 s
                .rateLimited(10_000)           // an unknown kid refetches the JWKS at most once per 10 s
                .outageTolerant(24 * 3600_000) // authorization server down: keep the last good keys
                .build();
        // Inside the rate-limit window an unknown kid simply has no key: 401 invalid_token, not a server error.
        JWKSource<SecurityContext> keys = (selector, context) -> {
            try {
                return cachedKeys.get(selector, context);
            } catch (RateLimitReachedException refetchTooSoon) {
                return List.of();
            }
        };
        this.keySelector = new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys);
    }

    @Override
    public boolean supports(JWSAlgorithm algorithm) {
        return JWSAlgorithm.RS256.equals(algorithm);
    }

    @Override
    public String supportedAlgorithmsMessage() {
        return "Only the RS256 algorithm is supported";
    }

    @Override
    public boolean verify(SignedJWT jwt) throws JOSEException {
        JWSHeader header = jwt.getHeader();
        boolean acceptedType = header.getType() == null || ACCEPTED_TYPES.contains(header.getType());
        if (!supports(header.getAlgorithm()) || !acceptedType) {
            return false;
        }
        for (Key key : candidateKeys(header)) {
            if (key instanceof RSAPublicKey publicKey && jwt.verify(new RSASSAVerifier(publicKey))) {
                return true;
            }
        }
        return false;
    }

    private List<? extends Key> candidateKeys(JWSHeader header) {
        try {
            return keySelector.selectJWSKeys(header, null);
        } catch (KeySourceException keysUnavailable) {
            // No cached key matches and the JWKS cannot be fetched: nothing to verify with.
            LOG.warn("JWKS unavailable: {}", keysUnavailable.getMessage());
            return List.of();
        }
    }
}
// end::jwks[]
