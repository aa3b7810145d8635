package dev.mcpoauth.cookbook.benchmarks;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a resource server spends per request on the token itself: the JWT checks the recipes run
 * (signature with a key from the cached JWKS, iss, aud, exp), the scope check, the metadata lookup.
 * The baseline is parsing the same token without verifying it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TokenValidationBenchmark {

    private static final String ISSUER = "http://localhost:8180/realms/bench";
    private static final String AUDIENCE = "http://localhost:8080/mcp";

    private String rs256Token;
    private String es256Token;
    private DefaultJWTProcessor<SecurityContext> rs256;
    private DefaultJWTProcessor<SecurityContext> es256;
    private final Map<String, String> metadataByPath = Map.of(
            "/.well-known/oauth-protected-resource/mcp", "{\"resource\":\"" + AUDIENCE + "\"}",
            "/.well-known/oauth-protected-resource", "{\"resource\":\"" + AUDIENCE + "\"}");

    @Setup
    public void setUp() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("user")
                .claim("scope", "mcp:tools notes:write").expirationTime(new Date(System.currentTimeMillis() + 3_600_000))
                .build();
        SignedJWT rsaJwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa").type(JOSEObjectType.JWT).build(), claims);
        rsaJwt.sign(new RSASSASigner(rsa));
        SignedJWT ecJwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec").type(JOSEObjectType.JWT).build(), claims);
        ecJwt.sign(new ECDSASigner(ec));
        rs256Token = rsaJwt.serialize();
        es256Token = ecJwt.serialize();
        // The JWKS as the recipes hold it after the first fetch: in memory.
        ImmutableJWKSet<SecurityContext> keys = new ImmutableJWKSet<>(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
        rs256 = processor(JWSAlgorithm.RS256, keys);
        es256 = processor(JWSAlgorithm.ES256, keys);
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSAlgorithm algorithm, ImmutableJWKSet<SecurityContext> keys) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(AUDIENCE,
                new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("exp", "sub")));
        return processor;
    }

    @Benchmark
    public Object parseOnlyBaseline() throws Exception {
        return SignedJWT.parse(rs256Token).getJWTClaimsSet();
    }

    @Benchmark
    public Object verifyRs256() throws Exception {
        return rs256.process(rs256Token, null);
    }

    @Benchmark
    public Object verifyEs256() throws Exception {
        return es256.process(es256Token, null);
    }

    @Benchmark
    public boolean scopeCheck() throws Exception {
        String scope = SignedJWT.parse(rs256Token).getJWTClaimsSet().getStringClaim("scope");
        return List.of(scope.split(" ")).contains("notes:write");
    }

    @Benchmark
    public Object metadataLookup() {
        return metadataByPath.get("/.well-known/oauth-protected-resource/mcp");
    }
}
