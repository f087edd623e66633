package org.drmsbatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default database: one persistent embedded server per home, shared by every process using that home. */
class EmbeddedDatabaseTest {

    @TempDir
    Path home;

    @Test
    void aSecondOpenOnTheSameHomeConnectsToTheRunningServerAndDataSurvivesARestart() throws Exception {
        Path dir = home.resolve("db");
        EmbeddedDatabase first = EmbeddedDatabase.open(dir, "drms");
        try {
            assertThat(first.owner()).isTrue();
            exec(first.jdbcUrl(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

            EmbeddedDatabase second = EmbeddedDatabase.open(dir, "drms");
            assertThat(second.owner()).as("the second user of a home must not start another server").isFalse();
            assertThat(second.port()).isEqualTo(first.port());
            assertThat(query(second.jdbcUrl(), "SELECT v FROM kept")).isEqualTo(42);
            second.close(); // a non-owner leaves the server running
            assertThat(query(first.jdbcUrl(), "SELECT v FROM kept")).isEqualTo(42);
        } finally {
            first.close();
        }
        assertThat(EmbeddedDatabase.runningPort(dir)).as("the owner stops the server").isNull();

        EmbeddedDatabase again = EmbeddedDatabase.open(dir, "drms");
        try {
            assertThat(again.owner()).isTrue();
            assertThat(query(again.jdbcUrl(), "SELECT v FROM kept")).as("the catalog is persistent").isEqualTo(42);
        } finally {
            again.close();
        }
    }

    private static void exec(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int query(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
