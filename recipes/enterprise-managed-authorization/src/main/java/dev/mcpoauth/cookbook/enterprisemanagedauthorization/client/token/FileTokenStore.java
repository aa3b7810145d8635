package dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.token;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import dev.mcpoauth.cookbook.enterprisemanagedauthorization.client.registration.RegisteredClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON file readable by its owner only ({@code 0600} in a {@code 0700} directory): the local
 * default, like the credential files of {@code gh} or {@code gcloud}. Every save writes a temporary
 * file with those permissions first and moves it into place, so a crash never leaves half a file
 * and the secret is never readable by others, not even for a moment.
 *
 * <p>On a file system without POSIX permissions (Windows) this store refuses to start: use an OS
 * credential store there.
 */
public final class FileTokenStore implements TokenStore {

    private final Path file;

    public FileTokenStore(Path file) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            throw new IllegalStateException("FileTokenStore needs POSIX file permissions to keep tokens private");
        }
        this.file = file.toAbsolutePath();
    }

    /** {@code ~/.config/mcp-oauth-cookbook/tokens.json}. */
    public static FileTokenStore inUserConfigDir() {
        return new FileTokenStore(Path.of(System.getProperty("user.home"), ".config", "mcp-oauth-cookbook", "tokens.json"));
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized Optional<RegisteredClient> loadClient(String issuer) {
        return Optional.ofNullable(section("clients").get(issuer)).map(FileTokenStore::toClient);
    }

    @Override
    public synchronized void saveClient(RegisteredClient client) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("issuer", client.issuer());
        c.put("client_id", client.clientId());
        if (client.clientSecret() != null) {
            c.put("client_secret", client.clientSecret());
        }
        c.put("token_endpoint_auth_method", client.authMethod().getValue());
        c.put("how", client.how());
        update("clients", client.issuer(), c);
    }

    @Override
    public synchronized void removeClient(String issuer) {
        update("clients", issuer, null);
    }

    @Override
    public synchronized Optional<TokenSet> loadTokens(String serverUrl) {
        return Optional.ofNullable(section("tokens").get(serverUrl)).map(FileTokenStore::toTokens);
    }

    @Override
    public synchronized void saveTokens(String serverUrl, TokenSet tokens) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("resource", tokens.resource());
        t.put("issuer", tokens.issuer());
        t.put("access_token", tokens.accessToken());
        if (tokens.refreshToken() != null) {
            t.put("refresh_token", tokens.refreshToken());
        }
        if (tokens.expiresAt() != null) {
            t.put("expires_at", tokens.expiresAt().getEpochSecond());
        }
        if (tokens.scope() != null) {
            t.put("scope", tokens.scope());
        }
        update("tokens", serverUrl, t);
    }

    @Override
    public synchronized void removeTokens(String serverUrl) {
        update("tokens", serverUrl, null);
    }

    private static RegisteredClient toClient(Map<String, Object> c) {
        return new RegisteredClient((String) c.get("issuer"), (String) c.get("client_id"),
                (String) c.get("client_secret"),
                ClientAuthenticationMethod.parse((String) c.get("token_endpoint_auth_method")), (String) c.get("how"));
    }

    private static TokenSet toTokens(Map<String, Object> t) {
        Object expiresAt = t.get("expires_at");
        return new TokenSet((String) t.get("resource"), (String) t.get("issuer"), (String) t.get("access_token"),
                (String) t.get("refresh_token"),
                expiresAt instanceof Number n ? Instant.ofEpochSecond(n.longValue()) : null, (String) t.get("scope"));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> section(String name) {
        Object section = read().get(name);
        return section instanceof Map<?, ?> m ? (Map<String, Map<String, Object>>) m : new LinkedHashMap<>();
    }

    private Map<String, Object> read() {
        if (!Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        try {
            return new LinkedHashMap<>(JSONObjectUtils.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read token store " + file, e);
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("Token store " + file + " is not valid JSON; delete it to start over", e);
        }
    }

    private void update(String sectionName, String key, Map<String, Object> value) {
        Map<String, Object> all = read();
        Map<String, Map<String, Object>> section = new LinkedHashMap<>(section(sectionName));
        if (value == null) {
            section.remove(key);
        } else {
            section.put(key, value);
        }
        all.put(sectionName, section);
        write(JSONObjectUtils.toJSONString(all));
    }

    private void write(String json) {
        try {
            Path dir = file.getParent();
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path temp = Files.createTempFile(dir, ".tokens", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, json, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write token store " + file, e);
        }
    }
}
