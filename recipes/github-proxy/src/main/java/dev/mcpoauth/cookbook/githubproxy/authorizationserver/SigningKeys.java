package dev.mcpoauth.cookbook.githubproxy.authorizationserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.mcpoauth.cookbook.githubproxy.TokenCipher;
import java.text.ParseException;
import java.util.List;
import java.util.UUID;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The key the proxy signs its access tokens with, kept in the database (encrypted) so that a
 * restart, or a second instance, keeps accepting tokens already issued. Spring Boot's default is a
 * fresh random key per start, which silently invalidates every live token on each deploy.
 */
@Configuration
class SigningKeys {

    private static final String KEY_NAME = "token-signing-key";

    @Bean
    JWKSource<SecurityContext> jwkSource(JdbcTemplate jdbc, TokenCipher cipher) {
        return new ImmutableJWKSet<>(new JWKSet(loadOrCreate(jdbc, cipher)));
    }

    static RSAKey loadOrCreate(JdbcTemplate jdbc, TokenCipher cipher) {
        RSAKey existing = load(jdbc, cipher);
        if (existing != null) {
            return existing;
        }
        try {
            RSAKey created = new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).keyID(UUID.randomUUID().toString()).generate();
            jdbc.update("INSERT INTO proxy_signing_key (name, jwk) VALUES (?, ?)",
                    KEY_NAME, cipher.encrypt(created.toJSONString(), KEY_NAME));
            return created;
        } catch (DuplicateKeyException anotherInstanceWasFaster) {
            return load(jdbc, cipher);
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not generate the RSA signing key", e);
        }
    }

    private static RSAKey load(JdbcTemplate jdbc, TokenCipher cipher) {
        List<byte[]> rows = jdbc.query("SELECT jwk FROM proxy_signing_key WHERE name = ?",
                (row, i) -> row.getBytes("jwk"), KEY_NAME);
        if (rows.isEmpty()) {
            return null;
        }
        try {
            return RSAKey.parse(cipher.decrypt(rows.get(0), KEY_NAME));
        } catch (ParseException e) {
            throw new IllegalStateException("The stored signing key is not a valid JWK");
        }
    }
}
