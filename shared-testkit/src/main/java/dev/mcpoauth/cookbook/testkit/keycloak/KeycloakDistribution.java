package dev.mcpoauth.cookbook.testkit.keycloak;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The Keycloak server distribution ({@code org.keycloak:keycloak-quarkus-dist}, a zip on Maven
 * Central), prepared once per machine in a cache directory:
 * <ol>
 *   <li>unpacked;</li>
 *   <li>built once with {@code kc.sh build} and the options below, so that each start can use
 *       {@code start --optimized} (about 10 s instead of a full Quarkus re-augmentation);</li>
 *   <li>started once on an empty database and stopped again, leaving a seed database with the
 *       master realm and the bootstrap administrator. Each test JVM starts on a copy of it, which
 *       saves the 15-20 s that Keycloak spends creating its schema.</li>
 * </ol>
 * Several JVMs may prepare at once (parallel builds, {@code make run} beside {@code make test}):
 * a file lock makes the second wait for the first.
 */
final class KeycloakDistribution {

    /** Build-time options. Changing them changes the cache directory, which forces a fresh build. */
    static final List<String> BUILD_OPTIONS = List.of(
            "--db=dev-file",
            // All experimental: resource indicators and CIMD (keycloak-dcr, token-gateway); receiving ID-JAGs by the
            // JWT bearer grant, Enterprise-Managed Authorization (keycloak-dcr).
            "--features=resource-indicators,cimd,identity-assertion-jwt");

    static final String ADMIN_USERNAME = "admin";

    private final String version;
    private final Path root;

    private KeycloakDistribution(String version, Path root) {
        this.version = version;
        this.root = root;
    }

    /** Returns the prepared distribution, preparing it first if this machine has not yet. */
    static KeycloakDistribution prepared() {
        String version = version();
        Path cache = Path.of(System.getProperty("cookbook.cache.dir",
                Path.of(System.getProperty("user.home"), ".cache", "mcp-oauth-cookbook").toString()));
        KeycloakDistribution distribution = new KeycloakDistribution(version,
                cache.resolve("keycloak-" + version + "-" + fingerprint(BUILD_OPTIONS)));
        distribution.prepareOnce();
        return distribution;
    }

    /** The Keycloak version the kit was built against (the pom's {@code keycloak.version}). */
    static String version() {
        return kitProperties().getProperty("keycloak.version");
    }

    Path home() {
        return root.resolve("keycloak-" + version);
    }

    /** The seed database directory; copy it, never start on it. */
    Path seedDatabase() {
        return root.resolve("seed-db");
    }

    /** Password of the bootstrap administrator, generated once per machine and kept beside the seed database. */
    String adminPassword() {
        try {
            return Files.readString(root.resolve("admin-password")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void prepareOnce() {
        Path ready = root.resolve("ready");
        if (Files.exists(ready)) {
            return;
        }
        try {
            Files.createDirectories(root);
            try (FileChannel channel = FileChannel.open(root.resolve(".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (Files.exists(ready)) {
                    return; // another JVM prepared it while this one waited for the lock
                }
                long started = System.nanoTime();
                deleteRecursively(home());
                deleteRecursively(seedDatabase());
                unzip(locateZip(version), root);
                runBuild();
                seedDatabaseOnce();
                Files.writeString(ready, "prepared in " + (System.nanoTime() - started) / 1_000_000 + " ms\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare Keycloak in " + root, e);
        }
    }

    private void runBuild() throws IOException {
        Path log = root.resolve("build.log");
        List<String> command = new java.util.ArrayList<>(List.of(home().resolve("bin/kc.sh").toString(), "build"));
        command.addAll(BUILD_OPTIONS);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try {
            int exit = builder.start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kc.sh build failed with exit code " + exit + "; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while building Keycloak", e);
        }
    }

    private void seedDatabaseOnce() throws IOException {
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        Path passwordFile = root.resolve("admin-password");
        Files.writeString(passwordFile, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));

        LocalKeycloak seeding = new LocalKeycloak(this, seedDatabase(), root.resolve("seed.log"), 0);
        seeding.bootstrapAdminOnStart();
        seeding.start();
        seeding.stop();
    }

    /**
     * Finds the zip: on the test class path (the kit depends on it, so Maven resolves it), else in
     * the local Maven repository, else where {@code -Dkeycloak.dist.zip} points.
     */
    private static Path locateZip(String version) {
        String override = System.getProperty("keycloak.dist.zip");
        if (override != null) {
            return Path.of(override);
        }
        URL marker = KeycloakDistribution.class.getClassLoader().getResource("keycloak-" + version + "/version.txt");
        if (marker != null && "jar".equals(marker.getProtocol())) {
            String path = marker.getPath();
            return Path.of(URI.create(path.substring(0, path.indexOf("!/"))));
        }
        String artifact = "keycloak-quarkus-dist-" + version + ".zip";
        Path local = Path.of(System.getProperty("maven.repo.local",
                        Path.of(System.getProperty("user.home"), ".m2", "repository").toString()))
                .resolve("org/keycloak/keycloak-quarkus-dist/" + version + "/" + artifact);
        if (Files.isRegularFile(local)) {
            return local;
        }
        throw new IllegalStateException("The Keycloak distribution " + artifact + " is not on the class path nor in the"
                + " local Maven repository. Fetch it with: mvn dependency:get -Dtransitive=false"
                + " -Dartifact=org.keycloak:keycloak-quarkus-dist:" + version + ":zip");
    }

    private static void unzip(Path zip, Path target) throws IOException {
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(archive.entries())) {
                Path destination = target.resolve(entry.getName()).normalize();
                if (!destination.startsWith(target)) {
                    throw new IOException("Zip entry escapes the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                    continue;
                }
                Files.createDirectories(destination.getParent());
                try (InputStream in = archive.getInputStream(entry)) {
                    Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
                }
                // java.util.zip does not carry Unix permissions; the launch scripts must be executable.
                if (entry.getName().endsWith(".sh")) {
                    destination.toFile().setExecutable(true);
                }
            }
        }
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    static void copyRecursively(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Properties kitProperties() {
        Properties properties = new Properties();
        try (InputStream in = KeycloakDistribution.class.getResourceAsStream("/dev/mcpoauth/cookbook/testkit/testkit.properties")) {
            properties.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("testkit.properties is missing from the test kit jar", e);
        }
        return properties;
    }

    private static String fingerprint(List<String> options) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join(" ", options).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
