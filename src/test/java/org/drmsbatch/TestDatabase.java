package org.drmsbatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place tests get a real PostgreSQL: the server named by {@code DRMS_TEST_DB_URL} when set (e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}), a Testcontainers PostgreSQL where a Docker
 * engine runs, else an embedded server from the io.zonky binaries. One server per test JVM; every caller of
 * {@link #newDatabase()} gets a fresh database in it, so tests never see each other's series.
 */
public final class TestDatabase {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile String adminUrl;
    private static volatile String user = "postgres";

    private TestDatabase() {
    }

    private static synchronized String adminUrl() {
        if (adminUrl != null) {
            return adminUrl;
        }
        String external = System.getenv("DRMS_TEST_DB_URL");
        try {
            if (external != null && !external.isBlank()) {
                adminUrl = external;
                String u = System.getenv("DRMS_TEST_DB_USER");
                user = u != null ? u : "postgres";
            } else if (dockerAvailable()) {
                PostgreSQLContainer pg = new PostgreSQLContainer("postgres:17");
                pg.start();
                adminUrl = pg.getJdbcUrl() + (pg.getJdbcUrl().contains("?") ? "&" : "?") + "password="
                        + pg.getPassword();
                user = pg.getUsername();
            } else {
                Path dir = Files.createTempDirectory("drms-test-pg");
                EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                        .setRegisterShutdownHook(false).start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAfterSpring(pg), "test-postgres-stop"));
                adminUrl = pg.getJdbcUrl("postgres", "postgres");
            }
        } catch (Exception e) {
            throw new IllegalStateException("No test database: " + e, e);
        }
        return adminUrl;
    }

    /**
     * Stops the embedded server once Spring's shutdown hook has closed the suite's cached contexts: the JVM runs its
     * hooks at once, and a server stopped under open contexts left each pool retrying its connections until the
     * forked JVM was killed (and the server left running).
     */
    private static void stopAfterSpring(EmbeddedPostgres pg) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        long appear = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        boolean seen = false;
        while (!seen && System.nanoTime() < appear) { // the hooks start one after the other
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("SpringApplicationShutdownHook")) {
                    seen = true;
                    try {
                        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            if (!seen) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try {
            pg.close();
        } catch (java.io.IOException e) {
            // the JVM is going away: nothing more to do
        }
    }

    private static boolean dockerAvailable() {
        if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
            return false; // no engine to ask (and Testcontainers would log an error saying so)
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Creates a new empty database and returns its JDBC URL. */
    public static String newDatabase() {
        String admin = adminUrl();
        String name = "drms_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(admin, user, null); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create test database " + name + ": " + e.getMessage(), e);
        }
        if (System.getenv("DRMS_TEST_DB_URL") != null) {
            dropAtExit(admin, name); // do not leave test databases behind on a shared server
        }
        return withDatabase(admin, name);
    }

    private static void dropAtExit(String admin, String name) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection c = DriverManager.getConnection(admin, user, null); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop test database " + name + ": " + e.getMessage());
            }
        }, "drop-" + name));
    }

    public static String user() {
        adminUrl();
        return user;
    }

    static String withDatabase(String url, String db) {
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        String params = q < 0 ? "" : url.substring(q);
        int slash = base.lastIndexOf('/');
        return base.substring(0, slash + 1) + db + params;
    }

    /** The database made for each home, so that a home always goes with the catalog that claimed its partitions. */
    private static final java.util.Map<Path, String> BY_HOME = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Points a Spring test context at a fresh database and a fresh home directory. The database is made once per
     * home: a context that Spring's cache evicted and makes again gets the same one.
     */
    public static void register(DynamicPropertyRegistry registry, Path home) {
        register(registry, BY_HOME.computeIfAbsent(home.toAbsolutePath(), h -> newDatabase()), home);
    }

    /** Points a Spring test context at the database {@code url} and the home directory {@code home}. */
    public static void register(DynamicPropertyRegistry registry, String url, Path home) {
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", TestDatabase::user);
        registry.add("drms.home", home::toString);
        // the suite's cached contexts (up to 32) share one server of 100 connections: none keeps idle ones long
        registry.add("spring.datasource.hikari.minimum-idle", () -> "0");
        registry.add("spring.datasource.hikari.idle-timeout", () -> "10000"); // ms
    }
}
