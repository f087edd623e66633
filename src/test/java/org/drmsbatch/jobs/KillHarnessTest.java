package org.drmsbatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * The kill tests' harness makes its database and home when first used: a child JVM that initialises a test class
 * (to call one of its static helpers) must not make a database, nor start an embedded server that its kill leaves
 * running.
 */
class KillHarnessTest {

    @Test
    void makesItsDatabaseAndHomeWhenFirstUsedOnce() throws Exception {
        String any = TestDatabase.newDatabase();
        long before = databases(any);
        KillHarness harness = KillHarness.create("drms-kill-harness-test");
        assertThat(databases(any)).as("no database made by create()").isEqualTo(before);

        String url = harness.url();
        assertThat(databases(any)).as("one database made at first use").isEqualTo(before + 1);
        assertThat(harness.url()).isEqualTo(url);
        assertThat(harness.home()).isDirectory().isSameAs(harness.home());
        try (var files = Files.list(harness.home())) {
            assertThat(files).isEmpty();
        }
        assertThat(databases(any)).isEqualTo(before + 1);
    }

    /** The test databases this JVM made (they are named drms_test_{pid}_{n}). */
    private static long databases(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'drms_test_"
                        + ProcessHandle.current().pid() + "_%'")) {
            r.next();
            return r.getLong(1);
        }
    }
}
