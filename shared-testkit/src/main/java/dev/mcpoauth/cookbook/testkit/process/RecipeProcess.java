package dev.mcpoauth.cookbook.testkit.process;

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
import java.util.function.IntPredicate;

/**
 * One instance of a recipe in a JVM of its own, started as an operator starts it ({@code java -cp ...
 * Main}, configuration in environment variables and arguments), so a test can kill it the way a
 * machine dies: {@link #kill()} is SIGKILL, no graceful shutdown, no connection drained, no
 * transaction committed. {@link #restart()} starts the same command again (same port, same
 * configuration).
 *
 * <p>The classpath is the test JVM's own (Surefire sets {@code java.class.path} to the test
 * classpath), passed in an argument file; the java is the test JVM's, so a Temurin 25 run tests on 25.
 * Output goes to {@code target/child-logs/<name>.log}. Every instance is killed when the test JVM
 * exits, also after a failure.
 */
public final class RecipeProcess implements AutoCloseable {

    private static final Set<RecipeProcess> RUNNING = ConcurrentHashMap.newKeySet();
    /** Enough for a recipe under test; quick to start on a small machine. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(RUNNING).forEach(RecipeProcess::kill), "recipe-processes"));
    }

    private final String name;
    private final List<String> command;
    private final Path workingDirectory;
    private final Map<String, String> environment;
    private final Path log;
    private volatile Process process;

    private RecipeProcess(String name, List<String> command, Path workingDirectory, Map<String, String> environment, Path log) {
        this.name = name;
        this.command = command;
        this.workingDirectory = workingDirectory;
        this.environment = environment;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} from the test classpath. {@code environment} is added to this JVM's
     * environment; {@code systemProperties} become {@code -Dkey=value}.
     */
    public static RecipeProcess start(String name, String mainClass, Path workingDirectory, Map<String, String> environment,
                                      Map<String, String> systemProperties, List<String> arguments) {
        try {
            Path logs = Files.createDirectories(Path.of("target", "child-logs").toAbsolutePath());
            String fileName = name.replaceAll("[^A-Za-z0-9.-]+", "-");
            // An argument file keeps a long classpath off the command line (and out of `ps`).
            Path argFile = logs.resolve(fileName + ".args");
            Files.writeString(argFile, "-cp\n" + quoted(System.getProperty("java.class.path")) + "\n");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(JVM_OPTIONS);
            systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("@" + argFile);
            command.add(mainClass);
            command.addAll(arguments);
            RecipeProcess recipe = new RecipeProcess(name, List.copyOf(command), workingDirectory, Map.copyOf(environment),
                    logs.resolve(fileName + ".log"));
            recipe.launch();
            return recipe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RecipeProcess start(String name, String mainClass, Path workingDirectory, Map<String, String> environment) {
        return start(name, mainClass, workingDirectory, environment, Map.of(), List.of());
    }

    private static String quoted(String classpath) {
        // Java argument files: a token in double quotes, backslashes escaped.
        return "\"" + classpath.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private synchronized void launch() {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Files.writeString(log, "=== " + name + " started ===\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = builder.start();
            RUNNING.add(this);
        } catch (IOException e) {
            throw new UncheckedIOException(name + " did not start", e);
        }
    }

    /** Polls {@code url} until it answers 200 (a health or metadata document); fails fast if the process died. */
    public void awaitHttp200(URI url, Duration timeout) {
        awaitAnswer(url, timeout, status -> status == 200);
    }

    /** Polls {@code url} until any HTTP answer comes (an MCP endpoint answers a bare GET with 401 or 405). */
    public void awaitListening(URI url, Duration timeout) {
        awaitAnswer(url, timeout, status -> true);
    }

    private void awaitAnswer(URI url, Duration timeout, IntPredicate accepted) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process current = process;
            if (!current.isAlive()) {
                throw new IllegalStateException(name + " exited with " + current.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (accepted.test(response.statusCode())) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " did not answer at " + url + " within " + timeout + "; see " + log);
    }

    /** SIGKILL to the process and everything it started: what a crashed machine looks like to the others. */
    public synchronized void kill() {
        RUNNING.remove(this);
        Process current = process;
        if (current == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(current.descendants().toList());
        tree.add(current.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception stillAlive) {
                throw new IllegalStateException(name + " survived SIGKILL", stillAlive);
            }
        }
    }

    /** Kills it if alive, then starts the same command again: same port, same configuration. */
    public synchronized void restart() {
        kill();
        launch();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    /** Where its output goes (appended across restarts). */
    public Path log() {
        return log;
    }

    /** Its output so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kill();
    }
}
