package dev.mcpoauth.cookbook.testkit.postgres;

import dev.mcpoauth.cookbook.testkit.net.FreePort;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A real PostgreSQL 18 server on loopback, from the binaries on Maven Central (no Docker, no
 * system package). Use {@link #shared()} for one per test JVM; each test class takes its own
 * database with {@link #createDatabase}. {@link #stop()} and {@link #start()} restart it on the same
 * port with the same data, for "database restarted mid-operation" tests.
 */
public final class PostgresServer implements AutoCloseable {

    private static PostgresServer shared;

    private final int port;
    private final Path dataDirectory;
    private final AtomicInteger databases = new AtomicInteger();
    private EmbeddedPostgres postgres;

    private PostgresServer(int port, Path dataDirectory) {
        this.port = port;
        this.dataDirectory = dataDirectory;
        start();
    }

    /** One server per test JVM, stopped at exit. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            try {
                shared = new PostgresServer(FreePort.find(), Files.createTempDirectory("cookbook-postgres"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A new, empty database owned by the {@code postgres} user. */
    public Database createDatabase(String prefix) {
        String name = prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + databases.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + name, e);
        }
        return new Database(name, "jdbc:postgresql://127.0.0.1:" + port + "/" + name, "postgres", "postgres");
    }

    public DataSource dataSource(Database database) {
        return postgres.getDatabase(database.user(), database.name());
    }

    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return postgres != null;
    }

    /** Stops the server, keeping its data. */
    public synchronized void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }

    /** Starts it again on the same port with the same data. */
    public synchronized void start() {
        if (postgres != null) {
            return;
        }
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start on port " + port, e);
        }
    }

    @Override
    public synchronized void close() {
        stop();
    }

    /** Where a recipe connects: a plain JDBC URL and credentials (demo-only, loopback). */
    public record Database(String name, String jdbcUrl, String user, String password) {
    }
}
