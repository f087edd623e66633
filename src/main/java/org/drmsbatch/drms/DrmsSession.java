package org.drmsbatch.drms;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.drmsbatch.sums.StorageUnit;
import org.drmsbatch.sums.Sums;
import org.springframework.transaction.support.TransactionSynchronization;

/**
 * A DRMS session: the records created, cloned and closed in one database transaction, and the storage units
 * allocated for their segment files. Catalog rows go through the transaction's connection; files go into
 * storage-unit directories allocated in this session. On commit the units are put into SUMS in the same
 * transaction; on rollback the session deletes the directories it allocated. So the rows and files of a session
 * become visible together or not at all.
 *
 * <p>Obtain one with {@link Drms#inSession} or, inside a transaction that is already running (a Spring Batch
 * chunk), with {@link Drms#session()}. Reads the JSOC DRMS API's verbs: create, clone, close (insert or discard),
 * open.
 */
public final class DrmsSession {

    /** What {@link #close} does with records. */
    public enum Action { INSERT, DISCARD }

    /** How a clone treats the source's segment files. */
    public enum CloneMode {
        /** The clone points at the source's storage-unit slot: no file is copied. */
        SHARE,
        /** The clone gets its own slot and a copy of every segment file. */
        COPY
    }

    private final Drms drms;
    private final Connection connection;
    private long id = -1;
    private final Map<String, OpenUnit> openUnits = new LinkedHashMap<>();
    private final List<OpenUnit> units = new ArrayList<>();
    private final Map<String, SeriesDefinition> definitions = new HashMap<>();
    /** See {@link #deferDefinitionChecks}: definitions taken as last read and not yet checked, key -> stored text. */
    private boolean deferChecks;
    private final Map<String, String> unchecked = new LinkedHashMap<>();
    /** recnums of records closed with INSERT: only their slots are committed */
    private final Set<Long> inserted = new HashSet<>();
    /** directories of storage units deleted in this session: removed once the deletion has committed */
    private final List<Path> deleteAfterCommit = new ArrayList<>();
    /** units that ended up with no committed slot: not put, removed after the transaction */
    private final List<OpenUnit> emptyUnits = new ArrayList<>();
    /** offline units being restored from tape in this session, and the retention each gets */
    private final Map<StorageUnit, Integer> restored = new LinkedHashMap<>();
    private boolean closed;

    /** A storage unit being filled by this session: its series, the next free slot, slot -> recnum. */
    static final class OpenUnit {
        final StorageUnit unit;
        final SeriesDefinition series;
        int nextSlot;
        final Map<Integer, Long> slots = new TreeMap<>();

        OpenUnit(StorageUnit unit, SeriesDefinition series) {
            this.unit = unit;
            this.series = series;
        }
    }

    DrmsSession(Drms drms, Connection connection) {
        this.drms = drms;
        this.connection = connection;
    }

    Drms drms() {
        return drms;
    }

    /** The transaction's connection (for code that writes more rows in the same session). */
    public Connection connection() {
        return connection;
    }

    /** The session id stored with every record it writes; registers the session on first use. */
    public long id() {
        if (id < 0) {
            id = register();
        }
        return id;
    }

    /**
     * Registers the session: takes its id and, in the session's own transaction, a transaction-scoped advisory
     * lock on it. PostgreSQL releases that lock when the transaction ends or its backend dies, so a sweep that
     * can take the lock knows the session is over (whatever role it connects as). The session row itself is
     * committed at once on another connection, so that a sweep can see the session even if it dies.
     */
    private long register() {
        try {
            long sid;
            int backendPid;
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, pg_backend_pid(), pg_advisory_xact_lock(id)"
                    + " FROM nextval('drms.drms_sessionid_seq') AS id")) {
                rs.next();
                sid = rs.getLong(1);
                backendPid = rs.getInt(2);
            }
            try (Connection c = drms.sideConnection();
                 PreparedStatement ps = c.prepareStatement("""
                         INSERT INTO drms.drms_session (sessionid, sessionns, username, hostname, pid, backend_pid, status)
                         VALUES (?, ?, ?, ?, ?, ?, 'open')""")) {
                ps.setLong(1, sid);
                ps.setString(2, drms.sessionNamespace());
                ps.setString(3, System.getProperty("user.name"));
                ps.setString(4, hostName());
                ps.setLong(5, ProcessHandle.current().pid());
                ps.setInt(6, backendPid);
                ps.executeUpdate();
            }
            return sid;
        } catch (SQLException e) {
            throw new DrmsException("Cannot open a DRMS session: " + e.getMessage(), e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /**
     * The definition of a series as this session first read it (after {@link #deferDefinitionChecks}: possibly as the
     * process last read it, to be checked).
     */
    public SeriesDefinition definition(String series) {
        String k = SeriesCatalog.key(series);
        SeriesDefinition def = definitions.get(k);
        if (def == null) {
            SeriesCatalog.Stored last = deferChecks ? drms.lastRead(k) : null;
            if (last != null) {
                def = last.definition();
                unchecked.put(k, last.text());
            } else {
                def = drms.definition(connection, series);
            }
            definitions.put(k, def);
        }
        return def;
    }

    /**
     * From now on (until called with false) {@link #definition} answers a definition this process has read before
     * without reading it again, and keeps its stored text to be checked: the caller sends the check with its next
     * statement ({@link #takeUncheckedDefinitions}), or calls {@link #checkDefinitions} before it trusts an answer
     * (or an error) that depends on one. A definition found changed is forgotten ({@link DefinitionsChanged}) and the
     * caller starts again.
     */
    public void deferDefinitionChecks(boolean defer) {
        deferChecks = defer;
    }

    /** The definitions used unchecked so far (series key -> stored text), handed over to be checked (and cleared). */
    public Map<String, String> takeUncheckedDefinitions() {
        if (unchecked.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>(unchecked);
        unchecked.clear();
        return out;
    }

    /**
     * The check of definitions used unchecked: {@code stored} holds the stored text of each (series key -> text, null
     * when the series is gone) as read by the caller. Returns normally when all are unchanged; else forgets the
     * changed ones (here and in the process) and throws {@link DefinitionsChanged}.
     */
    public void checked(Map<String, String> expected, Map<String, String> stored) {
        List<String> changed = new ArrayList<>();
        expected.forEach((k, text) -> {
            if (!text.equals(stored.get(k))) {
                changed.add(k);
            }
        });
        if (!changed.isEmpty()) {
            for (String k : changed) {
                definitions.remove(k);
                drms.forgetLastRead(k);
            }
            throw new DefinitionsChanged(changed);
        }
    }

    /**
     * Checks the definitions used unchecked so far in a statement of its own (for an error found before the statement
     * that would have checked them, or in it): see {@link #checked}.
     */
    public void checkDefinitions() {
        checkDefinitions(takeUncheckedDefinitions());
    }

    /** As {@link #checkDefinitions()} for definitions already handed over (series key -> stored text). */
    public void checkDefinitions(Map<String, String> expected) {
        if (expected.isEmpty()) {
            return;
        }
        Map<String, String> stored = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT seriesname, " + SeriesCatalog.DEFINITION_TEXT
                + " FROM drms.drms_series WHERE seriesname = ANY (?)")) {
            ps.setArray(1, connection.createArrayOf("text", expected.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot read series definitions: " + e.getMessage(), e);
        }
        checked(expected, stored);
    }

    /**
     * Series definitions a session used as this process last read them were found changed in the catalog: they are
     * forgotten, and the work that used them is to be done again with the definitions read afresh.
     */
    public static final class DefinitionsChanged extends DrmsException {
        public DefinitionsChanged(List<String> series) {
            super("Series definitions changed while in use: " + series);
        }
    }

    /** Forgets a cached definition (after this session created, replaced or deleted the series). */
    void forget(String series) {
        definitions.remove(SeriesCatalog.key(series));
        unchecked.remove(SeriesCatalog.key(series));
    }

    // ---- create / clone / close ----

    public Record create(String series) {
        return create(series, 1).get(0);
    }

    /** Creates {@code n} writable records with the series' defaults, each with a new recnum (and a slot). */
    public List<Record> create(String series, int n) {
        checkOpen();
        SeriesDefinition def = definition(series);
        SeriesLayout layout = drms.layout(def);
        long[] recnums = nextRecnums(def, n);
        List<Record> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Record r = new Record(layout, this, true);
            r.recnum = recnums[i];
            r.sessionId = id();
            r.sessionNs = drms.sessionNamespace();
            if (def.hasStorage()) {
                assignSlot(r);
            }
            out.add(r);
        }
        return out;
    }

    /**
     * Clones a record into the same series as a new record (a new version when the prime keys stay the same).
     * Keywords and links are copied; segments are shared or copied as {@code mode} says.
     */
    public Record clone(Record source, CloneMode mode) {
        return cloneInto(source, source.seriesName(), mode);
    }

    /**
     * Clones a record into {@code targetSeries}, which must have the keywords and segments the copy needs
     * (keywords are matched by name; those the target lacks are dropped). SHARE is only allowed within a series.
     */
    public Record cloneInto(Record source, String targetSeries, CloneMode mode) {
        return cloneInto(source, targetSeries, mode, Set.of());
    }

    /**
     * As {@link #cloneInto(Record, String, CloneMode)}, with COPY leaving out the files of the segments named in
     * {@code notCopied} (case-insensitive): the caller writes those itself, so they are not copied only to be
     * replaced (rescaling a segment of a clone, say).
     */
    public Record cloneInto(Record source, String targetSeries, CloneMode mode, Collection<String> notCopied) {
        checkOpen();
        Set<String> skip = new HashSet<>();
        for (String n : notCopied) {
            skip.add(n.toLowerCase(java.util.Locale.ROOT));
        }
        if (mode == CloneMode.SHARE && !skip.isEmpty()) {
            throw new DrmsException("A clone that shares its source's segments cannot leave some out; use COPY");
        }
        SeriesDefinition def = definition(targetSeries);
        boolean sameSeries = def.name().equalsIgnoreCase(source.seriesName());
        if (mode == CloneMode.SHARE && !sameSeries) {
            throw new DrmsException("A clone into another series cannot share segments; use COPY");
        }
        SeriesLayout layout = drms.layout(def);
        Record r = new Record(layout, this, true);
        r.recnum = nextRecnums(def, 1)[0];
        r.sessionId = id();
        r.sessionNs = drms.sessionNamespace();
        for (int i = 0; i < def.keywords().size(); i++) {
            KeywordDef k = def.keywords().get(i);
            if (!k.isColumn()) {
                continue;
            }
            Integer si = source.layout.indexOf(k.name());
            if (si != null && source.layout.def.keywords().get(si).isColumn()) {
                r.values()[i] = KeywordValues.convert(source.value(si), k.type()).value();
            }
        }
        if (sameSeries) {
            r.links.putAll(source.links);
        }
        if (mode == CloneMode.SHARE) {
            r.sunum = source.sunum;
            r.slotnum = source.slotnum;
            r.slotDirectory = source.slotDirectory;
            System.arraycopy(source.segmentFiles, 0, r.segmentFiles, 0, r.segmentFiles.length);
            for (int i = 0; i < r.axes.length; i++) {
                r.axes[i] = source.axes[i] == null ? null : source.axes[i].clone();
            }
        } else if (def.hasStorage()) {
            assignSlot(r);
            for (SegmentDef s : def.segments()) {
                if (s.isLink() || skip.contains(s.name().toLowerCase(java.util.Locale.ROOT))) {
                    continue;
                }
                Optional<SegmentDef> src = source.layout.def.segment(s.name());
                if (src.isEmpty() || source.segmentFiles[src.get().segnum()] == null
                        || source.slotDirectory == null) {
                    continue;
                }
                String file = source.segmentFiles[src.get().segnum()];
                try {
                    Files.copy(source.slotDirectory.resolve(file), r.slotDirectory.resolve(file));
                } catch (IOException e) {
                    throw new DrmsException("Cannot copy segment '" + s.name() + "' of " + source + ": " + e, e);
                }
                r.segmentFiles[s.segnum()] = file;
                r.axes[s.segnum()] = source.axes[src.get().segnum()] == null
                        ? null : source.axes[src.get().segnum()].clone();
            }
        }
        return r;
    }

    /** Closes records: INSERT writes their rows in this session's transaction; DISCARD drops them and their files. */
    public void close(Collection<Record> records, Action action) {
        checkOpen();
        Map<SeriesDefinition, List<Record>> bySeries = new LinkedHashMap<>();
        for (Record r : records) {
            r.checkWritable();
            if (r.session != this) {
                throw new DrmsException("Record " + r + " belongs to another session");
            }
            bySeries.computeIfAbsent(r.series(), k -> new ArrayList<>()).add(r);
        }
        if (action == Action.DISCARD) {
            for (Record r : records) {
                r.writable = false;
                forgetSlot(r);
            }
            return;
        }
        try {
            for (Map.Entry<SeriesDefinition, List<Record>> e : bySeries.entrySet()) {
                drms.table(e.getKey()).insert(connection, e.getValue());
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot insert records: " + e.getMessage(), e);
        }
        for (Record r : records) {
            r.writable = false;
            inserted.add(r.recnum);
        }
    }

    public void close(Record record, Action action) {
        close(List.of(record), action);
    }

    // ---- reading ----

    /**
     * The latest version of each prime-key tuple of a series, in prime-key order: the first {@code n} when n &gt; 0,
     * the last |n| when n &lt; 0, all when n = 0.
     */
    public List<Record> open(String series, int n) {
        SeriesDefinition def = definition(series);
        RecordTable t = drms.table(def);
        String latest = def.primeKeys().isEmpty()
                ? "SELECT * FROM " + t.table()
                : "SELECT DISTINCT ON (" + t.primeKeyList() + ") * FROM " + t.table() + " ORDER BY "
                  + t.primeKeyList() + ", recnum DESC";
        String sql = "SELECT * FROM (" + latest + ") latest ORDER BY " + t.orderBy(n < 0)
                + (n != 0 ? " LIMIT " + Math.abs(n) : "");
        List<Record> out = query(t, sql);
        if (n < 0) {
            Collections.reverse(out);
        }
        return out;
    }

    /** The record with a given recnum (any version), if it exists. */
    public Optional<Record> open(String series, long recnum) {
        SeriesDefinition def = definition(series);
        RecordTable t = drms.table(def);
        List<Record> r = query(t, "SELECT * FROM " + t.table() + " WHERE recnum = " + recnum);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    /** Number of records (latest versions) in a series. */
    public long count(String series) {
        SeriesDefinition def = definition(series);
        RecordTable t = drms.table(def);
        String sql = def.primeKeys().isEmpty() ? "SELECT count(*) FROM " + t.table()
                : "SELECT count(*) FROM (SELECT DISTINCT " + t.primeKeyList() + " FROM " + t.table() + ") x";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new DrmsException("Cannot count " + series + ": " + e.getMessage(), e);
        }
    }

    /**
     * The records of a result over one series' table (it must return whole rows, e.g. {@code SELECT t.* FROM ...}),
     * in the order of the result, with their slot directories. For query engines (drms.query), which prepare, bind
     * and execute the SELECT themselves.
     */
    public List<Record> records(String series, ResultSet rows) throws SQLException {
        return records(drms.table(definition(series)), rows);
    }

    /**
     * As {@link #records(String, ResultSet)}, but at most {@code max} rows: the next page of a result read through a
     * cursor (empty when the result has no more rows).
     */
    public List<Record> records(String series, ResultSet rows, int max) throws SQLException {
        RecordTable.Reader reader = drms.table(definition(series)).reader(rows);
        List<Record> out = new ArrayList<>();
        boolean units = false;
        while (out.size() < max && rows.next()) {
            Record r = reader.read(rows, this, connection);
            units |= r.sunum >= 0;
            out.add(r);
        }
        if (units) {
            resolveDirectories(out);
        }
        return out;
    }

    List<Record> query(RecordTable t, String sql) {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return records(t, rs);
        } catch (SQLException e) {
            throw new DrmsException("Cannot read records: " + e.getMessage(), e);
        }
    }

    private List<Record> records(RecordTable t, ResultSet rows) throws SQLException {
        List<Record> out = new ArrayList<>();
        RecordTable.Reader reader = t.reader(rows);
        boolean units = false; // records without segments (sunum -1) are the common case: no second pass
        while (rows.next()) {
            Record r = reader.read(rows, this, connection);
            units |= r.sunum >= 0;
            out.add(r);
        }
        if (units) {
            resolveDirectories(out);
        }
        return out;
    }

    /** Fills in the slot directories of records read from the catalog (online storage units only). */
    private void resolveDirectories(List<Record> records) {
        Set<Long> distinct = null;
        for (Record r : records) { // records without segments (sunum -1) are the common case: no stream, no set
            if (r.sunum >= 0) {
                if (distinct == null) {
                    distinct = new LinkedHashSet<>();
                }
                distinct.add(r.sunum);
            }
        }
        if (distinct == null) {
            return;
        }
        List<Long> sunums = List.copyOf(distinct);
        Map<Long, Path> paths = new HashMap<>();
        for (OpenUnit u : units) {
            paths.put(u.unit.sunum(), u.unit.directory());
        }
        try {
            drms.sums().get(connection, sunums, false, 0).forEach((k, v) -> {
                if (v.path() != null) {
                    paths.put(k, v.path());
                }
            });
        } catch (SQLException e) {
            throw new DrmsException("Cannot look up storage units: " + e.getMessage(), e);
        }
        for (Record r : records) {
            Path p = paths.get(r.sunum);
            if (p != null) {
                r.slotDirectory = p.resolve(StorageUnit.slotName(r.slotnum));
            }
        }
    }

    /**
     * Touches the storage units of records as DRMS does when it hands out their paths: a SUMS get with touch and
     * a negative retention, so each unit stays at least the series' staging retention (or the site default)
     * from now, never less than it already had.
     */
    public void touch(Collection<Record> records) {
        Map<SeriesDefinition, List<Long>> bySeries = new LinkedHashMap<>();
        for (Record r : records) {
            if (r.sunum >= 0) {
                bySeries.computeIfAbsent(r.series(), k -> new ArrayList<>()).add(r.sunum);
            }
        }
        try {
            for (Map.Entry<SeriesDefinition, List<Long>> e : bySeries.entrySet()) {
                int days = e.getKey().stagingRetention() > 0 ? e.getKey().stagingRetention() : drms.defaultRetention();
                drms.sums().get(connection, e.getValue().stream().distinct().toList(), true, -days);
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot touch storage units: " + e.getMessage(), e);
        }
    }

    /** What SUMS knows of the storage units of records (online, archived, size, effective date), by sunum. */
    public Map<Long, Sums.Info> storageInfo(Collection<Record> records) {
        return storageUnitInfo(records.stream().map(Record::sunum).filter(x -> x >= 0).distinct().toList());
    }

    /** What SUMS knows of storage units given by sunum (JSOC's {@code exp_su}); an unknown sunum is left out. */
    public Map<Long, Sums.Info> storageUnitInfo(List<Long> sunums) {
        try {
            return drms.sums().get(connection, sunums, false, 0);
        } catch (SQLException e) {
            throw new DrmsException("Cannot look up storage units: " + e.getMessage(), e);
        }
    }

    Optional<Record> follow(LinkDef link, Object value) {
        SeriesDefinition target = definition(link.targetSeries());
        RecordTable t = drms.table(target);
        if (value instanceof Long recnum) {
            return open(target.name(), recnum);
        }
        Object[] keys = (Object[]) value;
        List<KeywordDef> pks = target.internalPrimeKeys();
        StringBuilder sql = new StringBuilder("SELECT * FROM " + t.table() + " WHERE ");
        for (int i = 0; i < pks.size(); i++) {
            sql.append(i > 0 ? " AND " : "").append(SeriesCatalog.quote(pks.get(i).column())).append(" = ?");
        }
        sql.append(" ORDER BY recnum DESC LIMIT 1");
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < keys.length; i++) {
                ps.setObject(i + 1, keys[i] instanceof Byte b ? (short) b : keys[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Record r = t.reader(rs).read(rs, this, connection);
                resolveDirectories(List.of(r));
                return Optional.of(r);
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot follow link '" + link.name() + "': " + e.getMessage(), e);
        }
    }

    // ---- storage ----

    private long[] nextRecnums(SeriesDefinition def, int n) {
        long[] out = new long[n];
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT nextval(?::regclass) FROM generate_series(1, ?)")) {
            ps.setString(1, SeriesCatalog.sequence(def));
            ps.setInt(2, n);
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 0; i < n && rs.next(); i++) {
                    out[i] = rs.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot number records of " + def.name() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private void assignSlot(Record r) {
        SeriesDefinition def = r.series();
        String k = SeriesCatalog.key(def.name());
        OpenUnit u = openUnits.get(k);
        if (u == null || u.nextSlot >= Math.max(1, def.unitSize())) {
            StorageUnit su = drms.sums().alloc(id(), 0, def.tapeGroup());
            u = new OpenUnit(su, def);
            openUnits.put(k, u);
            units.add(u);
        }
        int slot = u.nextSlot++;
        Path dir = u.unit.slotDirectory(slot);
        try {
            Files.createDirectory(dir); // fails if the unit's directory is gone, rather than making it again
        } catch (IOException e) {
            throw new DrmsException("Cannot make slot directory " + dir + ": " + e, e);
        }
        u.slots.put(slot, r.recnum);
        r.sunum = u.unit.sunum();
        r.slotnum = slot;
        r.slotDirectory = dir;
    }

    private void forgetSlot(Record r) {
        for (OpenUnit u : units) {
            if (u.unit.sunum() == r.sunum && u.slots.get(r.slotnum) != null && u.slots.get(r.slotnum) == r.recnum) {
                u.slots.remove(r.slotnum);
                Sums.deleteTree(r.slotDirectory);
            }
        }
    }

    /**
     * Before the transaction commits: drop the slots of records that were never closed with INSERT (their files
     * must not outlive them), then write Records.txt and put every storage unit that still holds a record into
     * SUMS, in the transaction.
     */
    void beforeCommit() {
        try {
            for (OpenUnit u : units) {
                u.slots.entrySet().removeIf(e -> {
                    if (inserted.contains(e.getValue())) {
                        return false;
                    }
                    Sums.deleteTree(u.unit.slotDirectory(e.getKey()));
                    return true;
                });
                if (u.slots.isEmpty()) {
                    emptyUnits.add(u);
                    continue;
                }
                writeRecordsTxt(u);
                drms.sums().put(connection, u.unit, id(), u.series.name(), u.series.archive(),
                        u.series.retention() > 0 ? u.series.retention() : drms.defaultRetention(),
                        u.series.tapeGroup(), System.getProperty("user.name"));
            }
            for (Map.Entry<StorageUnit, Integer> e : restored.entrySet()) {
                drms.sums().putStaged(connection, e.getKey(), e.getValue());
            }
            if (id >= 0) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "UPDATE drms.drms_session SET status = 'committed', endtime = now() WHERE sessionid = ?")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new DrmsException("Cannot commit the session's storage units: " + e.getMessage(), e);
        }
    }

    /**
     * Allocates the directory an offline storage unit is restored into from tape (SUMS' get with retrieval): the
     * caller writes the unit's files into it. When the session commits, the unit is online again there, read-only
     * for {@code retentionDays}; when it rolls back, the directory is removed and the unit stays offline.
     */
    public StorageUnit restoreUnit(long sunum, int group, int retentionDays) {
        checkOpen();
        StorageUnit su = drms.sums().allocOffline(id(), sunum, 0, group);
        restored.put(su, retentionDays);
        return su;
    }

    /**
     * Gives up a unit being restored ({@link #restoreUnit}) whose tape files could not be read: its directory and
     * allocation go now, and the session's commit leaves it offline while the session's other work commits.
     */
    public void abandonRestore(StorageUnit su) {
        checkOpen();
        if (restored.remove(su) != null) {
            drms.sums().discard(su);
        }
    }

    /**
     * Deletes storage units for good: their SUMS rows go in this transaction, their directories once it has
     * committed (a crash in between leaves directories no row owns, which the sweep removes).
     */
    public void deleteStorageUnits(List<Long> sunums) {
        try {
            deleteAfterCommit.addAll(drms.sums().delete(connection, sunums));
        } catch (SQLException e) {
            throw new DrmsException("Cannot delete storage units: " + e.getMessage(), e);
        }
    }

    /** Whether a record's slot belongs to a storage unit this session allocated (and may therefore write). */
    boolean ownsSlot(Record r) {
        for (OpenUnit u : units) {
            if (u.unit.sunum() == r.sunum) {
                return true;
            }
        }
        return false;
    }

    private static void writeRecordsTxt(OpenUnit u) {
        StringBuilder sb = new StringBuilder();
        if (u.series.archive() == -1) {
            sb.append("DELETE_SLOTS_RECORDS\n");
        }
        sb.append("series=").append(u.series.name()).append('\n');
        if (u.slots.size() < u.series.unitSize() || u.series.archive() == -1) {
            sb.append("slot\trecord number\n");
            u.slots.forEach((slot, recnum) -> sb.append(slot).append('\t').append(recnum).append('\n'));
        }
        try {
            Files.writeString(u.unit.directory().resolve("Records.txt"), sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DrmsException("Cannot write Records.txt in " + u.unit.directory() + ": " + e, e);
        }
    }

    /**
     * After the transaction ends. Committed: remove the directories of deleted units and of units left empty.
     * Rolled back: delete every directory this session allocated. Unknown (the commit itself failed, so the
     * server may or may not have committed): touch nothing; the sweep decides from the SUMS rows once this
     * session's lock is gone.
     */
    void afterCompletion(int status) {
        closed = true;
        if (status == TransactionSynchronization.STATUS_UNKNOWN) {
            return;
        }
        if (status == TransactionSynchronization.STATUS_COMMITTED) {
            for (Path p : deleteAfterCommit) {
                Sums.deleteTree(p);
            }
            for (OpenUnit u : emptyUnits) {
                drms.sums().discard(u.unit);
            }
            return;
        }
        for (OpenUnit u : units) {
            drms.sums().discard(u.unit);
        }
        for (StorageUnit su : restored.keySet()) {
            drms.sums().discard(su);
        }
        if (id >= 0) {
            try (Connection c = drms.sideConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "UPDATE drms.drms_session SET status = 'aborted', endtime = now() WHERE sessionid = ?")) {
                ps.setLong(1, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                // the sweep marks it aborted later
            }
        }
    }

    /** Storage units allocated so far in this session. */
    public List<StorageUnit> storageUnits() {
        return units.stream().map(u -> u.unit).toList();
    }

    /** True once the session's transaction has ended (its connection is no longer usable). */
    boolean ended() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new DrmsException("The session has ended");
        }
    }

}
