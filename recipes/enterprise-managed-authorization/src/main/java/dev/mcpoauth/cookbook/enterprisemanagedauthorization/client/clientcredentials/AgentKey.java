package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.clientcredentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * An agent's signing key for {@link PrivateKeyJwt}: an EC P-256 key pair whose key id is its RFC 7638
 * thumbprint. The private half stays with the agent (a file only its user can read, or a secret
 * store); the public half is what the authorization server registers, best as a JWKS the agent
 * publishes at a URL (Keycloak: {@code jwks.url}), so a key rotation is publishing the new key next to
 * the old one, switching, then removing the old one, without touching the authorization server.
 */
public final class AgentKey {

    private final ECKey key;

    private AgentKey(ECKey key) {
        if (!key.isPrivate()) {
            throw new IllegalArgumentException("An agent key needs its private half");
        }
        this.key = key;
    }

    /** A new P-256 key pair for ES256, its key id the thumbprint. */
    public static AgentKey generate() {
        try {
            return new AgentKey(new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException("This JVM cannot generate EC P-256 keys", e);
        }
    }

    /** A key saved by {@link #save(Path)}: a private JWK in a file no one else may read. */
    public static AgentKey load(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")
                && !PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).endsWith("------")) {
            throw new IOException(file + " is readable or writable by others than its owner: refusing to use it as a key");
        }
        JWK jwk;
        try {
            jwk = JWK.parse(Files.readString(file));
        } catch (java.text.ParseException e) {
            throw new IOException(file + " is not a JWK", e);
        }
        if (!(jwk instanceof ECKey ec) || !ec.isPrivate() || !Curve.P_256.equals(ec.getCurve())) {
            throw new IOException(file + " is not an EC P-256 private JWK");
        }
        return new AgentKey(ec);
    }

    /** Writes the private JWK to a new file only its owner can read (where the file system has POSIX permissions). */
    public void save(Path file) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an agent key");
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, key.toJSONString());
    }

    /** The key id: the RFC 7638 thumbprint of the public key. */
    public String keyId() {
        return key.getKeyID();
    }

    /** The JWKS to publish (public half only). */
    public String publicJwks() {
        return new JWKSet(key.toPublicJWK()).toString(true);
    }

    /** The credentials of the agent registered as {@code clientId} with this key at the authorization server {@code issuer}. */
    public ClientCredentials credentials(String issuer, String clientId) {
        try {
            return ClientCredentials.privateKeyJwt(issuer, clientId, key.toPrivateKey(), key.getKeyID());
        } catch (JOSEException e) {
            throw new IllegalStateException("Unusable agent key", e);
        }
    }

    /** A PKCS#8 PEM private key ({@code -----BEGIN PRIVATE KEY-----}), EC or RSA, as key stores and CLIs export it. */
    public static PrivateKey fromPkcs8Pem(String pem) {
        Objects.requireNonNull(pem, "pem");
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Not a PKCS#8 PEM private key", e);
        }
        for (String algorithm : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisAlgorithm) {
                // try the next
            }
        }
        throw new IllegalArgumentException("Not a PKCS#8 EC or RSA private key");
    }

    /** Never the private key. */
    @Override
    public String toString() {
        return "AgentKey[kid=" + keyId() + "]";
    }
}
