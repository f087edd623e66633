package org.drmsbatch.config;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code drms.*} configuration. Every property has a default that works on a fresh machine; paths live under
 * {@code drms.home}.
 *
 * @param home       the one directory everything defaults under (database, storage partitions, buffer)
 * @param partitions SUMS disk partitions (storage-unit roots); default {@code <home>/sums/SUM0}
 * @param database   the embedded PostgreSQL used when no {@code spring.datasource.url} is set
 * @param session    DRMS session settings
 */
@ConfigurationProperties(prefix = "drms")
public record DrmsProperties(Path home, List<Path> partitions, Database database, Session session) {

    public DrmsProperties {
        if (home == null) {
            home = Path.of(System.getProperty("user.home"), ".drms");
        }
        home = home.toAbsolutePath().normalize();
        if (partitions == null || partitions.isEmpty()) {
            partitions = List.of(home.resolve("sums").resolve("SUM0"));
        }
        final Path h = home;
        partitions = partitions.stream().map(p -> h.resolve(p).toAbsolutePath().normalize()).toList();
        if (database == null) {
            database = new Database(null, "drms");
        }
        if (session == null) {
            session = new Session("drms", 2);
        }
    }

    /**
     * A path as messages and answers show it: relative to the home when it is under it ({@code exports/JSOC_1},
     * {@code sums/SUM0/D12/S00000/image.fits}), so that no absolute server path is given away; else as it is.
     */
    public String shown(Path path) {
        Path p = path.toAbsolutePath().normalize();
        return p.startsWith(home) && !p.equals(home) ? home.relativize(p).toString() : relative(p.toString());
    }

    /**
     * A text (a message, an exit description, a stack trace) with the home's absolute path taken out: paths under
     * the home become relative to it, the home itself reads {@code <drms.home>}.
     */
    public String relative(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String h = home.toString();
        if (h.equals("/")) {
            return text;
        }
        String out = text.replace(h + "/", "");
        return out.replaceAll(Pattern.quote(h) + "(?![\\w.-])", Matcher.quoteReplacement("<drms.home>"));
    }

    /** The embedded PostgreSQL's data directory: {@code <home>/db} unless set. */
    public Path databaseDirectory() {
        return database.directory() != null ? home.resolve(database.directory()) : home.resolve("db");
    }

    /**
     * @param directory data directory of the embedded server (default {@code <home>/db})
     * @param name      database created in it for the catalog
     */
    public record Database(Path directory, String name) {
        public Database {
            if (name == null || name.isBlank()) {
                name = "drms";
            }
        }
    }

    /**
     * @param namespace          the session namespace recorded with every record ({@code sessionns})
     * @param defaultRetention   SUMS retention in days when a series gives none
     */
    public record Session(String namespace, int defaultRetention) {
        public Session {
            if (namespace == null || namespace.isBlank()) {
                namespace = "drms";
            }
            if (defaultRetention <= 0) {
                defaultRetention = 2;
            }
        }
    }
}
