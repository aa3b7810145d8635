package dev.mcpoauth.cookbook.testkit.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.mcpoauth.cookbook.probe.ForgedTokens;
import dev.mcpoauth.cookbook.testkit.keycloak.Realm;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Forges access tokens for negative tests.
 *
 * <p>A rejection test proves something only if the token fails for the one reason under test.
 * So the forge registers a key of its own in the realm, as a <em>passive</em> key: Keycloak
 * publishes it in the realm's JWKS but never signs with it. A token signed with it passes the
 * resource server's signature check, and an expired, wrong-issuer or wrong-audience token is then
 * rejected for exactly that claim. {@link #valid} is the control: the same forge, every claim
 * right, must be accepted. The key pair is generated at run time; no private key is committed.
 */
public final class TokenForge {

    private final Realm realm;
    private final RSAPrivateKey trustedKey;
    private final String trustedKid;
    private final String publicKeyPem;
    private final Map<String, JWTClaimsSet> sessionBySubject;

    private TokenForge(Realm realm, RSAPrivateKey trustedKey, String trustedKid, String publicKeyPem,
                       Map<String, JWTClaimsSet> sessionBySubject) {
        this.realm = realm;
        this.trustedKey = trustedKey;
        this.trustedKid = trustedKid;
        this.publicKeyPem = publicKeyPem;
        this.sessionBySubject = sessionBySubject;
    }

    /** Adds a passive signing key to {@code realm} and returns a forge that signs with it. */
    public static TokenForge trustedBy(Realm realm) {
        KeyPair keyPair = newRsaKeyPair();
        RSAPrivateKey privateKey = (RSAPrivateKey) keyPair.getPrivate();
        String kid = realm.server().admin().addRsaKey(realm.name(), privateKey, false, -100);
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keyPair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        return new TokenForge(realm, privateKey, kid, pem, Map.of());
    }

    /** The {@code kid} of the realm-trusted key this forge signs with (to remove the key from the realm, say). */
    public String kid() {
        return trustedKid;
    }

    /**
     * A forge whose tokens for the given subject names carry the user, session and client of a real
     * token ({@code sub}, {@code sid}, {@code azp}, {@code typ}). Keycloak itself then accepts them
     * where it checks the session, as in RFC 8693 token exchange; everything else stays forged.
     */
    public TokenForge withSessionsOf(Map<String, String> realTokenBySubjectName) {
        Map<String, JWTClaimsSet> sessions = new HashMap<>();
        realTokenBySubjectName.forEach((name, token) -> {
            try {
                sessions.put(name, SignedJWT.parse(token).getJWTClaimsSet());
            } catch (ParseException e) {
                throw new IllegalArgumentException("Not a JWT: the token for " + name, e);
            }
        });
        return new TokenForge(realm, trustedKey, trustedKid, publicKeyPem, Map.copyOf(sessions));
    }

    /**
     * Claims of a token Keycloak could have issued to {@code subject} for {@code audience}: right
     * issuer, issued now, valid five minutes. Tests change one claim and sign.
     */
    public JWTClaimsSet.Builder validClaims(String audience, String subject, String scope) {
        JWTClaimsSet session = sessionBySubject.get(subject);
        if (session != null) {
            return forgedClaims(audience, session.getSubject(), scope)
                    .claim("azp", session.getClaim("azp"))
                    .claim("sid", session.getClaim("sid"))
                    .claim("typ", "Bearer");
        }
        return forgedClaims(audience, subject, scope);
    }

    private JWTClaimsSet.Builder forgedClaims(String audience, String subject, String scope) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(realm.issuer().toString())
                .audience(audience)
                .subject(subject)
                .claim("azp", "forged-client")
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(UUID.randomUUID().toString());
    }

    /** Signs with the realm-trusted key (RS256, the realm's kid). */
    public String sign(JWTClaimsSet claims) {
        return sign(claims, trustedKey, trustedKid);
    }

    /** The control: every claim right. A resource server must accept this token. */
    public String valid(String audience, String subject, String scope) {
        return sign(validClaims(audience, subject, scope).build());
    }

    public String expired(String audience, String subject, String scope, Duration ago) {
        Instant now = Instant.now();
        return sign(validClaims(audience, subject, scope)
                .issueTime(Date.from(now.minus(ago).minus(Duration.ofMinutes(5))))
                .notBeforeTime(Date.from(now.minus(ago).minus(Duration.ofMinutes(5))))
                .expirationTime(Date.from(now.minus(ago)))
                .build());
    }

    public String notYetValid(String audience, String subject, String scope, Duration inFuture) {
        Instant now = Instant.now();
        return sign(validClaims(audience, subject, scope)
                .notBeforeTime(Date.from(now.plus(inFuture)))
                .expirationTime(Date.from(now.plus(inFuture).plus(Duration.ofMinutes(5))))
                .build());
    }

    public String withIssuer(String issuer, String audience, String subject, String scope) {
        return sign(validClaims(audience, subject, scope).issuer(issuer).build());
    }

    /** {@code alg: none} (RFC 7519 section 6): no signature at all. The probe's forgery, with this forge's claims. */
    public String unsigned(String audience, String subject, String scope) {
        return ForgedTokens.algNone(validClaims(audience, subject, scope).build());
    }

    /**
     * Key confusion: HS256 with the realm key's public PEM as the HMAC secret. A verifier that lets
     * the token choose its algorithm and feeds "the key" to HMAC would accept it.
     */
    public String hs256WithPublicKey(String audience, String subject, String scope) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(trustedKid)
                    .type(JOSEObjectType.JWT).build(), validClaims(audience, subject, scope).build());
            jwt.sign(new MACSigner(publicKeyPem.getBytes(StandardCharsets.US_ASCII)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A correctly signed token whose payload is then swapped for one with more privileges. */
    public String tampered(String audience, String subject, String scope, String escalatedScope) {
        String[] parts = valid(audience, subject, scope).split("\\.");
        String payload = Base64URL.encode(validClaims(audience, subject, escalatedScope).build().toString()).toString();
        return parts[0] + "." + payload + "." + parts[2];
    }

    /** Signed with a key the realm never published, under a kid nobody knows. */
    public String unknownKid(String audience, String subject, String scope) {
        return sign(validClaims(audience, subject, scope).build(),
                (RSAPrivateKey) newRsaKeyPair().getPrivate(), "unknown-" + UUID.randomUUID());
    }

    private static String sign(JWTClaimsSet claims, RSAPrivateKey key, String kid) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newRsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
