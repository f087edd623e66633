package org.drmsbatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The default database: one persistent embedded server per home, shared by every process using that home, that
 * accepts only the password generated for the home.
 */
class EmbeddedDatabaseTest {

    @TempDir
    Path home;

    @Test
    void aSecondOpenOnTheSameHomeConnectsToTheRunningServerAndDataSurvivesARestart() throws Exception {
        Path dir = home.resolve("db");
        EmbeddedDatabase first = EmbeddedDatabase.open(dir, "drms");
        EmbeddedDatabase second;
        try (Connection firstsPool = connect(first)) {
            assertThat(first.owner()).isTrue();
            exec(first, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

            second = EmbeddedDatabase.open(dir, "drms");
            assertThat(second.owner()).as("the second user of a home must not start another server").isFalse();
            assertThat(second.port()).isEqualTo(first.port());
            assertThat(query(second, "SELECT v FROM kept")).isEqualTo(42);
            second.close(); // the first still has a connection: the server stays up
            assertThat(query(first, "SELECT v FROM kept")).isEqualTo(42);
        }
        first.close(); // last one out
        assertThat(EmbeddedDatabase.runningPort(dir)).as("the last user stops the server").isNull();

        EmbeddedDatabase again = EmbeddedDatabase.open(dir, "drms");
        try {
            assertThat(again.owner()).isTrue();
            assertThat(query(again, "SELECT v FROM kept")).as("the catalog is persistent").isEqualTo(42);
        } finally {
            again.close();
        }
    }

    @Test
    void anotherProcessUsesTheServerThisOneStartedAndStopsItWhenItIsTheLastUser() throws Exception {
        Path dir = home.resolve("db");
        EmbeddedDatabase mine = EmbeddedDatabase.open(dir, "drms");
        exec(mine, "CREATE TABLE shared (v int); INSERT INTO shared VALUES (7)");
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

    @Test
    void aNewHomesServerAcceptsOnlyTheGeneratedPasswordKeptInAnOwnerOnlyFile() throws Exception {
        Path dir = home.resolve("db");
        List<String> logged = new CopyOnWriteArrayList<>();
        EmbeddedDatabase db = withLogsCaptured(logged, () -> EmbeddedDatabase.open(dir, "drms"));
        try {
            Path passwordFile = home.resolve("db.password");
            assertThat(Files.getPosixFilePermissions(passwordFile)).as("the password file is the owner's alone")
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(passwordFile).strip();
            assertThat(password).as("a generated password, not a guessable one").hasSizeGreaterThanOrEqualTo(32);

            String url = "jdbc:postgresql://127.0.0.1:" + db.port() + "/drms";
            assertRefused(url, null);
            assertRefused(url, "");
            assertRefused(url, "postgres");
            assertRefused(url, password.substring(1));
            try (Connection c = DriverManager.getConnection(url, "postgres", password); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_hba_file_rules"
                         + " WHERE auth_method IS DISTINCT FROM 'scram-sha-256'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("pg_hba.conf rules other than scram-sha-256").isZero();
            }
            assertListensOnLoopbackOnly(db.port());
            assertThat(logged).as("log lines").isNotEmpty().noneMatch(line -> line.contains(password));
            assertThat(serverCommandLines(dir)).isNotEmpty().noneMatch(line -> line.contains(password));
        } finally {
            db.close();
        }
    }

    @Test
    void theApplicationsConnectionPoolLogsInWithTheHomesPassword() throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.open(home.resolve("db"), "drms");
        try (HikariDataSource pool = new DatabaseConfiguration().dataSource(db);
             Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_database() || ' ' || current_user")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("drms postgres");
        } finally {
            db.close();
        }
    }

    /** A home made before password authentication: zonky's own initdb writes pg_hba.conf with trust for every user. */
    @Test
    void aHomeMadeWithTrustIsUpgradedToPasswordOnlyOnStartAndKeepsItsData() throws Exception {
        Path dir = home.resolve("db");
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .start();
             Connection c = DriverManager.getConnection(old.getJdbcUrl("postgres", "postgres"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE drms");
            try (Connection d = DriverManager.getConnection(old.getJdbcUrl("postgres", "drms"));
                 Statement t = d.createStatement()) {
                t.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
            }
        }
        assertThat(Files.readAllLines(dir.resolve("pg_hba.conf"))).as("the old home trusts everyone")
                .anyMatch(line -> !line.startsWith("#") && line.contains("trust"));

        EmbeddedDatabase db = EmbeddedDatabase.open(dir, "drms");
        try {
            assertUpgraded(dir, db.port());
        } finally {
            db.close();
        }
        assertThat(EmbeddedDatabase.runningPort(dir)).isNull();
        EmbeddedDatabase again = EmbeddedDatabase.open(dir, "drms");
        try {
            assertThat(again.owner()).isTrue();
            assertUpgraded(dir, again.port());
        } finally {
            again.close();
        }
    }

    /** An older drms process still has the trust server of its home running when a new one opens the home. */
    @Test
    void aRunningTrustServerIsUpgradedByTheNextProcessUsingIt() throws Exception {
        Path dir = home.resolve("db");
        EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).start();
        try {
            try (Connection c = DriverManager.getConnection(old.getJdbcUrl("postgres", "postgres"));
                 Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE drms");
                try (Connection d = DriverManager.getConnection(old.getJdbcUrl("postgres", "drms"));
                     Statement t = d.createStatement()) {
                    t.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
                }
            }
            EmbeddedDatabase db = EmbeddedDatabase.open(dir, "drms");
            try {
                assertThat(db.owner()).isFalse();
                assertThat(db.port()).isEqualTo(old.getPort());
                assertUpgraded(dir, db.port());
            } finally {
                db.close();
            }
        } finally {
            old.close();
        }
    }

    @Test
    void aPasswordFileTheServerDoesNotKnowIsAClearErrorThatDoesNotShowEitherPassword() throws Exception {
        Path dir = home.resolve("db");
        Path passwordFile = home.resolve("db.password");
        EmbeddedDatabase db = EmbeddedDatabase.open(dir, "drms");
        try {
            String right = Files.readString(passwordFile).strip();
            String wrong = "not-the-password-" + right.substring(0, 8);
            Files.writeString(passwordFile, wrong + "\n");
            assertThatThrownBy(() -> EmbeddedDatabase.open(dir, "drms"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(passwordFile.toString())
                    .hasMessageContaining("password")
                    .satisfies(e -> assertThat(stackTraceOf(e)).doesNotContain(right).doesNotContain(wrong));
            Files.writeString(passwordFile, right + "\n");
        } finally {
            db.close();
        }
        Files.delete(passwordFile);
        assertThatThrownBy(() -> EmbeddedDatabase.open(dir, "drms"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(passwordFile + " is missing");
        assertThat(passwordFile).as("no new password is made up for a server that has one").doesNotExist();
    }

    private static void assertUpgraded(Path dir, int port) throws Exception {
        Path passwordFile = dir.resolveSibling("db.password");
        assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String password = Files.readString(passwordFile).strip();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/drms";
        assertRefused(url, null);
        assertRefused(url, "wrong");
        try (Connection c = DriverManager.getConnection(url, "postgres", password); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the data of the old home").isEqualTo(42);
        }
        assertThat(Files.readAllLines(dir.resolve("pg_hba.conf"))).as("pg_hba.conf after the upgrade")
                .noneMatch(line -> !line.startsWith("#") && line.contains("trust"));
    }

    private static void assertRefused(String url, String password) {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        if (password != null) {
            props.setProperty("password", password);
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url, props).close())
                .as("connecting with password %s", password == null ? "none" : "'" + password + "'")
                .isInstanceOf(SQLException.class);
    }

    /** Nothing answers on this machine's other addresses: the server listens on the loopback interface only. */
    private static void assertListensOnLoopbackOnly(int port) throws Exception {
        List<InetAddress> others = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    others.add(a);
                }
            }
        }
        for (InetAddress a : others) {
            try (Socket socket = new Socket()) {
                assertThatThrownBy(() -> socket.connect(new InetSocketAddress(a, port), 2000))
                        .as("connecting to %s:%d", a.getHostAddress(), port).isInstanceOf(IOException.class);
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        }
    }

    /** The command lines of the postmaster of {@code dir} and of all its processes. */
    private static List<String> serverCommandLines(Path dir) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<String> lines = new ArrayList<>();
        Stream.concat(Stream.of(postmaster), postmaster.descendants()).forEach(p -> {
            try {
                lines.add(Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' '));
            } catch (IOException gone) {
                // a backend that ended meanwhile
            }
        });
        return lines;
    }

    private static <T> T withLogsCaptured(List<String> lines, Callable<T> action) throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                lines.add(event.getFormattedMessage());
                for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                    lines.add(t.getMessage());
                }
            }
        };
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.ALL);
        try {
            return action.call();
        } finally {
            root.setLevel(level);
            root.detachAppender(appender);
        }
    }

    private static String stackTraceOf(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    static void exec(EmbeddedDatabase db, String sql) throws Exception {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static int query(EmbeddedDatabase db, String sql) throws Exception {
        try (Connection c = connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A connection as every drms process makes it: user postgres, the password from the home's password file. */
    static Connection connect(EmbeddedDatabase db) throws Exception {
        return DriverManager.getConnection(db.jdbcUrl(), "postgres", db.password());
    }
}
