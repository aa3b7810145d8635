package dev.mcpoauth.cookbook.githubproxy.authorizationserver.registration;

import dev.mcpoauth.cookbook.githubproxy.AuditLog;
import dev.mcpoauth.cookbook.githubproxy.ProxyProperties;
import dev.mcpoauth.cookbook.githubproxy.ProxyProperties.ClientMetadataDocumentSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import tools.jackson.databind.json.JsonMapper;

/**
 * Client ID Metadata Documents (the MCP spec's preferred registration): a {@code client_id} that
 * is an https URL names a JSON document the client publishes there. The proxy fetches it when it
 * first sees the URL (and again after {@code cache-for}), checks it, and keeps it as a registered
 * client in the database, where grants refer to it.
 *
 * <p>Fetching a URL an anonymous caller chose is a server-side request forgery risk, so the fetch
 * is bounded: https only, no redirects, no private, loopback or link-local addresses, a size and a
 * time limit. Everything else found in the document is checked as for dynamic registration.
 */
public class ClientMetadataDocuments implements RegisteredClientRepository {

    private static final Logger LOG = LoggerFactory.getLogger(ClientMetadataDocuments.class);

    private final RegisteredClientRepository registered;
    private final ClientMetadataDocumentSettings settings;
    private final ProxyProperties properties;
    private final AuditLog audit;
    private final HttpClient http;

    public ClientMetadataDocuments(RegisteredClientRepository registered, ProxyProperties properties, AuditLog audit) {
        this.registered = registered;
        this.settings = properties.clientMetadataDocuments();
        this.properties = properties;
        this.audit = audit;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .build();
    }

    static boolean isUrlClientId(String clientId) {
        return clientId != null && (clientId.startsWith("https://") || clientId.startsWith("http://"));
    }

    @Override
    public void save(RegisteredClient client) {
        registered.save(client);
    }

    @Override
    public RegisteredClient findById(String id) {
        return registered.findById(id);
    }

    @Override
    public RegisteredClient findByClientId(String clientId) {
        if (!settings.enabled() || !isUrlClientId(clientId)) {
            return registered.findByClientId(clientId);
        }
        RegisteredClient known = registered.findByClientId(clientId);
        if (known != null && known.getClientIdIssuedAt() != null
                && known.getClientIdIssuedAt().plus(settings.cacheFor()).isAfter(Instant.now())) {
            return known;
        }
        try {
            RegisteredClient fetched = fromDocument(clientId, fetch(clientId), known);
            registered.save(fetched);
            audit.record("client_metadata_document", clientId, null, "accepted");
            return fetched;
        } catch (RefusedDocumentException e) {
            LOG.info("Refused the client metadata document at {}: {}", clientId, e.getMessage());
            audit.record("client_metadata_document", clientId, null, "refused", Map.of("reason", e.getMessage()));
            return null; // an unknown client: the authorization endpoint answers 400 and redirects nowhere
        }
    }

    private Map<?, ?> fetch(String clientId) throws RefusedDocumentException {
        URI url = URI.create(clientId);
        boolean loopbackDemo = settings.allowLoopbackHttp();
        if (!"https".equals(url.getScheme()) && !(loopbackDemo && "http".equals(url.getScheme()))) {
            throw new RefusedDocumentException("client_id URL must be https");
        }
        if (url.getRawUserInfo() != null || url.getRawFragment() != null || url.getRawPath() == null
                || url.getRawPath().isEmpty() || url.getRawPath().equals("/")) {
            throw new RefusedDocumentException("client_id URL must have a path and no user info or fragment");
        }
        checkAddresses(url.getHost(), loopbackDemo);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(settings.timeout())
                .header("Accept", "application/json").GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new RefusedDocumentException("the document URL answered " + response.statusCode());
                }
                byte[] bytes = body.readNBytes(settings.maxBytes() + 1);
                if (bytes.length > settings.maxBytes()) {
                    throw new RefusedDocumentException("the document is larger than " + settings.maxBytes() + " bytes");
                }
                return JsonMapper.shared().readValue(bytes, Map.class);
            }
        } catch (IOException | tools.jackson.core.JacksonException e) {
            throw new RefusedDocumentException("the document could not be fetched or parsed (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefusedDocumentException("interrupted");
        }
    }

    /**
     * Refuses hosts that resolve to internal addresses. The HTTP client resolves again when it
     * connects, so a DNS-rebinding host can still slip through: production deployments should also
     * send these fetches through an egress proxy that enforces the same rule.
     */
    private static void checkAddresses(String host, boolean allowLoopback) throws RefusedDocumentException {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (isInternal(address) && !(allowLoopback && address.isLoopbackAddress())) {
                    throw new RefusedDocumentException("the client_id host resolves to an internal address");
                }
            }
        } catch (UnknownHostException e) {
            throw new RefusedDocumentException("the client_id host does not resolve");
        }
    }

    /**
     * Loopback, private, link-local (cloud metadata at 169.254.169.254), unspecified and multicast
     * addresses, and what the JDK's checks miss: IPv6 unique-local (fc00::/7), shared address space
     * (100.64.0.0/10), "this network" (0.0.0.0/8), and IPv4 addresses wrapped in IPv6 by NAT64
     * (64:ff9b::/96, RFC 6052) or the old IPv4-compatible form. IPv4-mapped IPv6 addresses
     * (::ffff:a.b.c.d) arrive here already as IPv4: the JDK unwraps them.
     */
    static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second <= 127);
        }
        if ((bytes[0] & 0xfe) == 0xfc) {
            return true; // unique local
        }
        boolean nat64 = (bytes[0] & 0xff) == 0x00 && (bytes[1] & 0xff) == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b
                && IntStream.range(4, 12).allMatch(i -> bytes[i] == 0);
        boolean ipv4Compatible = IntStream.range(0, 12).allMatch(i -> bytes[i] == 0);
        if (nat64 || ipv4Compatible) {
            try {
                return isInternal(InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16)));
            } catch (UnknownHostException e) {
                return true;
            }
        }
        return false;
    }

    private RegisteredClient fromDocument(String clientId, Map<?, ?> document, RegisteredClient known)
            throws RefusedDocumentException {
        if (!clientId.equals(document.get("client_id"))) {
            throw new RefusedDocumentException("the document's client_id is not its own URL");
        }
        if (!(document.get("redirect_uris") instanceof List<?> uris) || uris.isEmpty()
                || uris.size() > ClientRegistrationPolicy.MAX_REDIRECT_URIS) {
            throw new RefusedDocumentException("redirect_uris must list 1 to " + ClientRegistrationPolicy.MAX_REDIRECT_URIS + " URIs");
        }
        List<String> redirectUris = new ArrayList<>();
        for (Object uri : uris) {
            if (!(uri instanceof String value) || !ClientRegistrationPolicy.isHttpsOrLoopback(value)) {
                throw new RefusedDocumentException("every redirect URI must be https, or http on loopback");
            }
            redirectUris.add(value);
        }
        Object method = document.get("token_endpoint_auth_method");
        if (method != null && !"none".equals(method)) {
            throw new RefusedDocumentException("only public clients (token_endpoint_auth_method none) are accepted");
        }
        Object name = document.get("client_name");
        String clientName = name instanceof String text && !text.isBlank()
                && text.length() <= ClientRegistrationPolicy.MAX_NAME_LENGTH ? text : clientId;
        // A stable id derived from the URL, so grants stored against it survive a re-fetch.
        String id = known != null ? known.getId() : "cimd-" + sha256Hex(clientId).substring(0, 32);
        return RegisteredClient.withId(id)
                .clientId(clientId)
                .clientIdIssuedAt(Instant.now())
                .clientName(clientName)
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .redirectUris(set -> set.addAll(redirectUris))
                .scopes(set -> set.addAll(properties.scopes()))
                .clientSettings(ClientSettings.builder().requireProofKey(true).requireAuthorizationConsent(true).build())
                .tokenSettings(TokenSettings.builder()
                        .reuseRefreshTokens(false)
                        .accessTokenTimeToLive(properties.accessTokenLifetime())
                        .refreshTokenTimeToLive(properties.refreshTokenLifetime())
                        .build())
                .build();
    }

    private static String sha256Hex(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class RefusedDocumentException extends Exception {
        RefusedDocumentException(String reason) {
            super(reason);
        }
    }
}
