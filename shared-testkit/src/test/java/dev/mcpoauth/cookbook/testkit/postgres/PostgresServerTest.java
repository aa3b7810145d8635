package dev.mcpoauth.cookbook.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

    @Test
    void aDatabaseSurvivesARestartOnTheSameUrl() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        PostgresServer.Database db = postgres.createDatabase("kit test");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            c.createStatement().execute("CREATE TABLE t (v text)");
            c.createStatement().execute("INSERT INTO t VALUES ('kept')");
            try (ResultSet version = c.createStatement().executeQuery("SHOW server_version")) {
                version.next();
                assertThat(version.getString(1)).startsWith("18.");
            }
        }

        postgres.stop();
        assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()).close())
                .isInstanceOf(SQLException.class);
        postgres.start();

        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                ResultSet rows = c.createStatement().executeQuery("SELECT v FROM t")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo("kept");
        }
    }
}
