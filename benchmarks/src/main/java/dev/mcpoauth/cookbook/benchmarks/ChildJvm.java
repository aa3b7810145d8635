package dev.mcpoauth.cookbook.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A server (or a benchmark) in a JVM of its own, started as an operator starts it:
 * {@code java -cp <classpath> Main}, configuration in environment variables and arguments. Spring Boot,
 * Micronaut on Jetty 11 and Javalin on Jetty 12 cannot share one classpath, and a separate process is
 * also the only honest way to see startup time and resident memory.
 *
 * <p>{@link #startCommand} starts any other program the same way (the peer in Node): same log, same stop.
 *
 * <p>Every child is killed with its whole process tree (a Keycloak or PostgreSQL it started included)
 * when it is closed, and at the latest when this JVM exits: no leftovers, also after a failure.
 */
final class ChildJvm implements AutoCloseable {

    private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(RUNNING).forEach(ChildJvm::close), "child-jvms"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} from a module built by {@code make bench}: its {@code target/classes} and
     * the runtime classpath {@code dependency:build-classpath} wrote to {@code target/classpath.txt}.
     * Output goes to {@code benchmarks/target/child-logs/<name>.log}.
     */
    static ChildJvm start(String name, Path module, String mainClass, Path workingDirectory, Map<String, String> environment,
                          List<String> jvmOptions, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java")); // the same java as the orchestrator
        command.addAll(jvmOptions);
        // For profiling, e.g. -Dbench.childJvmOptions="-XX:StartFlightRecording=filename=/tmp/jfr/,settings=profile"
        // (an existing directory: each child writes its own recording there when it stops).
        String extra = System.getProperty("bench.childJvmOptions", "");
        if (!extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.add("-cp");
        command.add(classpath(module));
        command.add(mainClass);
        command.addAll(arguments);
        return startCommand(name, command, workingDirectory, environment);
    }

    /**
     * Starts {@code command} (a program that is not a Java main class) in {@code workingDirectory}, its
     * output in {@code benchmarks/target/child-logs/<name>.log}; stopped like a child JVM.
     */
    static ChildJvm startCommand(String name, List<String> command, Path workingDirectory, Map<String, String> environment) {
        try {
            Path log = Files.createDirectories(Path.of("target", "child-logs").toAbsolutePath())
                    .resolve(name.replaceAll("[^A-Za-z0-9.-]+", "-") + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            ChildJvm child = new ChildJvm(name, builder.start(), log);
            RUNNING.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String classpath(Path module) {
        Path file = module.resolve("target/classpath.txt");
        try {
            return module.resolve("target/classes").toAbsolutePath() + java.io.File.pathSeparator + Files.readString(file).trim();
        } catch (IOException e) {
            throw new IllegalStateException(file + " is missing: run `make bench`, which writes it", e);
        }
    }

    /** Where its output goes. */
    Path log() {
        return log;
    }

    /** Polls {@code url} until it answers 200; returns the milliseconds since the process started. */
    long awaitHttp200(URI url, Duration timeout) {
        return awaitAnswer(url, timeout, status -> status == 200);
    }

    /** Polls {@code url} until any HTTP answer comes (an MCP endpoint answers a bare GET with an error, not 200). */
    long awaitListening(URI url, Duration timeout) {
        return awaitAnswer(url, timeout, status -> true);
    }

    private long awaitAnswer(URI url, Duration timeout, java.util.function.IntPredicate accepted) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (accepted.test(response.statusCode())) {
                    long startedAt = process.info().startInstant().orElseThrow().toEpochMilli();
                    return System.currentTimeMillis() - startedAt;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(20);
        }
        throw new IllegalStateException(name + " did not answer 200 at " + url + " within " + timeout + "; see " + log);
    }

    /** Resident memory of the JVM process now: VmRSS from /proc/<pid>/status (Linux), in MiB. */
    double residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0; // kB
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS for " + name);
    }

    /** Waits for a benchmark child to finish and returns its output lines; kills it after {@code timeout}. */
    List<String> awaitExit(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            close();
            throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + log);
        }
        RUNNING.remove(this);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed with exit code " + process.exitValue() + "; see " + log);
        }
        return Files.readAllLines(log);
    }

    /** SIGTERM to the process and everything it started, then SIGKILL to whatever is still alive after 15 s. */
    @Override
    public void close() {
        RUNNING.remove(this);
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception stillAlive) {
                handle.destroyForcibly();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
