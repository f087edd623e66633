package org.drmsbatch.sums;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUMS scrubbing (sums_steward.py and the classic DS_RmDo, specs/drms.md §6): when a partition's use is above the
 * high water, removes online copies of storage units, oldest effective date first, until it is at or below the low
 * water or nothing more may be taken.
 *
 * <ul>
 *   <li>An archived unit (archive_status Y) whose retention has ended (DADP or DARO, effective date passed) is taken
 *       offline: online_status N, its allocation row deleted, its directory removed; its catalog row stays, so it
 *       can be staged back from tape.</li>
 *   <li>A unit never archived whose retention has ended (DADP, archive_status N) is deleted: its sum_main and
 *       allocation rows and its directory, as SUMS does for temporary units.</li>
 *   <li>With {@code force}, archived units whose retention has not ended are taken offline too (oldest first).</li>
 *   <li>Never a unit waiting for the archive (DAAP), being written (DARW) or permanent (DAPERM), and never a pinned
 *       one: a {@code sums.sum_pin} row with no expiry or one in the future, where a {@code job:<execution id>}
 *       pin counts only while that execution runs (its {@code batch_job_execution.end_time} is null).</li>
 * </ul>
 *
 * <p>Each chunk of units is one transaction of its own (on a connection of its own, whatever transaction the caller
 * runs in); the directories are removed after it commits, so a crash in between leaves directories that no row owns,
 * which {@link Sums#sweep()} removes. When a scrub ends with the partition still above the high water, the partition
 * is disabled for writing ({@code sum_partn_avail.pds_set_num = -1}, as SUMS does); a later scrub that finds it at or
 * below the high water enables it again ({@code pds_set_num = 0}). A partition an operator disabled by hand is
 * therefore enabled again by the next scrub that finds room on it.
 *
 * <p>A partition's use is, with a capacity, the bytes of the units online on it (and of the open allocations' directories)
 * over that capacity; without one, the file system's (total - usable) / total.
 */
public class Scrub {

    private static final Logger log = LoggerFactory.getLogger(Scrub.class);

    private final DataSource dataSource;
    private final Clock clock;
    private final double highWater;
    private final double lowWater;
    private final Long capacity;

    /**
     * @param dataSource connections for the scrub's own transactions
     * @param highWater  percent of use above which a partition is scrubbed
     * @param lowWater   percent the scrub goes down to
     * @param capacity   bytes SUMS may use on each partition; null: the use is the file system's
     */
    public Scrub(DataSource dataSource, Clock clock, double highWater, double lowWater, Long capacity) {
        if (!(lowWater > 0 && lowWater <= highWater && highWater <= 100)) {
            throw new IllegalArgumentException("scrub watermarks must satisfy 0 < low-water (" + lowWater
                    + ") <= high-water (" + highWater + ") <= 100");
        }
        if (capacity != null && capacity <= 0) {
            throw new IllegalArgumentException("SUMS partition capacity must be positive, not " + capacity);
        }
        this.dataSource = dataSource;
        this.clock = clock;
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.capacity = capacity;
    }

    public double highWater() {
        return highWater;
    }

    public double lowWater() {
        return lowWater;
    }

    /**
     * What one partition's scrub did.
     *
     * @param before     use in percent when the scrub began
     * @param after      use in percent when it ended
     * @param offline    archived units taken offline (rows kept)
     * @param deleted    units never archived, deleted
     * @param bytesFreed the catalog's bytes of those units
     * @param ran        false: the partition was at or below the high water, nothing was taken
     * @param stillAbove the scrub ended above the high water: nothing more it may take
     * @param disabled   the partition is disabled for writing (because it is still above)
     * @param enabled    the partition was disabled and is enabled for writing again
     * @param highWater  the high water it was scrubbed against
     */
    public record Result(Path partition, double before, double after, int offline, int deleted, long bytesFreed,
                         boolean ran, boolean stillAbove, boolean disabled, boolean enabled, double highWater) {

        /**
         * One line for an exit description, the partition named {@code name}: use before → after (percent), units
         * taken offline, units deleted, bytes freed; or that it was below the high water.
         */
        public String describe(String name) {
            StringBuilder b = new StringBuilder(name).append(": ");
            if (!ran) {
                b.append(percent(before)).append(", below the high water (").append(percent(highWater))
                        .append("), nothing to do");
            } else {
                b.append(percent(before)).append(" → ").append(percent(after)).append(", ").append(offline)
                        .append(offline == 1 ? " unit" : " units").append(" taken offline, ").append(deleted)
                        .append(" deleted, ").append(bytesFreed).append(" bytes freed");
            }
            if (stillAbove) {
                b.append(", still above the high water (").append(percent(highWater))
                        .append(") with nothing more it may take");
            }
            if (disabled) {
                b.append(": disabled for writing");
            }
            if (enabled) {
                b.append(", enabled for writing again");
            }
            return b.toString();
        }

        static String percent(double p) {
            return String.format(Locale.ROOT, "%.1f%%", p);
        }
    }

    /** The bytes SUMS may use on each partition ({@code drms.sums.capacity}); null: the file system's size. */
    public Long capacity() {
        return capacity;
    }

    /** A partition's use in percent: see the class comment. */
    public double use(Path partition) {
        return usage(partition).percent();
    }

    /**
     * A partition's use in bytes, as {@link #use} measures it (metrics, health).
     *
     * @param usedBytes  with a capacity, the bytes of the units online on it (and of open allocations); without
     *                   one, the file system's total minus its usable space
     * @param totalBytes the capacity, or the file system's size
     * @param freeBytes  the room left: the file system's usable space, and with a capacity no more than what is left
     *                   of it (it can be negative when the units outgrew the capacity)
     * @param percent    the use in percent ({@link #use}), compared with the watermarks
     */
    public record Usage(long usedBytes, long totalBytes, long freeBytes, double percent) {
    }

    /** A partition's {@link Usage}: with a capacity, one query over its units online (not cheap on a big catalog). */
    public Usage usage(Path partition) {
        try {
            FileStore store = Files.getFileStore(partition);
            long usable = store.getUsableSpace();
            if (capacity == null) {
                long total = store.getTotalSpace();
                long used = total - usable;
                return new Usage(used, total, usable, total <= 0 ? 0 : 100.0 * used / total);
            }
            long used = usedBytes(partition);
            return new Usage(used, capacity, Math.min(usable, capacity - used), 100.0 * used / capacity);
        } catch (IOException e) {
            throw new StorageException("Cannot measure the use of SUMS partition " + partition + ": " + e, e);
        } catch (SQLException e) {
            throw new StorageException("Cannot read the units of SUMS partition " + partition + ": "
                    + e.getMessage(), e);
        }
    }

    /** The bytes of the units online on the partition, and of the directories of its open allocations. */
    private long usedBytes(Path partition) throws SQLException {
        String prefix = prefix(partition);
        long bytes;
        List<Path> open = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT coalesce(sum(bytes), 0) FROM sums.sum_main
                    WHERE online_status = 'Y' AND starts_with(online_loc, ?)""")) {
                ps.setString(1, prefix);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    bytes = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT wd FROM sums.sum_partn_alloc WHERE status = ? AND starts_with(wd, ?)")) {
                ps.setInt(1, SumsStatus.DARW);
                ps.setString(2, prefix);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        open.add(Path.of(rs.getString(1)));
                    }
                }
            }
        }
        for (Path d : open) {
            bytes += size(d);
        }
        return bytes;
    }

    /** Bytes of the files under a directory being written; what vanishes meanwhile counts nothing. */
    private static long size(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0; // gone meanwhile: its session ended
        }
    }

    private static String prefix(Path partition) {
        return partition.toAbsolutePath().normalize() + "/";
    }

    /**
     * Scrubs one partition: nothing when its use is at or below the high water, else chunks of at most
     * {@code chunkSize} units (one transaction each, their directories removed after its commit) until the use is
     * at or below the low water or nothing more may be taken.
     */
    public Result scrub(Path partition, boolean force, int chunkSize) {
        return scrub(partition, force, chunkSize, null);
    }

    /**
     * As {@link #scrub(Path, boolean, int)}, taking only units owned by {@code series} (any series when null): an
     * operator freeing the space one series takes, the demo taking its own series off disk.
     */
    public Result scrub(Path partition, boolean force, int chunkSize, String series) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, not " + chunkSize);
        }
        double before = use(partition);
        if (before <= highWater) {
            boolean enabled = series == null && setWritable(partition, true);
            return new Result(partition, before, before, 0, 0, 0, false, false, false, enabled, highWater);
        }
        int offline = 0;
        int deleted = 0;
        long freed = 0;
        double now = before;
        while (now > lowWater) {
            Chunk chunk = takeChunk(partition, force, chunkSize, series);
            if (chunk.isEmpty()) {
                break;
            }
            for (Path dir : chunk.directories) {
                Sums.deleteTree(dir); // after the commit: a crash before this leaves them to the sweep
            }
            offline += chunk.offline;
            deleted += chunk.deleted;
            freed += chunk.bytes;
            now = use(partition);
        }
        boolean stillAbove = now > highWater;
        // a scrub of one series says nothing of what else the partition could give: it leaves its state alone
        boolean whole = series == null;
        boolean enabled = whole && setWritable(partition, !stillAbove) && !stillAbove;
        Result r = new Result(partition, before, now, offline, deleted, freed, true, stillAbove, whole && stillAbove,
                enabled, highWater);
        if (stillAbove && whole) {
            log.warn("SUMS scrub: {}", r.describe(partition.toString()));
        } else {
            log.info("SUMS scrub: {}", r.describe(partition.toString()));
        }
        return r;
    }

    /** The units one chunk took, committed, and the directories to remove now. */
    private record Chunk(int offline, int deleted, long bytes, List<Path> directories) {
        boolean isEmpty() {
            return offline + deleted == 0;
        }
    }

    /**
     * The candidates, oldest effective date first, locked (rows another transaction holds are skipped: a session
     * touching a unit's retention, another scrub): online units on the partition whose retention has ended (DADP, or
     * DARO when archived), with {@code force} also archived ones whose retention has not, never pinned.
     */
    private static final String CANDIDATES = """
            SELECT m.ds_index, m.online_loc, m.archive_status, m.bytes
            FROM sums.sum_partn_alloc a JOIN sums.sum_main m ON m.ds_index = a.ds_index
            WHERE m.online_status = 'Y' AND starts_with(m.online_loc, ?)
              AND (   (m.archive_status = 'Y' AND a.status IN (%1$d, %2$d) AND (a.effective_date < ? OR ?))
                   OR (m.archive_status = 'N' AND a.status = %1$d AND a.effective_date < ?))
              AND (?::text IS NULL OR lower(m.owning_series) = lower(?::text))
              AND NOT EXISTS (
                  SELECT 1 FROM sums.sum_pin p
                  WHERE p.ds_index = m.ds_index AND (p.expires IS NULL OR p.expires > ?)
                    AND (p.holder NOT LIKE 'job:%%' OR EXISTS (
                        SELECT 1 FROM batch_job_execution e
                        WHERE 'job:' || e.job_execution_id = p.holder AND e.end_time IS NULL)))
            ORDER BY a.effective_date, m.ds_index
            LIMIT ?
            FOR UPDATE OF a, m SKIP LOCKED""".formatted(SumsStatus.DADP, SumsStatus.DARO);

    private Chunk takeChunk(Path partition, boolean force, int chunkSize, String series) {
        String today = Sums.effectiveDate(LocalDateTime.now(clock));
        List<Long> archived = new ArrayList<>();
        List<Long> temporary = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        long bytes = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(CANDIDATES)) {
                    ps.setString(1, prefix(partition));
                    ps.setString(2, today);
                    ps.setBoolean(3, force);
                    ps.setString(4, today);
                    ps.setString(5, series);
                    ps.setString(6, series);
                    ps.setObject(7, OffsetDateTime.now(clock.withZone(ZoneOffset.UTC)));
                    ps.setInt(8, chunkSize);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ("Y".equals(rs.getString(3)) ? archived : temporary).add(rs.getLong(1));
                            dirs.add(Path.of(rs.getString(2)));
                            bytes += rs.getLong(4);
                        }
                    }
                }
                if (!archived.isEmpty()) {
                    try (PreparedStatement m = c.prepareStatement(
                            "UPDATE sums.sum_main SET online_status = 'N' WHERE ds_index = ANY (?)");
                         PreparedStatement a = c.prepareStatement(
                                 "DELETE FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)")) {
                        m.setArray(1, c.createArrayOf("bigint", archived.toArray()));
                        m.executeUpdate();
                        a.setArray(1, c.createArrayOf("bigint", archived.toArray()));
                        a.executeUpdate();
                    }
                }
                if (!temporary.isEmpty()) {
                    try (PreparedStatement a = c.prepareStatement(
                            "DELETE FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)");
                         PreparedStatement m = c.prepareStatement(
                                 "DELETE FROM sums.sum_main WHERE ds_index = ANY (?)")) {
                        a.setArray(1, c.createArrayOf("bigint", temporary.toArray()));
                        a.executeUpdate();
                        m.setArray(1, c.createArrayOf("bigint", temporary.toArray()));
                        m.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StorageException("SUMS scrub of " + partition + " failed: " + e.getMessage(), e);
        }
        return new Chunk(archived.size(), temporary.size(), bytes, dirs);
    }

    /**
     * Disables the partition for writing ({@code pds_set_num -1}), or enables one that is disabled; returns whether
     * that changed it.
     */
    private boolean setWritable(Path partition, boolean writable) {
        String sql = writable
                ? "UPDATE sums.sum_partn_avail SET pds_set_num = 0 WHERE partn_name = ? AND pds_set_num < 0"
                : "UPDATE sums.sum_partn_avail SET pds_set_num = -1 WHERE partn_name = ? AND pds_set_num >= 0";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            c.setAutoCommit(true);
            ps.setString(1, partition.toAbsolutePath().normalize().toString());
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new StorageException("Cannot " + (writable ? "enable" : "disable") + " SUMS partition "
                    + partition + " for writing: " + e.getMessage(), e);
        }
    }
}
