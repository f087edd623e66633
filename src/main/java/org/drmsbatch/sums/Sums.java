package org.drmsbatch.sums;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Storage Unit Management System (specs/drms.md §6): allocates storage-unit directories on partitions,
 * commits them ({@code put}), finds them ({@code get}) with the retention touch, and sweeps directories that no
 * committed row owns.
 *
 * <p>Allocation is recorded at once, outside the caller's transaction, as a DARW row naming the DRMS session; the
 * commit ({@link #put}) runs inside the caller's transaction. So an allocation whose transaction never commits is
 * visible to {@link #sweep()} as a DARW row of a session that is over, and its directory is removed. A session
 * is live while its transaction holds the advisory lock on its session id (taken by {@code DrmsSession}).
 */
public class Sums {

    private static final Logger log = LoggerFactory.getLogger(Sums.class);
    static final DateTimeFormatter EFFECTIVE_DATE = DateTimeFormatter.ofPattern("yyyyMMddHHmm");
    /** Days added to the retention when an SU is touched by a get (SUMS "3 days grace"). */
    static final int TOUCH_GRACE_DAYS = 3;

    private final DataSource dataSource;
    private final List<Path> partitions;
    private final Clock clock;
    private final boolean tapes;

    /** SUMS without a tape library. */
    public Sums(DataSource dataSource, List<Path> partitions) {
        this(dataSource, partitions, Clock.systemUTC(), false);
    }

    public Sums(DataSource dataSource, List<Path> partitions, Clock clock) {
        this(dataSource, partitions, clock, false);
    }

    /**
     * @param dataSource connections for SUMS' own autocommit writes (a session's writes use its transaction)
     * @param tapes      whether a tape library archives units: then units of archived series wait for it
     *                   (DAAP); without one every unit is deleted when its retention ends (DADP), as SUMS does
     */
    public Sums(DataSource dataSource, List<Path> partitions, Clock clock, boolean tapes) {
        this.dataSource = dataSource;
        this.partitions = List.copyOf(partitions);
        this.clock = clock;
        this.tapes = tapes;
    }

    public List<Path> partitions() {
        return partitions;
    }

    /** Name of the marker file that ties a partition to one catalog. */
    public static final String MARKER = ".drms-catalog";

    /**
     * Creates the partition directories, claims them for this catalog (a marker file holding the catalog's id)
     * and records them in {@code sum_partn_avail}. A partition that another catalog has claimed is refused:
     * two databases must never share (and sweep) one partition.
     */
    public void registerPartitions() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO sums.sum_partn_avail (partn_name, total_bytes, avail_bytes) VALUES (?, ?, ?)
                     ON CONFLICT (partn_name) DO UPDATE SET total_bytes = excluded.total_bytes,
                                                            avail_bytes = excluded.avail_bytes""")) {
            String id = catalogId(c);
            for (Path p : partitions) {
                Files.createDirectories(p);
                claim(p, id);
                FileStore store = Files.getFileStore(p);
                ps.setString(1, p.toString());
                ps.setLong(2, store.getTotalSpace());
                ps.setLong(3, store.getUsableSpace());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new StorageException("Cannot register SUMS partitions: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("Cannot create SUMS partition: " + e.getMessage(), e);
        }
    }

    private static String catalogId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM sums.sum_catalog")) {
            if (!rs.next()) {
                throw new SQLException("sums.sum_catalog is empty");
            }
            return rs.getString(1);
        }
    }

    private static void claim(Path partition, String id) throws IOException {
        Path marker = partition.resolve(MARKER);
        if (!Files.exists(marker)) {
            Path tmp = Files.createTempFile(partition, MARKER, ".tmp");
            Files.writeString(tmp, id + "\n");
            try {
                Files.move(tmp, marker, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        String owner = Files.readString(marker).trim();
        if (!owner.equals(id)) {
            throw new StorageException("SUMS partition " + partition + " belongs to another catalog (" + owner
                    + ", this database is " + id + "). Give this database partitions of its own (drms.partitions"
                    + " or another drms.home).");
        }
    }

    /**
     * What keeps this host from using the catalog's partitions: one sentence per partition (those registered in
     * {@code sum_partn_avail} by any host, and this host's own) that is not a directory here carrying this catalog's
     * marker; empty when all are. A cluster's hosts share the partitions (NFS, CephFS) at the same paths; a worker
     * checks this before it takes a partition, and never creates a missing partition (its empty local directory would
     * hide the shared one).
     */
    public List<String> unavailablePartitions() {
        List<String> problems = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            String id = catalogId(c);
            Set<Path> all = new java.util.LinkedHashSet<>(partitions);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT partn_name FROM sums.sum_partn_avail ORDER BY partn_name")) {
                while (rs.next()) {
                    all.add(Path.of(rs.getString(1)));
                }
            }
            for (Path p : all) {
                if (!Files.isDirectory(p)) {
                    problems.add("SUMS partition " + p + " does not exist on this host");
                } else if (!Files.isRegularFile(p.resolve(MARKER))) {
                    problems.add("SUMS partition " + p + " on this host has no " + MARKER
                            + " marker: it is not the catalog's shared partition");
                } else if (!ours(p, id)) {
                    problems.add("SUMS partition " + p + " on this host belongs to another catalog");
                }
            }
        } catch (SQLException e) {
            throw new StorageException("Cannot read SUMS partitions: " + e.getMessage(), e);
        }
        return problems;
    }

    /** Whether a partition carries this catalog's marker (only such partitions are swept). */
    private static boolean ours(Path partition, String id) {
        try {
            return Files.readString(partition.resolve(MARKER)).trim().equals(id);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Allocates a new storage unit for a session: picks at random a partition enabled for writing with at least
     * {@code bytes} free, takes the next sunum, records a DARW row (committed at once) and makes the directory.
     */
    public StorageUnit alloc(long sessionId, long bytes, int group) {
        return alloc(sessionId, -1, bytes, group);
    }

    /**
     * Allocates a directory for an existing storage unit that is offline (SUMS' alloc2 with a caller-chosen sunum):
     * where a unit staged back from tape is restored. {@link #putStaged} makes it online again; until then it is a
     * DARW allocation of the session like any other, removed with the session if that never commits. A unit that has
     * an allocation already (online, or being staged by another session) is refused; the allocation of a session that
     * is over (its process died mid-chunk) is removed first, directory and all.
     */
    public StorageUnit allocOffline(long sessionId, long sunum, long bytes, int group) {
        return alloc(sessionId, sunum, bytes, group);
    }

    private StorageUnit alloc(long sessionId, long given, long bytes, int group) {
        Path partition = choosePartition(bytes);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            long sunum = given;
            if (sunum < 0) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT nextval('sums.sum_ds_index_seq')")) {
                    rs.next();
                    sunum = rs.getLong(1);
                }
            }
            Path dir = partition.resolve(StorageUnit.directoryName(sunum));
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO sums.sum_partn_alloc (ds_index, wd, sumid, status, group_id) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (ds_index) DO NOTHING""")) {
                ps.setLong(1, sunum);
                ps.setString(2, dir.toString());
                ps.setLong(3, sessionId);
                ps.setInt(4, SumsStatus.DARW);
                ps.setInt(5, group);
                if (ps.executeUpdate() != 1
                        && (given < 0 || !takeOverDeadAllocation(c, sunum) || ps.executeUpdate() != 1)) {
                    throw new StorageException("Storage unit " + sunum + " is online or being staged already");
                }
            }
            Files.createDirectory(dir);
            return new StorageUnit(sunum, dir);
        } catch (SQLException e) {
            throw new StorageException("Cannot allocate a storage unit: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("Cannot make a storage-unit directory on " + partition + ": " + e, e);
        }
    }

    /**
     * Removes the uncommitted (DARW) allocation of a unit when the session that made it is over (a process that died
     * while staging it: its lock is free), so that the unit can be allocated again at once rather than after the
     * next sweep. Returns whether there was such an allocation; a live session's is left alone.
     */
    private static boolean takeOverDeadAllocation(Connection c, long sunum) throws SQLException {
        long sid;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sumid FROM sums.sum_partn_alloc WHERE ds_index = ? AND status = " + SumsStatus.DARW)) {
            ps.setLong(1, sunum);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                sid = rs.getLong(1);
            }
        }
        if (!tryLock(c, sid)) {
            return false; // live: being staged by that session
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM sums.sum_partn_alloc WHERE ds_index = ? AND sumid = ?"
                + " AND status = " + SumsStatus.DARW + " RETURNING wd")) {
            ps.setLong(1, sunum);
            ps.setLong(2, sid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                deleteTree(Path.of(rs.getString(1)));
                return true;
            }
        } finally {
            unlock(c, sid);
        }
    }

    /**
     * Commits a storage unit restored from tape into {@code su} (allocated by {@link #allocOffline}), inside the
     * caller's transaction: the unit is online again at its new place, read-only (DARO) until now + retention days.
     */
    public void putStaged(Connection tx, StorageUnit su, int retentionDays) throws SQLException {
        long bytes = sync(su.directory());
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE sums.sum_main SET online_loc = ?, online_status = 'Y', access_date = now()
                WHERE ds_index = ? AND online_status = 'N'""")) {
            ps.setString(1, su.directory().toString());
            ps.setLong(2, su.sunum());
            if (ps.executeUpdate() != 1) {
                throw new SQLException("storage unit " + su.sunum() + " is not offline (staged meanwhile, or gone)");
            }
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE sums.sum_partn_alloc SET status = ?, bytes = ?, effective_date = ?
                WHERE ds_index = ? AND status = 1""")) {
            ps.setInt(1, SumsStatus.DARO);
            ps.setLong(2, bytes);
            ps.setString(3, effectiveDate(LocalDateTime.now(clock).plusDays(Math.max(1, retentionDays))));
            ps.setLong(4, su.sunum());
            if (ps.executeUpdate() != 1) {
                throw new SQLException("storage unit " + su.sunum() + " is no longer allocated (swept as the unit of"
                        + " a dead session?); its session cannot commit");
            }
        }
    }

    /**
     * Pins storage units so that the scrub leaves them online: {@code holder} names who needs them
     * ({@code job:<execution id>} for a running job, {@code request:<id>} for a staging request), {@code expires}
     * when the pin ends by itself (null: when the holder unpins, or for a job when its execution has ended). Runs in
     * {@code c}'s transaction. Pinning a unit twice for one holder keeps one pin with the later expiry.
     */
    public void pin(Connection c, java.util.Collection<Long> sunums, String holder, java.time.Instant expires)
            throws SQLException {
        if (sunums.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sums.sum_pin (ds_index, holder, expires) SELECT unnest(?::bigint[]), ?, ?
                ON CONFLICT (ds_index, holder) DO UPDATE SET expires = CASE
                    WHEN sums.sum_pin.expires IS NULL OR excluded.expires IS NULL THEN NULL
                    ELSE greatest(sums.sum_pin.expires, excluded.expires) END""")) {
            ps.setArray(1, c.createArrayOf("bigint", sunums.toArray()));
            ps.setString(2, holder);
            ps.setObject(3, expires == null ? null : java.time.OffsetDateTime.ofInstant(expires, ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    /** Removes every pin of a holder; returns how many there were. */
    public int unpin(Connection c, String holder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM sums.sum_pin WHERE holder = ?")) {
            ps.setString(1, holder);
            return ps.executeUpdate();
        }
    }

    /** Whether units of archived series wait for a tape library (DAAP) when they are put. */
    public boolean tapes() {
        return tapes;
    }

    private Path choosePartition(long bytes) {
        List<Path> usable = new ArrayList<>();
        Set<String> disabled = disabledPartitions();
        for (Path p : partitions) {
            try {
                Files.createDirectories(p);
                if (!disabled.contains(p.toString()) && Files.getFileStore(p).getUsableSpace() >= bytes) {
                    usable.add(p);
                }
            } catch (IOException e) {
                log.warn("SUMS partition {} is not usable: {}", p, e.toString());
            }
        }
        if (usable.isEmpty()) {
            throw new StorageException("No SUMS partition has " + bytes + " bytes free (partitions: " + partitions + ")");
        }
        return usable.get(ThreadLocalRandom.current().nextInt(usable.size()));
    }

    private Set<String> disabledPartitions() {
        Set<String> out = new HashSet<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT partn_name FROM sums.sum_partn_avail WHERE pds_set_num < 0")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new StorageException("Cannot read SUMS partitions: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Commits a storage unit inside the caller's transaction ({@code tx}): inserts {@code sum_main} with the
     * directory's size, and turns the DARW row into DAAP (archive pending, when the series archives and there is a
     * tape library) or DADP (delete pending), with effective date now + retention.
     *
     * @param archive the series' archive flag: 1 archives to tape, 0 and -1 do not
     */
    public void put(Connection tx, StorageUnit su, long sessionId, String owningSeries, int archive, int retentionDays,
                    int group, String user) throws SQLException {
        long bytes = sync(su.directory());
        boolean archived = archive == 1 && tapes;
        int retention = retentionDays > 0 ? retentionDays : 2;
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO sums.sum_main (ds_index, online_loc, online_status, archive_status, owning_series,
                                           storage_group, storage_set, bytes, create_sumid, username)
                VALUES (?, ?, 'Y', 'N', ?, ?, 0, ?, ?, ?)""")) {
            ps.setLong(1, su.sunum());
            ps.setString(2, su.directory().toString());
            ps.setString(3, owningSeries);
            ps.setInt(4, group);
            ps.setLong(5, bytes);
            ps.setLong(6, sessionId);
            ps.setString(7, user);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE sums.sum_partn_alloc SET status = ?, archive_substatus = ?, bytes = ?, effective_date = ?
                WHERE ds_index = ? AND status = 1""")) {
            ps.setInt(1, archived ? SumsStatus.DAAP : SumsStatus.DADP);
            ps.setInt(2, archived ? SumsStatus.DAADP : SumsStatus.DAAEDDP);
            ps.setLong(3, bytes);
            ps.setString(4, effectiveDate(LocalDateTime.now(clock).plusDays(retention)));
            ps.setLong(5, su.sunum());
            if (ps.executeUpdate() != 1) {
                throw new SQLException("storage unit " + su.sunum() + " is no longer allocated (swept as the unit of"
                        + " a dead session?); its session cannot commit");
            }
        }
    }

    /** Forgets an uncommitted allocation: removes its directory and its DARW row. */
    public void discard(StorageUnit su) {
        deleteTree(su.directory());
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM sums.sum_partn_alloc WHERE ds_index = ? AND status = " + SumsStatus.DARW)) {
            ps.setLong(1, su.sunum());
            ps.executeUpdate();
        } catch (SQLException e) {
            // the sweep will find the row of a dead session later
            log.warn("Could not delete the allocation row of SU {}: {}", su.sunum(), e.getMessage());
        }
    }

    /**
     * What {@link #get} answers for one sunum ({@code status} is its allocation's, 0 when it has none;
     * {@code group} its tape group, where a unit restored from tape is allocated again).
     */
    public record Info(long sunum, Path path, boolean online, boolean archived, String owningSeries, long bytes,
                       String effectiveDate, int status, int group) {
    }

    /**
     * Looks storage units up; with {@code touch}, extends the retention of online, non-staged units as SUMS does:
     * r ≥ 0 sets effective date = now + r + 3 days; r &lt; 0 sets max(current, now + |r| + 3 days).
     * Unknown sunums are absent from the answer.
     */
    public Map<Long, Info> get(Connection c, List<Long> sunums, boolean touch, int retentionDays) throws SQLException {
        Map<Long, Info> out = new LinkedHashMap<>();
        if (sunums.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT m.ds_index, m.online_loc, m.online_status, m.archive_status, m.owning_series, m.bytes,
                       a.effective_date, a.status, m.storage_group
                FROM sums.sum_main m LEFT JOIN sums.sum_partn_alloc a ON a.ds_index = m.ds_index
                WHERE m.ds_index = ANY (?)""")) {
            ps.setArray(1, c.createArrayOf("bigint", sunums.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long sunum = rs.getLong(1);
                    boolean online = "Y".equals(rs.getString(3));
                    out.put(sunum, new Info(sunum, online ? Path.of(rs.getString(2)) : null, online,
                            "Y".equals(rs.getString(4)), rs.getString(5), rs.getLong(6), rs.getString(7),
                            rs.getInt(8), rs.getInt(9)));
                }
            }
        }
        if (touch) {
            LocalDateTime now = LocalDateTime.now(clock);
            String target = effectiveDate(now.plusDays(Math.abs(retentionDays) + TOUCH_GRACE_DAYS));
            String sql = retentionDays >= 0
                    ? "UPDATE sums.sum_partn_alloc SET effective_date = ? WHERE ds_index = ANY (?) AND status <> "
                      + SumsStatus.DARO + " AND status <> " + SumsStatus.DARW
                    : "UPDATE sums.sum_partn_alloc SET effective_date = ? WHERE ds_index = ANY (?) AND status <> "
                      + SumsStatus.DARO + " AND status <> " + SumsStatus.DARW
                      + " AND (effective_date = '0' OR effective_date < ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, target);
                ps.setArray(2, c.createArrayOf("bigint",
                        out.values().stream().filter(Info::online).map(Info::sunum).toArray()));
                if (retentionDays < 0) {
                    ps.setString(3, target);
                }
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE sums.sum_main SET access_date = now() WHERE ds_index = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("bigint", sunums.toArray()));
                ps.executeUpdate();
            }
        }
        return out;
    }

    /**
     * Deletes the rows of storage units inside {@code tx} and returns their directories, which the caller removes
     * once {@code tx} has committed (removing them earlier would lose files of rows a rollback keeps).
     */
    public List<Path> delete(Connection tx, List<Long> sunums) throws SQLException {
        List<Path> dirs = new ArrayList<>();
        if (sunums.isEmpty()) {
            return dirs;
        }
        for (Info i : get(tx, sunums, false, 0).values()) {
            if (i.path() != null) {
                dirs.add(i.path());
            }
        }
        try (PreparedStatement a = tx.prepareStatement("DELETE FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)");
             PreparedStatement m = tx.prepareStatement("DELETE FROM sums.sum_main WHERE ds_index = ANY (?)")) {
            a.setArray(1, tx.createArrayOf("bigint", sunums.toArray()));
            a.executeUpdate();
            m.setArray(1, tx.createArrayOf("bigint", sunums.toArray()));
            m.executeUpdate();
        }
        return dirs;
    }

    /**
     * The start-up sweep: removes the directories of allocations whose session is dead (its database backend is
     * gone, so its transaction can never commit) and directories on the partitions that no row owns: neither an
     * allocation row's {@code wd} nor an online unit's {@code online_loc} is that path.
     *
     * @return the directories removed
     */
    public List<Path> sweep() {
        List<Path> removed = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            // Allocations of sessions that are over. A live session holds a transaction-scoped advisory lock on
            // its id; if this connection can take that lock, the session's transaction has ended (committed,
            // rolled back, or its process died). Its allocation rows are removed first, and a directory only
            // when its row really was still uncommitted: a session that committed meanwhile has changed its rows.
            List<Long> sessions = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT DISTINCT sumid FROM sums.sum_partn_alloc WHERE status = 1")) {
                while (rs.next()) {
                    sessions.add(rs.getLong(1));
                }
            }
            for (long sid : sessions) {
                if (!tryLock(c, sid)) {
                    continue; // live
                }
                try {
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM sums.sum_partn_alloc WHERE sumid = ? AND status = 1 RETURNING wd")) {
                        ps.setLong(1, sid);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                Path dir = Path.of(rs.getString(1));
                                deleteTree(dir);
                                removed.add(dir);
                            }
                        }
                    }
                    markAborted(c, sid);
                } finally {
                    unlock(c, sid);
                }
            }
            // sessions that died before allocating anything
            List<Long> open = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT sessionid FROM drms.drms_session WHERE status = 'open'")) {
                while (rs.next()) {
                    open.add(rs.getLong(1));
                }
            }
            for (long sid : open) {
                if (tryLock(c, sid)) {
                    try {
                        markAborted(c, sid);
                    } finally {
                        unlock(c, sid);
                    }
                }
            }
            // Directories that no row owns (left by a crash between a delete's or a scrub's commit and its rm -rf).
            // A directory is owned by the allocation row whose wd it is, or by the online unit whose online_loc it
            // is: an offline unit (taken offline by the scrub, its row kept for staging) owns no directory, so its
            // old one goes. List the directories before reading the rows: an allocation commits its row before it
            // makes its directory, so a directory listed here whose row is missing afterwards is not being
            // allocated concurrently.
            Map<Long, Path> found = new LinkedHashMap<>();
            String id = catalogId(c);
            for (Path p : partitions) {
                if (!Files.isDirectory(p) || !ours(p, id)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, "D*")) {
                    for (Path d : ds) {
                        Long sunum = parseSunum(d.getFileName().toString());
                        if (sunum != null) {
                            found.put(sunum, d);
                        }
                    }
                }
            }
            Set<Path> owned = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT wd FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)
                    UNION SELECT online_loc FROM sums.sum_main WHERE ds_index = ANY (?) AND online_status = 'Y'""")) {
                java.sql.Array listed = c.createArrayOf("bigint", found.keySet().toArray());
                ps.setArray(1, listed);
                ps.setArray(2, listed);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        owned.add(Path.of(rs.getString(1)).toAbsolutePath().normalize());
                    }
                }
            }
            for (Map.Entry<Long, Path> e : found.entrySet()) {
                if (!owned.contains(e.getValue().toAbsolutePath().normalize())) {
                    deleteTree(e.getValue());
                    removed.add(e.getValue());
                }
            }
        } catch (SQLException e) {
            throw new StorageException("SUMS sweep failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("SUMS sweep failed: " + e, e);
        }
        if (!removed.isEmpty()) {
            log.info("SUMS sweep removed {} storage-unit director{} that no row owns: {}", removed.size(),
                    removed.size() == 1 ? "y" : "ies", removed);
        }
        return removed;
    }

    private static void markAborted(Connection c, long sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE drms.drms_session SET status = 'aborted', endtime = now()
                WHERE sessionid = ? AND status = 'open'""")) {
            ps.setLong(1, sessionId);
            ps.executeUpdate();
        }
    }

    private static boolean tryLock(Connection c, long sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c, long sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, sessionId);
            ps.executeQuery().close();
        }
    }

    private static Long parseSunum(String name) {
        if (name.length() < 2 || name.charAt(0) != 'D') {
            return null;
        }
        try {
            return Long.parseLong(name.substring(1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String effectiveDate(LocalDateTime t) {
        return EFFECTIVE_DATE.format(t.atOffset(ZoneOffset.UTC).toLocalDateTime());
    }

    /** At most this many fsyncs run at once (per JVM): enough for the file system to group them into one flush. */
    static final int SYNC_THREADS = 8;

    /** The threads that run the fsyncs of {@link #sync}: daemon threads, ended when idle. */
    private static final ThreadPoolExecutor SYNCS = syncPool();

    private static ThreadPoolExecutor syncPool() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(SYNC_THREADS, SYNC_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "sums-fsync-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * Forces the files and directories under {@code dir} to disk (so that a committed row never points at data a
     * power cut could lose) and returns their total size in bytes. The fsyncs run concurrently (at most
     * {@value #SYNC_THREADS} at a time), so that the file system can commit them together instead of one journal
     * flush after another; this returns when every one has finished, and fails if any file failed.
     */
    static long sync(Path dir) {
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isDirectory(p)) {
                    dirs.add(p);
                } else if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new StorageException("Cannot sync " + dir + ": " + e, e);
        }
        dirs.add(dir.getParent());
        List<Callable<Long>> tasks = new ArrayList<>(files.size() + dirs.size());
        for (Path f : files) {
            tasks.add(() -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    ch.force(true);
                    return ch.size();
                }
            });
        }
        for (Path d : dirs) {
            tasks.add(() -> {
                try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
                    ch.force(true);
                } catch (IOException notSupported) {
                    // some file systems cannot sync a directory; the files themselves are synced
                }
                return 0L;
            });
        }
        return runAll(dir, tasks);
    }

    /**
     * Starts forcing a file just written to disk on a sync thread and returns at once, so that its data are on their
     * way while the caller goes on; the put's {@link #sync} still forces it (then with little left to do) and is
     * what guarantees durability: a failure here (the file deleted by a rollback meanwhile, say) is ignored.
     */
    public static void startSync(Path file) {
        try {
            SYNCS.execute(() -> {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    ch.force(true);
                } catch (IOException | RuntimeException ignored) {
                    // only a head start: sync() at the put is what counts
                }
            });
        } catch (RejectedExecutionException ignored) {
            // the put's sync will do it
        }
    }

    private static Future<Long> submit(Callable<Long> task) {
        try {
            return SYNCS.submit(task);
        } catch (RejectedExecutionException e) {
            FutureTask<Long> inline = new FutureTask<>(task);
            inline.run();
            return inline;
        }
    }

    /** Runs the fsyncs (the last one on the caller's thread), waits for all of them, and sums their sizes. */
    private static long runAll(Path dir, List<Callable<Long>> tasks) {
        List<Future<Long>> started = new ArrayList<>(tasks.size());
        Throwable failure = null;
        long bytes = 0;
        for (int i = 0; i < tasks.size() - 1; i++) {
            started.add(submit(tasks.get(i)));
        }
        try {
            bytes += tasks.get(tasks.size() - 1).call();
        } catch (Exception e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<Long> f : started) {
            while (true) {
                try {
                    bytes += f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the fsyncs already started are waited for; then the put fails
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            if (failure == null) {
                failure = new InterruptedException("interrupted while syncing");
            }
        }
        if (failure != null) {
            throw new StorageException("Cannot sync " + dir + ": " + failure, failure);
        }
        return bytes;
    }

    /** rm -rf; a missing directory is already deleted. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot delete " + dir + ": " + e, e);
        }
    }
}
