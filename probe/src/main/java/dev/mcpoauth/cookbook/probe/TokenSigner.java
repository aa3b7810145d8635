package dev.mcpoauth.cookbook.probe;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;

/**
 * Signs the claims of a forged token. From the command line the probe signs with a key of its own
 * that no server trusts, so an expired or wrong-audience token is refused at the latest for its
 * signature. A test that can make the server trust a key (the test kit's forge) signs with that key,
 * so each token fails for the one reason under test.
 */
@FunctionalInterface
public interface TokenSigner {

    String sign(JWTClaimsSet claims);

    /** RS256 with a fresh key nobody published, under a kid that says so. */
    static TokenSigner untrusted() {
        PrivateKey key;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            key = generator.generateKeyPair().getPrivate();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return claims -> {
            try {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("mcp-oauth-probe-untrusted")
                        .type(JOSEObjectType.JWT).build(), claims);
                jwt.sign(new RSASSASigner(key));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
