package org.drmsbatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

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
        EmbeddedDatabase second;
        try (Connection firstsPool = DriverManager.getConnection(first.jdbcUrl())) {
            assertThat(first.owner()).isTrue();
            exec(first.jdbcUrl(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

            second = EmbeddedDatabase.open(dir, "drms");
            assertThat(second.owner()).as("the second user of a home must not start another server").isFalse();
            assertThat(second.port()).isEqualTo(first.port());
            assertThat(query(second.jdbcUrl(), "SELECT v FROM kept")).isEqualTo(42);
            second.close(); // the first still has a connection: the server stays up
            assertThat(query(first.jdbcUrl(), "SELECT v FROM kept")).isEqualTo(42);
        }
        first.close(); // last one out
        assertThat(EmbeddedDatabase.runningPort(dir)).as("the last user stops the server").isNull();

        EmbeddedDatabase again = EmbeddedDatabase.open(dir, "drms");
        try {
            assertThat(again.owner()).isTrue();
            assertThat(query(again.jdbcUrl(), "SELECT v FROM kept")).as("the catalog is persistent").isEqualTo(42);
        } finally {
            again.close();
        }
    }

    @Test
    void anotherProcessUsesTheServerThisOneStartedAndStopsItWhenItIsTheLastUser() throws Exception {
        Path dir = home.resolve("db");
        EmbeddedDatabase mine = EmbeddedDatabase.open(dir, "drms");
        exec(mine.jdbcUrl(), "CREATE TABLE shared (v int); INSERT INTO shared VALUES (7)");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbeddedDatabaseChild.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            String seen = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("CHILD ")) {
                    seen = line;
                    break;
                }
            }
            assertThat(seen).isEqualTo("CHILD owner=false port=" + mine.port() + " value=7");
            // the process that started the server ends while the child is still connected
            mine.close();
            assertThat(EmbeddedDatabase.runningPort(dir)).as("still in use by the child").isEqualTo(mine.port());
            child.getOutputStream().close(); // let the child finish: it is the last user now
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isZero();
        assertThat(EmbeddedDatabase.runningPort(dir)).isNull();
    }

    static void exec(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static int query(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
