package dev.mcpoauth.cookbook.probe.peers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The pinned npm packages of {@code src/test/node} (the MCP TypeScript SDK, the fastmcp framework and a Node 22
 * runtime), installed with {@code npm ci} into {@code target/peer-servers}, next to copies of package.json,
 * package-lock.json and the server scripts. Installed once and again only when the lockfile changes; the servers
 * then run on the pinned Node, not on whatever node the machine has.
 *
 * <p>Without npm the peer tests cannot run: on CI (environment variable {@code CI} set) that is a failure, so a
 * machine that lost npm cannot turn them silently green; elsewhere they are skipped with what to install.
 */
public final class PeerServers {

    static final List<String> FILES = List.of("package.json", "package-lock.json", "minimal-bearer-server.mjs",
            "fastmcp-server.mjs");
    private static final long NPM_CI_TIMEOUT_MINUTES = 10;

    private static Path installed;

    private PeerServers() {
    }

    /** The module's folder: Surefire sets {@code basedir}; an IDE usually runs tests from the module folder. */
    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** Where the packages are installed and the servers run from ({@code target/peer-servers}). */
    public static Path dir() {
        return moduleDir().resolve("target/peer-servers");
    }

    /** The pinned Node binary, after installing the packages if needed. */
    public static Path node() {
        return install().resolve(nodeBinary());
    }

    /**
     * Installs the pinned packages unless the installed copy has the same lockfile, and returns the folder. Aborts
     * (skips) the calling test where npm is missing and {@code CI} is not set; fails where it is.
     */
    public static synchronized Path install() {
        if (installed != null) {
            return installed;
        }
        Path source = moduleDir().resolve("src/test/node");
        Path target = dir();
        try {
            Files.createDirectories(target);
            // Another Surefire fork may be installing into the same folder.
            try (FileChannel channel = FileChannel.open(target.resolve(".install.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = channel.lock()) {
                // The stamp is the lockfile of the last install that succeeded: written after npm ci, so a failed,
                // skipped or interrupted install never passes for a current one.
                Path stamp = target.resolve("installed-package-lock.json");
                boolean upToDate = sameContent(source.resolve("package-lock.json"), stamp)
                        && Files.isExecutable(target.resolve(nodeBinary()));
                for (String file : FILES) {
                    Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
                if (!upToDate) {
                    Files.deleteIfExists(stamp);
                    npmCi(target);
                    Files.copy(target.resolve("package-lock.json"), stamp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not install the peer MCP servers into " + target, e);
        }
        installed = target;
        return target;
    }

    private static void npmCi(Path target) throws IOException {
        Path npm = findNpm().orElseGet(() -> {
            String message = "The peer-server tests start MCP servers from the npm registry and need npm on the PATH"
                    + " (Debian/Ubuntu: apt-get install npm; any npm 9+ with Node 18+ will do: the servers themselves"
                    + " run on the Node 22 that npm installs from probe/src/test/node/package-lock.json).";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(message + " CI is set, so this is a failure, not a skip.");
            }
            // Surefire counts a class skipped in @BeforeAll as nothing at all; say it where the build log shows it.
            System.err.println("SKIPPED peer-server tests: " + message);
            Assumptions.abort(message);
            return null;
        });
        Path log = target.resolve("npm-ci.log");
        long start = System.nanoTime();
        Process process = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund", "--loglevel=error")
                .directory(target.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!process.waitFor(NPM_CI_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("npm ci in " + target + " took over " + NPM_CI_TIMEOUT_MINUTES
                        + " minutes; its output:\n" + tail(log, 40));
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running npm ci in " + target, e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("npm ci failed (exit " + process.exitValue() + ") in " + target
                    + "; its output:\n" + tail(log, 40));
        }
        System.out.printf("Installed the peer MCP servers' packages with npm ci in %.1f s (%s)%n",
                (System.nanoTime() - start) / 1e9, target);
    }

    private static Path nodeBinary() {
        return isWindows() ? Path.of("node_modules/node/bin/node.exe") : Path.of("node_modules/node/bin/node");
    }

    static Optional<Path> findNpm() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        List<String> names = isWindows() ? List.of("npm.cmd", "npm.exe") : List.of("npm");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .flatMap(entry -> names.stream().map(name -> Path.of(entry, name)))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase().startsWith("windows");
    }

    private static boolean sameContent(Path a, Path b) throws IOException {
        return Files.exists(b) && Files.mismatch(a, b) == -1;
    }

    /** The last lines of a log file, for error messages. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }
}
