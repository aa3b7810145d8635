package dev.mcpoauth.cookbook.enterprisemanagedauthorization.idp;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.text.ParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The key the IdP signs ID tokens and ID-JAGs with (RS256), published at its JWKS URL, which the MCP servers'
 * authorization servers trust. From {@code enterprise-idp.signing-key} (a private RSA JWK; in production from your
 * secret store, rotated by publishing the next key before signing with it); without one, a new key each start.
 */
@Configuration
class SigningKey {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKey.class);

    @Bean
    JWKSource<SecurityContext> jwkSource(EnterpriseIdpProperties properties) {
        return new ImmutableJWKSet<>(new JWKSet(key(properties.signingKey())));
    }

    static RSAKey key(String configured) {
        if (configured == null || configured.isBlank()) {
            LOG.warn("enterprise-idp.signing-key is not set: signing with a new key for this run only");
            try {
                return new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                        .keyIDFromThumbprint(true).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException("Could not generate the RSA signing key", e);
            }
        }
        JWK jwk;
        try {
            jwk = JWK.parse(configured);
        } catch (ParseException e) {
            // The message could quote the key: say only what is wrong.
            throw new IllegalStateException("enterprise-idp.signing-key is not a JWK");
        }
        if (!(jwk instanceof RSAKey rsa) || !rsa.isPrivate() || rsa.size() < 2048) {
            throw new IllegalStateException("enterprise-idp.signing-key must be a private RSA JWK of 2048 bits or more");
        }
        if (rsa.getKeyID() == null) {
            try {
                return new RSAKey.Builder(rsa).keyIDFromThumbprint().build();
            } catch (JOSEException e) {
                throw new IllegalStateException("Could not compute the signing key's thumbprint", e);
            }
        }
        return rsa;
    }
}
