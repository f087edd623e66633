package org.drmsbatch.config;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default database: a PostgreSQL server started from the io.zonky embedded binaries with its data directory
 * under {@code drms.home}, so the catalog survives restarts. One home has one server: when the data directory
 * already has a running postmaster (another {@code drms} process, or a server left running by one that was
 * killed), this process connects to it instead of starting a second one. The last process using the server
 * stops it (see {@link #close()}).
 *
 * <p>The server listens on 127.0.0.1 only and accepts password logins only (SCRAM-SHA-256, no {@code trust} line in
 * pg_hba.conf). The password is generated (SecureRandom) when the home is made and kept beside the data directory in
 * {@code <data directory>.password} ({@code <home>/db.password}), a file only its owner can read; every process
 * using the home reads it there. A home made before (pg_hba.conf trusting every local user) is upgraded when it is
 * next opened: the password is set, pg_hba.conf rewritten and the server reloaded. The password is never logged, put
 * in a message or on a command line (initdb reads it from the file).
 */
public final class EmbeddedDatabase implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String LOOPBACK = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String MAINTENANCE_DB = "postgres";
    private static final String AUTH = "scram-sha-256";
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What an upgraded home's pg_hba.conf says: the lines initdb writes with {@code --auth=scram-sha-256}. */
    private static final String PASSWORD_ONLY_HBA = """
            # Written by drms: password logins only (SCRAM-SHA-256); the password is in <data directory>.password
            # TYPE  DATABASE        USER            ADDRESS                 METHOD
            local   all             all                                     scram-sha-256
            host    all             all             127.0.0.1/32            scram-sha-256
            host    all             all             ::1/128                 scram-sha-256
            local   replication     all                                     scram-sha-256
            host    replication     all             127.0.0.1/32            scram-sha-256
            host    replication     all             ::1/128                 scram-sha-256
            """;

    private final EmbeddedPostgres owned;
    private final Path dataDirectory;
    private final int port;
    private final String database;
    private final String password;
    private Connection keepAlive;

    private EmbeddedDatabase(EmbeddedPostgres owned, Path dataDirectory, int port, String database, String password) {
        this.owned = owned;
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.database = database;
        this.password = password;
    }

    /** Connects to the server of {@code dataDirectory}, starting it when none runs, and creates {@code database}. */
    public static EmbeddedDatabase open(Path dataDirectory, String database) {
        Path lockFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".lock");
        Path passwordFile = passwordFile(dataDirectory);
        try {
            Files.createDirectories(dataDirectory.getParent());
            // Processes that open the same home at the same moment take turns: the first makes and starts the
            // server (initdb must not run twice on one directory), the others then find it running.
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                String password = password(dataDirectory, passwordFile);
                Integer running = runningPort(dataDirectory, password);
                EmbeddedDatabase db;
                if (running != null) {
                    log.info("Using the PostgreSQL server already running on {} (port {})", dataDirectory, running);
                    db = new EmbeddedDatabase(null, dataDirectory, running, database, password);
                } else {
                    EmbeddedPostgres pg = start(dataDirectory, passwordFile, password);
                    log.info("Started the embedded PostgreSQL server in {} on port {}", dataDirectory, pg.getPort());
                    db = new EmbeddedDatabase(pg, dataDirectory, pg.getPort(), database, password);
                }
                db.requirePasswordOnly();
                db.createDatabase();
                // held until close(): while this process lives it counts as a user of the server
                db.keepAlive = db.connect(MAINTENANCE_DB);
                return db;
            }
        } catch (IOException | IllegalStateException | SQLException e) {
            throw new IllegalStateException("Cannot start or reach the PostgreSQL server of " + dataDirectory + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Starts the server of {@code dataDirectory}, making it first when the directory is new: initdb writes
     * pg_hba.conf with SCRAM-SHA-256 for every line (zonky passes {@code -A trust}; the later {@code --auth}
     * overrides it) and reads the superuser's password from the password file.
     */
    private static EmbeddedPostgres start(Path dataDirectory, Path passwordFile, String password) throws IOException {
        try {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setLocaleConfig("auth", AUTH) // initdb options, passed as --name=value
                    .setLocaleConfig("pwfile", passwordFile.toString())
                    .setServerConfig("listen_addresses", LOOPBACK)
                    .setServerConfig("password_encryption", AUTH)
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "200")
                    .setConnectConfig("password", password) // zonky's own check that the server is up
                    .setPGStartupWait(START_TIMEOUT)
                    .setRegisterShutdownHook(false) // close() decides whether to stop the server
                    .start();
        } catch (IOException e) {
            if (!passwordRefused(e)) {
                throw e;
            }
            // zonky waited for a login the server refuses: the server runs, and nobody can use it
            stopServer(dataDirectory);
            throw refused(passwordFile);
        }
    }

    /** The port of a live server on this data directory (from its postmaster.pid), or null. */
    static Integer runningPort(Path dataDirectory) {
        Path passwordFile = passwordFile(dataDirectory);
        try {
            return runningPort(dataDirectory, Files.exists(passwordFile) ? readPassword(passwordFile) : null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The port of a live server on this data directory, or null when none runs (no pid file, its postmaster is
     * gone, or the port it names is not answering for this directory).
     *
     * @throws IllegalStateException when this directory's server runs but refuses the password
     */
    private static Integer runningPort(Path dataDirectory, String password) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return null;
        }
        int port;
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            if (lines.size() < 4) {
                return null; // being written by a starting server
            }
            // a pid file left by a killed server: its port may be another server's now, which must not be sent
            // the password
            if (!isPostmaster(Long.parseLong(lines.get(0).trim()))) {
                return null;
            }
            port = Integer.parseInt(lines.get(3).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        try (Connection c = connect(port, MAINTENANCE_DB, password);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            return Files.isSameFile(Path.of(rs.getString(1)), dataDirectory) ? port : null;
        } catch (SQLException e) {
            if (passwordRefused(e)) {
                throw refused(passwordFile(dataDirectory));
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isPostmaster(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(p -> p.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("postgres"))
                        .orElse(true)) // another user's process does not show its command: let the login decide
                .orElse(false);
    }

    /** The file holding the superuser's password of the server in {@code dataDirectory}. */
    static Path passwordFile(Path dataDirectory) {
        return dataDirectory.resolveSibling(dataDirectory.getFileName() + ".password");
    }

    /**
     * The password of the home's server: read from its file, or generated for a new home and for one made before
     * passwords (whose pg_hba.conf trusts local users; {@link #requirePasswordOnly} then sets it). A server that
     * already wants a password whose file is gone is an error: a new password would not open it.
     */
    private static String password(Path dataDirectory, Path passwordFile) throws IOException {
        if (Files.exists(passwordFile)) {
            return readPassword(passwordFile);
        }
        Path hba = dataDirectory.resolve("pg_hba.conf");
        if (Files.exists(hba) && !trustsSomeone(hba)) {
            throw new IllegalStateException("the password file " + passwordFile + " is missing, and the server"
                    + " accepts no login without it: restore the file (one line, the password of the user postgres)");
        }
        return createPassword(passwordFile);
    }

    private static boolean trustsSomeone(Path hba) throws IOException {
        for (String line : Files.readAllLines(hba, StandardCharsets.UTF_8)) {
            int comment = line.indexOf('#');
            String rule = comment >= 0 ? line.substring(0, comment) : line;
            for (String word : rule.trim().split("\\s+")) {
                if (word.equals("trust")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String readPassword(Path passwordFile) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(passwordFile);
        if (!OWNER_ONLY.containsAll(permissions)) {
            Files.setPosixFilePermissions(passwordFile, OWNER_ONLY);
            log.warn("{} could be read by others ({}): it is its owner's alone again (rw-------)", passwordFile,
                    PosixFilePermissions.toString(permissions));
        }
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        if (password.isEmpty() || password.contains("\n")) {
            throw new IllegalStateException("the password file " + passwordFile + " must hold one line, the password"
                    + " of the user postgres");
        }
        return password;
    }

    /**
     * Writes a new random password (256 bits, base64url) to {@code passwordFile}: into a file created with owner-only
     * permissions (never readable by others, whatever the umask), synced, then renamed into place, so no reader
     * ever finds the file partly written.
     */
    private static String createPassword(Path passwordFile) throws IOException {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        writeOwnerOnly(passwordFile, password + "\n");
        log.info("Generated the password of the embedded PostgreSQL server in {}", passwordFile);
        return password;
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(temporary);
        try (FileChannel ch = FileChannel.open(temporary, EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("Cannot write " + file + " readable by its owner only: the embedded"
                    + " PostgreSQL needs a file system with POSIX permissions (or set spring.datasource.url)");
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Makes the server accept password logins only: a home made before passwords (pg_hba.conf trusting local
     * users, or a trusting configuration still loaded) gets the password of its file set for the user postgres
     * (hashed here: the password itself is not sent to the server), pg_hba.conf rewritten and the configuration
     * reloaded.
     */
    private void requirePasswordOnly() throws SQLException, IOException {
        Path hba;
        try (Connection c = connect(MAINTENANCE_DB); Statement s = c.createStatement()) {
            int others;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method IS"
                    + " DISTINCT FROM '" + AUTH + "' AND auth_method IS DISTINCT FROM 'reject'")) {
                rs.next();
                others = rs.getInt(1);
            }
            if (others == 0 && !acceptsWithoutPassword()) {
                return;
            }
            try (ResultSet rs = s.executeQuery("SHOW hba_file")) {
                rs.next();
                hba = Path.of(rs.getString(1));
            }
            log.info("The PostgreSQL server of {} trusts local users: setting the password of {} and rewriting {}",
                    dataDirectory, passwordFile(dataDirectory), hba);
            c.unwrap(PGConnection.class).alterUserPassword(SUPERUSER, password.toCharArray(), AUTH);
            writeOwnerOnly(hba, PASSWORD_ONLY_HBA);
            s.execute("SELECT pg_reload_conf()");
        }
        // the postmaster reloads its configuration when it gets to the signal: wait for that
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (acceptsWithoutPassword()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The PostgreSQL server of " + dataDirectory + " still accepts logins"
                        + " without a password 30 s after " + hba + " was rewritten and reloaded");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while the PostgreSQL server of " + dataDirectory
                        + " reloads its pg_hba.conf");
            }
        }
        log.info("The PostgreSQL server of {} accepts password logins only now", dataDirectory);
    }

    private boolean acceptsWithoutPassword() {
        try (Connection c = connect(port, MAINTENANCE_DB, null)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Whether {@code e} (or a cause) is the server refusing a login (invalid password or authorization). */
    private static boolean passwordRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("28")) {
                return true;
            }
        }
        return false;
    }

    private static IllegalStateException refused(Path passwordFile) {
        return new IllegalStateException("the server refuses the password in " + passwordFile + " (the file was"
                + " changed after the server was made): restore it");
    }

    private void createDatabase() {
        if (!database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalStateException("Bad database name '" + database + "' (drms.database.name): letters,"
                    + " digits and '_' only");
        }
        try (Connection c = connect(MAINTENANCE_DB);
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
        return "jdbc:postgresql://" + LOOPBACK + ":" + port + "/" + db + "?user=" + SUPERUSER;
    }

    private static Connection connect(int port, String db, String password) throws SQLException {
        Properties properties = new Properties();
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(url(port, db), properties);
    }

    private Connection connect(String db) throws SQLException {
        return connect(port, db, password);
    }

    /** The database's URL, user postgres; its password is {@link #password()}. */
    public String jdbcUrl() {
        return url(port, database);
    }

    /** The password of the user postgres, from the home's password file: for a connection pool, never to show. */
    String password() {
        return password;
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
            try (Connection c = connect(MAINTENANCE_DB);
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
            stopServer(dataDirectory);
        }
    }

    /** Stops a server this process did not start: SIGTERM to its postmaster (a smart shutdown), then waits. */
    private static void stopServer(Path dataDirectory) {
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
