package org.drmsbatch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code drms.*} configuration. Every property has a default that works on a fresh machine; paths live under
 * {@code drms.home}.
 *
 * @param home       the one directory everything defaults under (database, storage partitions, buffer)
 * @param partitions SUMS disk partitions (storage-unit roots); default {@code <home>/sums/SUM0}
 * @param database   the embedded PostgreSQL used when no {@code spring.datasource.url} is set
 * @param session    DRMS session settings
 * @param sums       SUMS' scrub watermarks and partition capacity
 * @param tape       the tape library (off unless {@code drms.tape.directory} is set)
 */
@ConfigurationProperties(prefix = "drms")
public record DrmsProperties(Path home, List<Path> partitions, Database database, Session session, SumsSettings sums,
                             Tape tape) {

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
        if (sums == null) {
            sums = new SumsSettings(0, 0, null);
        }
        if (tape == null) {
            tape = new Tape(null, 0, 0, null, null, 0, null, null, null, null, null, null, null);
        }
        tape = tape.under(home);
    }

    /**
     * The data buffer's directory: {@code drms.buffer.directory} ({@code configured}, under the home when relative),
     * by default {@code <home>/buffer}.
     */
    public Path bufferDirectory(String configured) {
        return configured == null || configured.isBlank() ? home.resolve("buffer")
                : home.resolve(configured).toAbsolutePath().normalize();
    }

    /** Whether a tape library is configured: one of this site's ({@code drms.tape.directory}) or a remote one. */
    public boolean tapes() {
        return tape.directory() != null || tape.remote().url() != null;
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

    /**
     * {@code drms.sums.*}: when the scrub removes online copies.
     *
     * @param highWater percent of a partition's capacity in use above which the scrub removes copies (default 95)
     * @param lowWater  percent it removes down to (default 90)
     * @param capacity  the bytes SUMS may use on each partition; null: the partition's file system size (the use is
     *                  then the file system's); set: the use is the bytes of the units online on it
     */
    public record SumsSettings(double highWater, double lowWater, DataSize capacity) {
        public SumsSettings {
            if (highWater <= 0) {
                highWater = 95;
            }
            if (lowWater <= 0) {
                lowWater = 90;
            }
            if (highWater > 100 || lowWater > highWater) {
                throw new IllegalArgumentException("drms.sums watermarks must satisfy 0 < low-water (" + lowWater
                        + ") <= high-water (" + highWater + ") <= 100");
            }
        }
    }

    /**
     * {@code drms.tape.*}: the tape library and its cost model (LTO-9 full-height drives by default).
     *
     * @param directory      the library's volumes (one tar file per volume); null: no tape library
     * @param drives         drives that read and write volumes at once (default 2)
     * @param slots          volumes the library holds (default 100)
     * @param volumeCapacity bytes a volume holds (default 18 000 000 000 000, LTO-9 native: decimal units)
     * @param timeScale      how much of the modelled time is really waited: 1 real time, 0 none (default 1)
     * @param copies         copies of each archived unit: 1, or 2 (the second in tape group group + copy-group-offset)
     * @param copyGroupOffset added to a unit's tape group for its second copy (default 1000)
     * @param mountTime      robot move plus load and thread, before the first byte (default 32s)
     * @param unmountTime    unload plus robot move back to the slot (default 45s)
     * @param locateTime     fixed part of a seek to a position (default 8s)
     * @param fullSeekTime   added for a seek over the whole volume length, in proportion to the distance (default 80s)
     * @param streamingRate  bytes per second read or written once positioned (default 400 000 000, LTO-9 native)
     * @param remote         another site's server as the tape library ({@code drms.tape.remote.*}); refused together
     *                       with {@code directory}
     */
    public record Tape(Path directory, int drives, int slots, DataSize volumeCapacity, Double timeScale, int copies,
                       Integer copyGroupOffset, Duration mountTime, Duration unmountTime, Duration locateTime,
                       Duration fullSeekTime, DataSize streamingRate, Remote remote) {
        public Tape {
            drives = drives > 0 ? drives : 2;
            slots = slots > 0 ? slots : 100;
            volumeCapacity = volumeCapacity != null ? volumeCapacity : DataSize.ofBytes(18_000_000_000_000L);
            timeScale = timeScale != null ? timeScale : 1.0;
            if (timeScale < 0) {
                throw new IllegalArgumentException("drms.tape.time-scale must be >= 0 (1 real time, 0 no waiting)");
            }
            copies = copies > 0 ? copies : 1;
            if (copies > 2) {
                throw new IllegalArgumentException("drms.tape.copies must be 1 or 2");
            }
            copyGroupOffset = copyGroupOffset != null ? copyGroupOffset : 1000;
            mountTime = mountTime != null ? mountTime : Duration.ofSeconds(32);
            unmountTime = unmountTime != null ? unmountTime : Duration.ofSeconds(45);
            locateTime = locateTime != null ? locateTime : Duration.ofSeconds(8);
            fullSeekTime = fullSeekTime != null ? fullSeekTime : Duration.ofSeconds(80);
            streamingRate = streamingRate != null ? streamingRate : DataSize.ofBytes(400_000_000L);
            remote = remote != null ? remote : new Remote(null, null, null, null, null, null);
            if (directory != null && remote.url() != null) {
                throw new IllegalArgumentException("drms.tape.directory (" + directory + ") and drms.tape.remote.url ("
                        + remote.url() + ") are both set: the tape library is either this site's own (directory) or"
                        + " another site's server (remote.url), not both");
            }
        }

        /** With the directories under {@code home}. */
        Tape under(Path home) {
            return new Tape(directory == null ? null : home.resolve(directory).toAbsolutePath().normalize(), drives,
                    slots, volumeCapacity, timeScale, copies, copyGroupOffset, mountTime, unmountTime, locateTime,
                    fullSeekTime, streamingRate, remote.under(home));
        }
    }

    /**
     * {@code drms.tape.remote.*}: another drms-batch server (site B) as this site's tape library
     * ({@link org.drmsbatch.sums.tape.RemoteTapeLibrary}): tape files are uploaded to it and staged back through its
     * WLCG Tape REST API.
     *
     * @param url          B's base URL (https, or http to a loopback address); null: no remote library
     * @param token        B's API token (or a token of a user with the role operate on B), sent as Bearer
     * @param pollInterval how often a stage request on B is polled (default 5s)
     * @param timeout      the longest one request to B may take until B answers, an upload's body included
     *                     (default 10m)
     * @param stageTimeout the longest a read waits for B to bring a file back from its tape (default 2d)
     * @param directory    the volume labels this site keeps and the tape files being uploaded (default
     *                     {@code <home>/tape-remote})
     */
    public record Remote(java.net.URI url, String token, Duration pollInterval, Duration timeout,
                         Duration stageTimeout, Path directory) {
        public Remote {
            if (url != null && url.toString().isBlank()) {
                url = null;
            }
            token = token == null || token.isBlank() ? null : token.trim();
            pollInterval = pollInterval != null ? pollInterval : Duration.ofSeconds(5);
            timeout = timeout != null ? timeout : Duration.ofMinutes(10);
            stageTimeout = stageTimeout != null ? stageTimeout : Duration.ofDays(2);
            if (pollInterval.isNegative() || pollInterval.isZero() || timeout.isNegative() || timeout.isZero()
                    || stageTimeout.isNegative() || stageTimeout.isZero()) {
                throw new IllegalArgumentException("drms.tape.remote.poll-interval, timeout and stage-timeout must be"
                        + " positive");
            }
        }

        Remote under(Path home) {
            Path d = directory == null ? home.resolve("tape-remote") : home.resolve(directory);
            return new Remote(url, token, pollInterval, timeout, stageTimeout, d.toAbsolutePath().normalize());
        }

        /** The token without its value, for messages and toString. */
        @Override
        public String toString() {
            return "Remote[url=" + url + ", token=" + (token == null ? "none" : "(set)") + ", pollInterval="
                    + pollInterval + ", timeout=" + timeout + ", stageTimeout=" + stageTimeout + ", directory="
                    + directory + "]";
        }
    }
}
