package dev.mcpoauth.cookbook.githubproxy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything the proxy is told from outside. Secrets come from the environment and have no
 * default: the proxy refuses to start without them.
 *
 * @param publicUrl          the proxy's public origin (its issuer). Empty: taken from each request,
 *                           honouring {@code X-Forwarded-*} from a trusted reverse proxy only
 * @param tokenEncryptionKey base64 of 32 random bytes: AES-256-GCM key for GitHub tokens and the signing key at rest
 * @param accessTokenLifetime the proxy's own access tokens: short, they are not revocable once out
 * @param refreshTokenLifetime how long a client may stay signed in without seeing the user again
 * @param refreshReuseGrace  a rotated-out refresh token presented again inside this window is refused
 *                           without revoking the grant (two concurrent refreshes of one client)
 * @param scopes             scopes clients may ask for; the first is the base scope every MCP request needs
 * @param allowedOrigins     browser origins allowed to call {@code /mcp}
 * @param maxRegisteredClients a cap on dynamic registrations, so open registration cannot fill the database
 * @param rateLimits         per caller address, on the endpoints anyone can call
 * @param githubApiUrl       GitHub's REST API base ({@code https://api.github.com})
 * @param clientMetadataDocuments Client ID Metadata Documents (client_id is an https URL)
 */
@ConfigurationProperties("proxy")
public record ProxyProperties(
        URI publicUrl,
        String tokenEncryptionKey,
        Duration accessTokenLifetime,
        Duration refreshTokenLifetime,
        Duration refreshReuseGrace,
        List<String> scopes,
        List<String> allowedOrigins,
        int maxRegisteredClients,
        RateLimitSettings rateLimits,
        URI githubApiUrl,
        ClientMetadataDocumentSettings clientMetadataDocuments) {

    /**
     * @param enabled         advertise and accept URL client ids
     * @param allowLoopbackHttp for local demos and tests only: documents on http://127.0.0.1
     * @param maxBytes        a larger document is refused
     * @param timeout         connect plus read budget for one fetch
     * @param cacheFor        how long a fetched document is trusted before it is fetched again
     */
    public record ClientMetadataDocumentSettings(boolean enabled, boolean allowLoopbackHttp, int maxBytes,
            Duration timeout, Duration cacheFor) {
    }

    /**
     * @param registrationsPerHour   dynamic registrations from one address (a real client registers once)
     * @param tokenRequestsPerMinute code redemptions and refreshes from one address
     */
    public record RateLimitSettings(int registrationsPerHour, int tokenRequestsPerMinute) {
    }

    public String baseScope() {
        return scopes.get(0);
    }
}
