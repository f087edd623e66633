package org.drmsbatch.config;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default database: a PostgreSQL server started from the io.zonky embedded binaries with its data directory
 * under {@code drms.home}, so the catalog survives restarts. One home has one server: when the data directory
 * already has a running postmaster (another {@code drms} process, or a server left running by one that was
 * killed), this process connects to it instead of starting a second one. The last process using the server
 * stops it (see {@link #close()}).
 */
public final class EmbeddedDatabase implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final EmbeddedPostgres owned;
    private final Path dataDirectory;
    private final int port;
    private final String database;
    private Connection keepAlive;

    private EmbeddedDatabase(EmbeddedPostgres owned, Path dataDirectory, int port, String database) {
        this.owned = owned;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.database = database;
    }

    /** Connects to the server of {@code dataDirectory}, starting it when none runs, and creates {@code database}. */
    public static EmbeddedDatabase open(Path dataDirectory, String database) {
        Path lockFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".lock");
        try {
            Files.createDirectories(dataDirectory.getParent());
            // Processes that open the same home at the same moment take turns: the first makes and starts the
            // server (initdb must not run twice on one directory), the others then find it running.
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                Integer running = runningPort(dataDirectory);
                EmbeddedDatabase db;
                if (running != null) {
                    log.info("Using the PostgreSQL server already running on {} (port {})", dataDirectory, running);
                    db = new EmbeddedDatabase(null, dataDirectory, running, database);
                } else {
                    EmbeddedPostgres pg = EmbeddedPostgres.builder()
                            .setDataDirectory(dataDirectory)
                            .setCleanDataDirectory(false)
                            .setServerConfig("synchronous_commit", "on")
                            .setServerConfig("max_connections", "200")
                            .setPGStartupWait(START_TIMEOUT)
                            .setRegisterShutdownHook(false) // close() decides whether to stop the server
                            .start();
                    log.info("Started the embedded PostgreSQL server in {} on port {}", dataDirectory, pg.getPort());
                    db = new EmbeddedDatabase(pg, dataDirectory, pg.getPort(), database);
                }
                db.createDatabase();
                // held until close(): while this process lives it counts as a user of the server
                db.keepAlive = DriverManager.getConnection(url(db.port, "postgres"), "postgres", "");
                return db;
            }
        } catch (IOException | IllegalStateException | SQLException e) {
            throw new IllegalStateException("Cannot start or reach the PostgreSQL server of " + dataDirectory + ": "
                    + e.getMessage(), e);
        }
    }

    /** The port of a live server on this data directory (from its postmaster.pid), or null. */
    static Integer runningPort(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            if (lines.size() < 4) {
                return null; // being written by a starting server
            }
            int port = Integer.parseInt(lines.get(3).trim());
            try (Connection c = DriverManager.getConnection(url(port, "postgres"), "postgres", "");
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW data_directory")) {
                rs.next();
                // a stale pid file can name a port that another server uses now
                return Files.isSameFile(Path.of(rs.getString(1)), dataDirectory) ? port : null;
            }
        } catch (IOException | NumberFormatException | SQLException e) {
            return null;
        }
    }

    private void createDatabase() {
        if (!database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalStateException("Bad database name '" + database + "' (drms.database.name): letters,"
                    + " digits and '_' only");
        }
        try (Connection c = DriverManager.getConnection(url(port, "postgres"), "postgres", "");
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            try {
                s.execute("CREATE DATABASE \"" + database + "\"");
            } catch (SQLException raced) {
                if (!"42P04".equals(raced.getSQLState())) { // duplicate_database: another process made it
                    throw raced;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + database + " on port " + port + ": "
                    + e.getMessage(), e);
        }
    }

    private static String url(int port, String db) {
        return "jdbc:postgresql://localhost:" + port + "/" + db + "?user=postgres";
    }

    public String jdbcUrl() {
        return url(port, database);
    }

    public int port() {
        return port;
    }

    /** Whether this process started the server (and will stop it on close). */
    public boolean owner() {
        return owned != null;
    }

    /**
     * Leaves the server to whoever still uses it: the last process out stops it. When other clients are still
     * connected (another {@code drms} command on the same home), the server keeps running and the last of them
     * stops it when it closes, whichever process started it.
     */
    @Override
    public void close() throws IOException {
        Path lockFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) { // no other process opens the server while we decide to stop it
            int keepAlivePid = -1;
            if (keepAlive != null) {
                try (Statement s = keepAlive.createStatement();
                     ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    keepAlivePid = rs.getInt(1);
                } catch (SQLException e) {
                    // the server is gone already
                }
                try {
                    keepAlive.close();
                } catch (SQLException e) {
                    // the server is gone already
                }
                keepAlive = null;
            }
            int others;
            // our own keep-alive backend may still be on its way out: it does not count
            try (Connection c = DriverManager.getConnection(url(port, "postgres"), "postgres", "");
                 PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                         + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND pid <> ?")) {
                s.setInt(1, keepAlivePid);
                // a client that just closed its connection may still be listed for a moment: look again briefly
                long deadline = System.nanoTime() + 500_000_000L;
                while (true) {
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        others = rs.getInt(1);
                    }
                    if (others == 0 || System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                others = 1; // leave the server running rather than stop it under a client
            } catch (SQLException gone) {
                others = 0; // the server is gone already
            }
            if (others > 0) {
                log.info("Leaving the PostgreSQL server on port {} running for its {} other client(s)", port, others);
                return;
            }
            if (owned != null) {
                owned.close();
                return;
            }
            stopServer();
        }
    }

    /** Stops a server this process did not start: SIGTERM to its postmaster (a smart shutdown), then waits. */
    private void stopServer() {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            long pid = Long.parseLong(lines.get(0).trim());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.warn("The PostgreSQL server (pid {}) did not stop within 20 s", pid);
                }
            });
        } catch (IOException | RuntimeException e) {
            log.debug("No server to stop in {}: {}", dataDirectory, e.toString());
        }
    }
}
