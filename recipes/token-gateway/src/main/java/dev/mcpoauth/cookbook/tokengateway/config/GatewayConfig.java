package dev.mcpoauth.cookbook.tokengateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the gateway needs to know. {@link #fromEnvironment} reads environment variables with
 * demo defaults matching {@code make run}.
 *
 * @param mcpBaseUrl          the gateway's public URL above its MCP endpoints ({@code http://host/mcp}). Each
 *                            backend is served at {@code <mcpBaseUrl>/<backend>}, and that URL is its own protected
 *                            resource (RFC 9728, RFC 8707): client tokens there must carry exactly it in {@code aud},
 *                            and it is the client id the gateway exchanges those tokens with. The base URL itself
 *                            is no resource
 * @param authorizationServer issuer (RFC 9728 {@code authorization_servers})
 * @param jwksUri             the issuer's signing keys
 * @param tokenEndpoint       where the gateway exchanges tokens (RFC 8693)
 * @param clientSecret        the secret of the gateway's clients at the authorization server (from the environment)
 * @param backends            by name
 * @param policyFile          per-backend scopes and per-tool rules (JSON)
 * @param clockSkew           tolerance on {@code exp}/{@code nbf} of client tokens
 * @param requiredScope       scope every MCP request needs
 * @param allowedOrigins      browser origins allowed to call the gateway
 * @param rateLimit           requests per client id per {@code rateLimitWindow}
 * @param rateLimitWindow     the rate limit's window
 * @param rateLimitDatabase   where several instances count one rate limit; null: each instance counts in memory
 * @param exchangeTimeout     the longest an exchange may take before the request fails with 503
 * @param exchangeRenewBefore an exchanged token is renewed this long before it expires
 * @param bindAddress         interface to listen on (demo default: loopback only)
 * @param listenPort          port to listen on; 0: the port of {@code mcpBaseUrl}. Behind a load balancer
 *                            {@code mcpBaseUrl} is the balancer's public URL and each instance listens on its own
 */
public record GatewayConfig(URI mcpBaseUrl, URI authorizationServer, URI jwksUri, URI tokenEndpoint, String clientSecret,
                            Map<String, Backend> backends, Path policyFile, Duration clockSkew, String requiredScope,
                            List<String> allowedOrigins, int rateLimit, Duration rateLimitWindow,
                            RateLimitDatabase rateLimitDatabase,
                            Duration exchangeTimeout, Duration exchangeRenewBefore, String bindAddress,
                            int listenPort) {

    public GatewayConfig {
        if (clientSecret == null || clientSecret.isBlank()) {
            throw new IllegalArgumentException("The gateway's client secret is missing (GATEWAY_CLIENT_SECRET)");
        }
        backends = Map.copyOf(backends);
    }

    /** One instance: rate limits counted in memory. */
    public GatewayConfig(URI mcpBaseUrl, URI authorizationServer, URI jwksUri, URI tokenEndpoint, String clientSecret,
                         Map<String, Backend> backends, Path policyFile, Duration clockSkew, String requiredScope,
                         List<String> allowedOrigins, int rateLimit, Duration rateLimitWindow,
                         Duration exchangeTimeout, Duration exchangeRenewBefore, String bindAddress) {
        this(mcpBaseUrl, authorizationServer, jwksUri, tokenEndpoint, clientSecret, backends, policyFile, clockSkew,
                requiredScope, allowedOrigins, rateLimit, rateLimitWindow, null, exchangeTimeout, exchangeRenewBefore,
                bindAddress, 0);
    }

    public static GatewayConfig fromEnvironment(Map<String, String> env) {
        String issuer = env.getOrDefault("MCP_AUTHORIZATION_SERVER", "http://localhost:8180/realms/mcp-token-gateway");
        Map<String, Backend> backends = new LinkedHashMap<>();
        // BACKENDS=notes=http://localhost:8091/mcp,calendar=http://localhost:8092/mcp
        for (String entry : env.getOrDefault("BACKENDS",
                "notes=http://localhost:8091/mcp,calendar=http://localhost:8092/mcp").split(",")) {
            String[] nameAndUrl = entry.trim().split("=", 2);
            backends.put(nameAndUrl[0], Backend.at(nameAndUrl[0], URI.create(nameAndUrl[1])));
        }
        return new GatewayConfig(
                URI.create(env.getOrDefault("MCP_BASE_URL", "http://localhost:8090/mcp")),
                URI.create(issuer),
                URI.create(env.getOrDefault("MCP_JWKS_URI", issuer + "/protocol/openid-connect/certs")),
                URI.create(env.getOrDefault("MCP_TOKEN_ENDPOINT", issuer + "/protocol/openid-connect/token")),
                env.get("GATEWAY_CLIENT_SECRET"),
                backends,
                Path.of(env.getOrDefault("GATEWAY_POLICY", "gateway-policy.json")),
                Duration.ofSeconds(60),
                "mcp:tools",
                Arrays.asList(env.getOrDefault("MCP_ALLOWED_ORIGINS", "http://localhost:6274").split(",")),
                Integer.parseInt(env.getOrDefault("RATE_LIMIT_PER_MINUTE", "600")),
                Duration.ofMinutes(1),
                rateLimitDatabase(env),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                env.getOrDefault("BIND_ADDRESS", "127.0.0.1"),
                Integer.parseInt(env.getOrDefault("GATEWAY_PORT", "0")));
    }

    /** Several instances share rate limits only when GATEWAY_JDBC_URL names a database. */
    private static RateLimitDatabase rateLimitDatabase(Map<String, String> env) {
        String url = env.get("GATEWAY_JDBC_URL");
        if (url == null || url.isBlank()) {
            return null;
        }
        return new RateLimitDatabase(url, env.getOrDefault("GATEWAY_JDBC_USER", "gateway"),
                env.getOrDefault("GATEWAY_JDBC_PASSWORD", ""),
                Integer.parseInt(env.getOrDefault("RATE_LIMIT_UNSYNCHRONIZED", "0")));
    }

    public int port() {
        if (listenPort > 0) {
            return listenPort;
        }
        return mcpBaseUrl.getPort() > 0 ? mcpBaseUrl.getPort() : 8090;
    }

    /** The protected resource at {@code /mcp/<backend>}: its URL, exactly what clients call (RFC 9728 section 3.3). */
    public URI resource(Backend backend) {
        return URI.create(mcpBaseUrl + "/" + backend.name());
    }

    /** RFC 9728 section 3.1: the well-known path goes between the host and the resource's path. */
    public URI resourceMetadataUrl(Backend backend) {
        URI resource = resource(backend);
        return resource.resolve("/.well-known/oauth-protected-resource" + resource.getPath());
    }

    /**
     * The client the gateway exchanges a token for {@code backend} with: the resource itself, because
     * Keycloak only exchanges a subject token whose {@code aud} names the requesting client.
     */
    public String clientId(Backend backend) {
        return resource(backend).toString();
    }

    /** Never prints the client secret. */
    @Override
    public String toString() {
        return "GatewayConfig[mcpBaseUrl=" + mcpBaseUrl + ", authorizationServer=" + authorizationServer
                + ", backends=" + backends.keySet() + ", rateLimit=" + rateLimit + "/" + rateLimitWindow
                + ", rateLimitDatabase=" + rateLimitDatabase + "]";
    }

    public GatewayConfig withRateLimit(int requests, Duration window) {
        return new GatewayConfig(mcpBaseUrl, authorizationServer, jwksUri, tokenEndpoint, clientSecret, backends, policyFile,
                clockSkew, requiredScope, allowedOrigins, requests, window, rateLimitDatabase, exchangeTimeout,
                exchangeRenewBefore, bindAddress, listenPort);
    }

    public GatewayConfig withRateLimitDatabase(RateLimitDatabase database) {
        return new GatewayConfig(mcpBaseUrl, authorizationServer, jwksUri, tokenEndpoint, clientSecret, backends, policyFile,
                clockSkew, requiredScope, allowedOrigins, rateLimit, rateLimitWindow, database, exchangeTimeout,
                exchangeRenewBefore, bindAddress, listenPort);
    }
}
