package dev.mcpoauth.cookbook.keycloakdcr.clientcredentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.id.Issuer;
import dev.mcpoauth.cookbook.keycloakdcr.http.McpAuthorizationException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an agent's client assertion says, and how its key is kept: no Keycloak needed. */
class PrivateKeyJwtTest {

    private static final String CLIENT = "mcp-agent-jwt";
    private static final String ISSUER = "https://as.example/realms/mcp";

    private static AuthorizationServerMetadata server() {
        AuthorizationServerMetadata as = new AuthorizationServerMetadata(new Issuer(ISSUER));
        as.setTokenEndpointURI(URI.create("https://as.example/realms/mcp/protocol/openid-connect/token"));
        return as;
    }

    private static SignedJWT assertion(ClientCredentials credentials, AuthorizationServerMetadata as) {
        return ((PrivateKeyJWT) credentials.authenticationFor(as)).getClientAssertion();
    }

    @Test
    void theAssertionNamesTheAgentAndIsAddressedToTheIssuerNotTheTokenEndpoint() throws Exception {
        AgentKey key = AgentKey.generate();
        SignedJWT jwt = assertion(key.credentials(ISSUER, CLIENT), server());
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(CLIENT);
        assertThat(claims.getSubject()).isEqualTo(CLIENT);
        assertThat(claims.getAudience()).containsExactly("https://as.example/realms/mcp");
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.keyId());
        ECKey published = (ECKey) JWKSet.parse(key.publicJwks()).getKeyByKeyId(key.keyId());
        assertThat(jwt.verify(new ECDSAVerifier(published))).isTrue();
    }

    @Test
    void eachAssertionIsNewAndExpiresWithinAMinute() throws Exception {
        ClientCredentials credentials = AgentKey.generate().credentials(ISSUER, CLIENT);
        JWTClaimsSet first = assertion(credentials, server()).getJWTClaimsSet();
        JWTClaimsSet second = assertion(credentials, server()).getJWTClaimsSet();
        assertThat(first.getJWTID()).isNotBlank().isNotEqualTo(second.getJWTID());
        assertThat(first.getIssueTime()).isNotNull();
        assertThat(Duration.between(Instant.now(), first.getExpirationTime().toInstant())).isLessThanOrEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void anAlgorithmTheServerDoesNotListIsRefusedBeforeSigning() {
        AuthorizationServerMetadata as = server();
        as.setTokenEndpointJWSAlgs(List.of(JWSAlgorithm.RS256));
        assertThatThrownBy(() -> AgentKey.generate().credentials(ISSUER, CLIENT).authenticationFor(as))
                .isInstanceOf(McpAuthorizationException.class)
                .hasMessageContaining("accepts client assertions signed with [RS256], not ES256");
    }

    @Test
    void aPkcs8PemKeyFromTheOutsideWorldSignsToo() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        PrivateKey key = generator.generateKeyPair().getPrivate();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ClientCredentials credentials = ClientCredentials.privateKeyJwt(ISSUER, CLIENT, AgentKey.fromPkcs8Pem(pem), null);
        assertThat(assertion(credentials, server()).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThatThrownBy(() -> AgentKey.fromPkcs8Pem("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSavedKeyIsReadableByItsOwnerOnlyAndNeverOverwritten(@TempDir Path dir) throws Exception {
        AgentKey key = AgentKey.generate();
        Path file = dir.resolve("agent-key.json");
        key.save(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(AgentKey.load(file).keyId()).isEqualTo(key.keyId());
        assertThatThrownBy(() -> AgentKey.generate().save(file)).hasMessageContaining("refusing to overwrite");
        assertThat(key.publicJwks()).doesNotContain("\"d\"");
    }

    @Test
    void credentialsApplyOnlyToTheIssuerTheyAreBoundTo() {
        ClientCredentials bound = ClientCredentials.clientSecretBasic(ISSUER, CLIENT, "s3cret-value");
        assertThat(bound.appliesTo(ISSUER)).isTrue();
        assertThat(bound.appliesTo(ISSUER + "/")).as("compared exactly").isFalse();
        assertThat(bound.appliesTo("https://attacker.example")).isFalse();
        assertThat(ClientCredentials.clientSecretBasicForAnyIssuer(CLIENT, "s3cret-value").appliesTo("https://attacker.example")).isTrue();
    }

    @Test
    void aKeyOnAnotherCurveThanP256IsRefusedUpFront() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        PrivateKey p384 = generator.generateKeyPair().getPrivate();
        assertThatThrownBy(() -> ClientCredentials.privateKeyJwt(ISSUER, CLIENT, p384, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("P-256");
    }

    @Test
    void aKeyFileOthersCanReadOrThatHoldsNoPrivateEcKeyIsRefused(@TempDir Path dir) throws Exception {
        Path open = saved(AgentKey.generate());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> AgentKey.load(open)).hasMessageContaining("readable or writable by others");
        Path publicOnly = Files.createFile(dir.resolve("public.json"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(publicOnly, ECKey.parse(JWKSet.parse(AgentKey.generate().publicJwks()).getKeys().get(0).toJSONString())
                .toJSONString());
        assertThatThrownBy(() -> AgentKey.load(publicOnly)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("not an EC P-256 private JWK");
    }

    @Test
    void neitherTheKeyNorTheSecretIsEverPrinted() throws Exception {
        AgentKey key = AgentKey.generate();
        String privatePart = ECKey.parse(Files.readString(saved(key))).getD().toString();
        assertThat(key.toString() + key.credentials(ISSUER, CLIENT)).doesNotContain(privatePart);
        assertThat(ClientCredentials.clientSecretBasic(ISSUER, CLIENT, "s3cret-value").toString()).doesNotContain("s3cret-value");
    }

    private static Path saved(AgentKey key) throws Exception {
        Path dir = Files.createTempDirectory("agent-key");
        Path file = dir.resolve("key.json");
        key.save(file);
        file.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return file;
    }
}
