package org.drmsbatch.sums.tape;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.drmsbatch.sums.StorageUnit;
import org.drmsbatch.sums.SumsStatus;

/**
 * SUMS' side of the tape library (JSOC's tapearc and tape_svc): which volume of a tape group is open for writing
 * ({@code sums.sum_tape}), the tape files of each archived storage unit ({@code sums.sum_file}, and
 * {@code sum_main.arch_tape}/{@code safe_tape}), and the writing of a chunk of units.
 *
 * <p>A chunk is archived inside the caller's transaction: each volume's row is locked, the volume is cut back to its
 * committed end (what a run that died wrote past it is dropped), the units are appended as tape files and forced
 * to the medium, and only then are the rows written: the units count as archived when the transaction commits. A
 * transaction that rolls back leaves tape files past the committed end, which the next write to the volume cuts
 * off. So a unit is archived exactly once per copy, whenever a run dies.
 */
public class TapeArchive {

    /** Tape file number of the first file of a volume. */
    static final int FIRST_FILE = 1;
    /** tar's end of archive after a volume's last tape file: room a volume keeps for it. */
    static final long END_BYTES = 1024;

    private final TapeLibrary library;
    private final int slots;
    private final long capacity;
    private final javax.sql.DataSource dataSource;

    /**
     * @param library  the library
     * @param slots    the most volumes it holds
     * @param capacity bytes per volume
     */
    public TapeArchive(TapeLibrary library, int slots, long capacity) {
        this(library, slots, capacity, null);
    }

    /** @param dataSource where {@link #report} reads (the other methods take the caller's connection) */
    public TapeArchive(TapeLibrary library, int slots, long capacity, javax.sql.DataSource dataSource) {
        this.dataSource = dataSource;
        this.library = library;
        this.slots = slots;
        this.capacity = capacity;
    }

    public TapeLibrary library() {
        return library;
    }

    /** A storage unit to archive: its directory, its tape group and size. */
    public record Unit(long sunum, Path directory, int group, long bytes) {
    }

    /** A volume as the catalog knows it. */
    public record Volume(String tapeid, int group, int nextFile, long end, long capacity, boolean closed,
                         String damaged, int files, long unitBytes) {
    }

    /** The name of a unit's tape file on its volume: {@code D<sunum>}. */
    public static String tapeName(long sunum) {
        return StorageUnit.directoryName(sunum);
    }

    /**
     * Archives a chunk of units, inside {@code tx}: each copy ({@code copies} 1 or 2) to the open volume of its
     * tape group (the unit's group, and for the second copy the group plus {@code copyGroupOffset}), opening new
     * volumes as they fill. Returns the tape files by unit, first copy first. The units' rows say archived, and
     * their allocation moves from DAAP to DADP (DAPERM for permanent units), once {@code tx} commits.
     */
    public Map<Long, List<TapeFile>> archive(Connection tx, List<Unit> units, int copies, int copyGroupOffset)
            throws SQLException, InterruptedException {
        // by tape group in ascending order, whichever copy: every transaction locks volumes' rows (sum_tape) in one
        // order, so two archiving at once wait for each other and never deadlock
        Map<Integer, Map<Integer, List<Unit>>> byGroup = new TreeMap<>();
        for (int copy = 1; copy <= copies; copy++) {
            for (Unit u : units) {
                int group = copy == 1 ? u.group() : u.group() + copyGroupOffset;
                byGroup.computeIfAbsent(group, k -> new TreeMap<>()).computeIfAbsent(copy, k -> new ArrayList<>())
                        .add(u);
            }
        }
        Map<Long, TapeFile[]> byCopy = new LinkedHashMap<>();
        for (Unit u : units) {
            byCopy.put(u.sunum(), new TapeFile[copies]);
        }
        for (Map.Entry<Integer, Map<Integer, List<Unit>>> g : byGroup.entrySet()) {
            for (Map.Entry<Integer, List<Unit>> c : g.getValue().entrySet()) {
                for (Map.Entry<Long, TapeFile> w : write(tx, g.getKey(), c.getValue(), c.getKey()).entrySet()) {
                    byCopy.get(w.getKey())[c.getKey() - 1] = w.getValue();
                }
            }
        }
        Map<Long, List<TapeFile>> out = new LinkedHashMap<>();
        byCopy.forEach((sunum, files) -> out.put(sunum, List.of(files)));
        try (PreparedStatement first = tx.prepareStatement("""
                     UPDATE sums.sum_main SET archive_status = 'Y', arch_tape = ?, arch_tape_fn = ?,
                                              arch_tape_date = now(), md5cksum = ?
                     WHERE ds_index = ?""");
             PreparedStatement second = tx.prepareStatement("""
                     UPDATE sums.sum_main SET safe_tape = ?, safe_tape_fn = ?, safe_tape_date = now()
                     WHERE ds_index = ?""");
             PreparedStatement alloc = tx.prepareStatement("""
                     UPDATE sums.sum_partn_alloc
                     SET status = CASE WHEN archive_substatus = %d THEN %d ELSE %d END
                     WHERE ds_index = ? AND status = %d""".formatted(SumsStatus.DAAPERM, SumsStatus.DAPERM,
                     SumsStatus.DADP, SumsStatus.DAAP))) {
            for (Map.Entry<Long, List<TapeFile>> e : out.entrySet()) {
                TapeFile f = e.getValue().get(0);
                first.setString(1, f.volume());
                first.setInt(2, f.fileNumber());
                first.setString(3, f.md5());
                first.setLong(4, e.getKey());
                first.addBatch();
                if (e.getValue().size() > 1) {
                    TapeFile s = e.getValue().get(1);
                    second.setString(1, s.volume());
                    second.setInt(2, s.fileNumber());
                    second.setLong(3, e.getKey());
                    second.addBatch();
                }
                alloc.setLong(1, e.getKey());
                alloc.addBatch();
            }
            first.executeBatch();
            second.executeBatch();
            alloc.executeBatch();
        }
        return out;
    }

    /** Writes units to volumes of one group, forced, and records their tape files in {@code tx}. */
    private Map<Long, TapeFile> write(Connection tx, int group, List<Unit> units, int copy)
            throws SQLException, InterruptedException {
        Map<Long, TapeFile> out = new LinkedHashMap<>();
        long[] sizes = new long[units.size()];
        for (int k = 0; k < sizes.length; k++) {
            Unit u = units.get(k);
            sizes[k] = library.tapeBytes(tapeName(u.sunum()), u.directory()) + END_BYTES;
            if (sizes[k] > capacity) {
                throw new TapeException("Storage unit " + u.sunum() + " (" + u.directory() + ") takes " + sizes[k]
                        + " bytes on tape, more than a volume holds (" + capacity
                        + " bytes, drms.tape.volume-capacity)");
            }
        }
        int i = 0;
        while (i < units.size()) {
            Volume v = openVolume(tx, group, sizes[i]);
            List<TapeFile> written = new ArrayList<>();
            List<Long> sunums = new ArrayList<>();
            int next = v.nextFile();
            long end = v.end();
            try (TapeLibrary.Drive d = library.mount(v.tapeid())) {
                d.truncate(end);
                while (i < units.size()) {
                    Unit u = units.get(i);
                    if (end + sizes[i] > v.capacity()) {
                        break; // the volume is full: the rest go to the group's next volume
                    }
                    TapeFile f = d.append(next++, tapeName(u.sunum()), u.directory());
                    // the bytes written so far: a tar volume's next position, a remote library's share of the room
                    // (its tape files' positions are no byte offsets, see RemoteTapeLibrary)
                    end += f.bytes();
                    written.add(f);
                    sunums.add(u.sunum());
                    i++;
                }
                d.force();
            }
            record(tx, v, written, sunums, copy, next, end, i < units.size());
            for (int k = 0; k < written.size(); k++) {
                out.put(sunums.get(k), written.get(k));
            }
        }
        return out;
    }

    private static void record(Connection tx, Volume v, List<TapeFile> files, List<Long> sunums, int copy,
                               int next, long end, boolean full) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO sums.sum_file (tapeid, filenum, ds_index, position, bytes, md5cksum, copy)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            for (int k = 0; k < files.size(); k++) {
                TapeFile f = files.get(k);
                ps.setString(1, f.volume());
                ps.setInt(2, f.fileNumber());
                ps.setLong(3, sunums.get(k));
                ps.setLong(4, f.position());
                ps.setLong(5, f.bytes());
                ps.setString(6, f.md5());
                ps.setInt(7, copy);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE sums.sum_tape SET nxtwrtfn = ?, end_bytes = ?, last_write = now(), closed = closed OR ?
                WHERE tapeid = ?""")) {
            ps.setInt(1, next);
            ps.setLong(2, end);
            ps.setBoolean(3, full);
            ps.setString(4, v.tapeid());
            ps.executeUpdate();
        }
    }

    /**
     * The volume of a group to append {@code bytes} to (tar's end blocks after it included), its row locked until
     * {@code tx} ends: the group's open volume if it has room, else a new one (the full one is closed).
     */
    Volume openVolume(Connection tx, int group, long bytes) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT tapeid, nxtwrtfn, end_bytes, capacity FROM sums.sum_tape
                WHERE group_id = ? AND NOT closed AND damaged IS NULL ORDER BY tapeid LIMIT 1 FOR UPDATE""")) {
            ps.setInt(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    Volume v = new Volume(rs.getString(1), group, rs.getInt(2), rs.getLong(3), rs.getLong(4), false,
                            null, 0, 0);
                    if (v.end() + bytes <= v.capacity()) {
                        return v;
                    }
                    try (PreparedStatement close = tx.prepareStatement(
                            "UPDATE sums.sum_tape SET closed = true WHERE tapeid = ?")) {
                        close.setString(1, v.tapeid());
                        close.executeUpdate();
                    }
                }
            }
        }
        return newVolume(tx, group);
    }

    private Volume newVolume(Connection tx, int group) throws SQLException {
        try (Statement s = tx.createStatement()) {
            // one creator at a time picks the next label (released when tx ends)
            s.execute("SELECT pg_advisory_xact_lock(hashtext('sums.sum_tape'))");
        }
        int count;
        int last;
        try (Statement s = tx.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT count(*), coalesce(max(substring(tapeid FROM 2 FOR 5)::int), 0) FROM sums.sum_tape"
                + " WHERE tapeid ~ '^V[0-9]{5}L9$'")) {
            rs.next();
            count = rs.getInt(1);
            last = rs.getInt(2);
        }
        int all;
        try (Statement s = tx.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sums.sum_tape")) {
            rs.next();
            all = rs.getInt(1);
        }
        if (all >= slots) {
            throw new TapeException("The tape library has no blank volume left: its " + slots + " slots hold "
                    + all + " volumes (drms.tape.slots)");
        }
        String label = String.format(Locale.ROOT, "V%05dL9", Math.max(count, last) + 1);
        if (!library.has(label)) {
            library.create(label); // else left by a transaction that never committed: its writes are cut off
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO sums.sum_tape (tapeid, group_id, capacity) VALUES (?, ?, ?)")) {
            ps.setString(1, label);
            ps.setInt(2, group);
            ps.setLong(3, capacity);
            ps.executeUpdate();
        }
        return new Volume(label, group, FIRST_FILE, 0, capacity, false, null, 0, 0);
    }

    /** Where each of these units is on tape, first copy first (units never archived are left out). */
    public Map<Long, List<TapeFile>> locations(Connection c, Collection<Long> sunums) throws SQLException {
        Map<Long, List<TapeFile>> out = new LinkedHashMap<>();
        if (sunums.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT ds_index, tapeid, filenum, position, bytes, md5cksum FROM sums.sum_file
                WHERE ds_index = ANY (?) ORDER BY ds_index, copy, written""")) {
            ps.setArray(1, c.createArrayOf("bigint", sunums.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new TapeFile(rs.getString(2),
                            rs.getInt(3), rs.getLong(4), rs.getLong(5), rs.getString(6)));
                }
            }
        }
        return out;
    }

    /** Marks a volume damaged (it is no longer written to, and reads prefer other copies), with the reason. */
    public void markDamaged(Connection c, String volume, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE sums.sum_tape SET damaged = ?, closed = true WHERE tapeid = ?")) {
            ps.setString(1, reason.length() > 500 ? reason.substring(0, 500) : reason);
            ps.setString(2, volume);
            ps.executeUpdate();
        }
    }

    /** Every volume the catalog knows, with its tape files and the bytes of units on it. */
    public List<Volume> volumes(Connection c) throws SQLException {
        List<Volume> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT t.tapeid, t.group_id, t.nxtwrtfn, t.end_bytes, t.capacity, t.closed, t.damaged,
                       count(f.filenum), coalesce(sum(f.bytes), 0)
                FROM sums.sum_tape t LEFT JOIN sums.sum_file f ON f.tapeid = t.tapeid
                GROUP BY t.tapeid ORDER BY t.tapeid""")) {
            while (rs.next()) {
                out.add(new Volume(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getLong(4), rs.getLong(5),
                        rs.getBoolean(6), rs.getString(7), rs.getInt(8), rs.getLong(9)));
            }
        }
        return out;
    }

    /** A tape file as {@code drms tape VOLUME} lists it: the unit on it and its series. */
    public record Listed(TapeFile file, long sunum, String series) {
    }

    /** The tape files of a volume in file-number order, each with its unit and the unit's series. */
    public List<Listed> listing(Connection c, String volume) throws SQLException {
        List<Listed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT f.filenum, f.ds_index, coalesce(m.owning_series, ''), f.position, f.bytes, f.md5cksum
                FROM sums.sum_file f LEFT JOIN sums.sum_main m ON m.ds_index = f.ds_index
                WHERE f.tapeid = ? ORDER BY f.filenum""")) {
            ps.setString(1, volume);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Listed(new TapeFile(volume, rs.getInt(1), rs.getLong(4), rs.getLong(5),
                            rs.getString(6)), rs.getLong(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** What {@code drms tape} shows, read on a connection of its own. */
    public record Report(List<Volume> volumes, Map<String, List<Listed>> listings,
                         Map<Long, List<TapeFile>> locations) {
    }

    /**
     * The volumes, the listings of {@code volumes} and the copies of {@code sunums}, read in one go on a
     * connection of the data source this archive was given (for the faces, which hold no SQL).
     */
    public Report report(Collection<String> volumes, Collection<Long> sunums) {
        if (dataSource == null) {
            throw new IllegalStateException("this TapeArchive was made without a data source");
        }
        try (Connection c = dataSource.getConnection()) {
            Map<String, List<Listed>> listings = new LinkedHashMap<>();
            for (String v : volumes) {
                listings.put(v, listing(c, v));
            }
            return new Report(volumes(c), listings, locations(c, sunums));
        } catch (SQLException e) {
            throw new TapeException("Cannot read the tape catalog: " + e.getMessage(), e);
        }
    }

    /** The units on a volume, by tape file number: what {@code drms tape} lists. */
    public Map<Integer, Long> contents(Connection c, String volume) throws SQLException {
        Map<Integer, Long> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT filenum, ds_index FROM sums.sum_file WHERE tapeid = ? ORDER BY filenum")) {
            ps.setString(1, volume);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }
}
