package dev.mcpoauth.cookbook.multiuserstore.upstream;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.time.Duration;

/**
 * The third-party API the tools act on, and this server's registration at its authorization server
 * ({@code upstream.*} in application.yml). This server is a confidential OAuth client there.
 *
 * @param name                  the key stored rows carry next to the user id ({@code calendar})
 * @param issuer                the upstream authorization server (checked against RFC 9207 {@code iss})
 * @param authorizationEndpoint unset: Keycloak's path under the issuer
 * @param tokenEndpoint         unset: Keycloak's path under the issuer
 * @param revocationEndpoint    RFC 7009; unset: Keycloak's path under the issuer
 * @param clientId              this server's client id at the upstream
 * @param clientSecret          its secret (client_secret_basic), from the environment
 * @param scope                 what to ask the user for
 * @param apiUrl                the calendar API's base URL
 * @param refreshSkew           refresh this long before {@code expires_in} runs out (clock skew, slow networks)
 * @param httpTimeout           connect and read timeout of every upstream call
 * @param maxAttempts           tries per upstream call on network errors and 5xx (never on {@code invalid_grant})
 * @param initialBackoff        first retry delay; doubles per try, with full jitter
 * @param maxBackoff            cap on one retry delay
 * @param connectLinkLifetime   how long a connect link stays usable
 * @param authorizationResponseIssParameterSupported the upstream puts {@code iss} in its authorization responses
 *                              (RFC 9207 section 3, the metadata field of that name): then a response without it is
 *                              refused (section 2.4); set false only for one that never sends it
 */
@ConfigurationProperties("upstream")
public record UpstreamConfiguration(
        String name,
        URI issuer,
        @Nullable URI authorizationEndpoint,
        @Nullable URI tokenEndpoint,
        @Nullable URI revocationEndpoint,
        String clientId,
        String clientSecret,
        String scope,
        URI apiUrl,
        Duration refreshSkew,
        Duration httpTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration connectLinkLifetime,
        boolean authorizationResponseIssParameterSupported) {

    public UpstreamConfiguration {
        if (authorizationEndpoint == null) {
            authorizationEndpoint = URI.create(issuer + "/protocol/openid-connect/auth");
        }
        if (tokenEndpoint == null) {
            tokenEndpoint = URI.create(issuer + "/protocol/openid-connect/token");
        }
        if (revocationEndpoint == null) {
            revocationEndpoint = URI.create(issuer + "/protocol/openid-connect/revoke");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("upstream.max-attempts must be at least 1");
        }
    }

    @Override
    public String toString() {
        return "UpstreamConfiguration[name=" + name + ", issuer=" + issuer + ", clientId=" + clientId + ", clientSecret=<hidden>]";
    }
}
