package org.drmsbatch.drms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import tools.jackson.databind.json.JsonMapper;

/**
 * The series catalog: creates, describes, lists and deletes series. A series is a row in {@code drms.drms_series}
 * (with its keywords, links and segments in the other master tables) and one table {@code <namespace>.<name>}
 * whose columns are the fixed record columns, link columns, one per non-constant keyword and the segment columns.
 * Works on a connection the caller provides, so a series can be created inside a larger transaction. Nothing
 * is cached here: another process may create, replace or delete a series at any time (sessions cache what
 * they read for their own duration).
 */
public class SeriesCatalog {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Lower-cased lookup key of a series name. */
    public static String key(String seriesName) {
        return seriesName.trim().toLowerCase(Locale.ROOT);
    }

    /** The quoted, schema-qualified table of a series: {@code "ns"."name"}. */
    public static String table(SeriesDefinition def) {
        return quote(def.namespace()) + "." + quote(def.tableName());
    }

    static String sequence(SeriesDefinition def) {
        return quote(def.namespace()) + "." + quote(def.tableName() + "_seq");
    }

    /** A SQL string literal. */
    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** The columns of a dynamic link: {@code ln_<link>_<pk>} for each internal prime key of the target. */
    static List<String> dynamicLinkColumns(LinkDef l, SeriesDefinition target) {
        String base = "ln_" + l.name().toLowerCase(Locale.ROOT);
        return target.internalPrimeKeys().stream().map(pk -> base + "_" + pk.column()).toList();
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Reads a definition; empty when the series does not exist. */
    public Optional<SeriesDefinition> find(Connection c, String seriesName) throws SQLException {
        return findStored(c, seriesName).map(Stored::definition);
    }

    /**
     * A definition as stored: its text ({@link #DEFINITION_TEXT} of its row, the same text for as long as the row is
     * unchanged) and the definition read from it.
     */
    public record Stored(String text, SeriesDefinition definition) {
    }

    /** The expression a definition's text is read with, from {@code drms.drms_series}. */
    public static final String DEFINITION_TEXT = "definition::text";

    /** Reads a definition with its stored text; empty when the series does not exist. */
    Optional<Stored> findStored(Connection c, String seriesName) throws SQLException {
        String k = key(seriesName);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + DEFINITION_TEXT + " FROM drms.drms_series WHERE seriesname = ?")) {
            ps.setString(1, k);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String text = rs.getString(1);
                return Optional.of(new Stored(text, JSON.readValue(text, SeriesDefinition.class)));
            }
        }
    }

    public SeriesDefinition get(Connection c, String seriesName) throws SQLException {
        return find(c, seriesName).orElseThrow(() -> new DrmsException("Unknown series '" + seriesName + "'"));
    }

    /** Series names matching a regular expression (case-insensitive, anywhere in the name), sorted. */
    public List<SeriesDefinition> list(Connection c, String regex) throws SQLException {
        Pattern p;
        try {
            p = regex == null || regex.isBlank() ? null : Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
        } catch (PatternSyntaxException e) {
            throw new DrmsException("Bad series pattern '" + regex + "': " + e.getDescription() + " at position "
                    + (e.getIndex() + 1));
        }
        List<SeriesDefinition> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT definition::text FROM drms.drms_series ORDER BY seriesname")) {
            while (rs.next()) {
                SeriesDefinition def = JSON.readValue(rs.getString(1), SeriesDefinition.class);
                if (p == null || p.matcher(def.name()).find()) {
                    out.add(def);
                }
            }
        }
        return out;
    }

    /**
     * Creates a series. Fails when it exists, unless {@code replace}: then the old series and its records are
     * dropped first (its storage units are left to the caller, who gets their sunums back).
     *
     * @return sunums owned by a replaced series (empty when nothing was replaced)
     */
    public List<Long> create(Connection c, SeriesDefinition def, boolean replace) throws SQLException {
        validateName(def.name());
        validateColumns(def);
        List<Long> replacedUnits = List.of();
        if (find(c, def.name()).isPresent()) {
            if (!replace) {
                throw new DrmsException("Series '" + def.name() + "' already exists (use -f to replace it)");
            }
            replacedUnits = drop(c, def.name());
        }
        for (LinkDef l : def.links()) {
            if (!l.isStatic() && find(c, l.targetSeries()).isEmpty()) {
                throw new DrmsException("Series '" + def.name() + "': the target series '" + l.targetSeries()
                        + "' of dynamic link '" + l.name() + "' does not exist");
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(def.namespace()));
            s.execute("CREATE SEQUENCE " + sequence(def));
            s.execute(createTableSql(c, def));
            for (String idx : indexSql(def)) {
                s.execute(idx);
            }
        }
        insertMaster(c, def);
        return replacedUnits;
    }

    /** Keyword names that would collide with the table's own columns. */
    static void validateColumns(SeriesDefinition def) {
        java.util.Set<String> fixed = java.util.Set.of("recnum", "sunum", "slotnum", "sessionid", "sessionns");
        for (KeywordDef k : def.keywords()) {
            String c = k.column();
            if (!k.isColumn()) {
                continue;
            }
            if (fixed.contains(c) || c.startsWith("ln_") || c.matches("sg_\\d{3}_.*")) {
                throw new DrmsException("Series '" + def.name() + "': keyword '" + k.name() + "' would collide with"
                        + " the record column '" + c + "' (names recnum, sunum, slotnum, sessionid, sessionns,"
                        + " ln_* and sg_NNN_* are taken)");
            }
        }
    }

    private static void validateName(String name) {
        checkSeriesName(name);
    }

    /**
     * Refuses a name that is not a series name, {@code <namespace>.<name>} (letters first, then letters, digits,
     * {@code _}; the name may also hold {@code .}), at most 64 characters, or whose namespace is not one a series can
     * live in: PostgreSQL's own schemas ({@code pg_*}, {@code information_schema}), {@code public}, and this
     * application's {@code drms} (the catalog) and {@code sums}. The message says which and why.
     */
    public static void checkSeriesName(String name) {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_]*\\.[A-Za-z][A-Za-z0-9_.]*")) {
            throw new DrmsException("Bad series name '" + name
                    + "': expected <namespace>.<name>, letters first, then letters, digits, '_' or '.'");
        }
        if (name.length() > 64) {
            throw new DrmsException("Series name '" + name + "' is longer than 64 characters");
        }
        String namespace = name.substring(0, name.indexOf('.')).toLowerCase(java.util.Locale.ROOT);
        if (namespace.startsWith("pg_") || RESERVED_NAMESPACES.contains(namespace)) {
            throw new DrmsException("Series name '" + name + "': the namespace '" + namespace
                    + "' is reserved (PostgreSQL's own schemas, public, and this application's drms and sums hold"
                    + " no series)");
        }
    }

    /** Schemas that are not series namespaces; see {@link #checkSeriesName}. */
    static final java.util.Set<String> RESERVED_NAMESPACES = java.util.Set.of("information_schema", "public", "drms",
            "sums");

    String createTableSql(Connection c, SeriesDefinition def) throws SQLException {
        List<String> cols = new ArrayList<>();
        cols.add("recnum bigint NOT NULL DEFAULT nextval(" + literal(sequence(def)) + "::regclass) PRIMARY KEY");
        cols.add("sunum bigint NOT NULL DEFAULT -1");
        cols.add("slotnum integer NOT NULL DEFAULT -1");
        cols.add("sessionid bigint");
        cols.add("sessionns text");
        for (LinkDef l : def.links()) {
            for (String col : linkColumns(c, l)) {
                cols.add(col);
            }
        }
        for (KeywordDef k : def.columnKeywords()) {
            cols.add(quote(k.column()) + " " + k.type().sqlType());
        }
        for (SegmentDef s : def.segments()) {
            if (s.isLink()) {
                continue;
            }
            cols.add(s.fileColumn() + " text");
            if (s.scope() == SegmentDef.Scope.VARDIM) {
                for (int a = 0; a < s.naxis(); a++) {
                    cols.add(s.axisColumn(a) + " integer");
                }
            }
        }
        return "CREATE TABLE " + table(def) + " (\n  " + String.join(",\n  ", cols) + "\n)";
    }

    /** Column definitions of a link: {@code ln_<link> bigint}, or for dynamic links isset + the target's keys. */
    private List<String> linkColumns(Connection c, LinkDef l) throws SQLException {
        String base = "ln_" + l.name().toLowerCase(Locale.ROOT);
        if (l.isStatic()) {
            return List.of(quote(base) + " bigint");
        }
        SeriesDefinition target = get(c, l.targetSeries());
        List<String> cols = new ArrayList<>();
        cols.add(quote(base + "_isset") + " integer NOT NULL DEFAULT 0");
        List<String> names = dynamicLinkColumns(l, target);
        List<KeywordDef> pks = target.internalPrimeKeys();
        for (int i = 0; i < pks.size(); i++) {
            cols.add(quote(names.get(i)) + " " + pks.get(i).type().sqlType());
        }
        return cols;
    }

    /** Indexes: one per DBIndex key, else one on the prime keys; plus the latest-version index (pkeys, recnum). */
    List<String> indexSql(SeriesDefinition def) {
        List<String> out = new ArrayList<>();
        String t = def.tableName();
        List<KeywordDef> pks = def.internalPrimeKeys();
        if (!def.dbIndex().isEmpty()) {
            for (String k : def.dbIndex()) {
                KeywordDef kd = def.keyword(k).orElseThrow(() -> new DrmsException(
                        "Series '" + def.name() + "': DBIndex keyword '" + k + "' is not a keyword"));
                if (kd.isSlotted()) {
                    kd = def.keyword(kd.name() + "_index").orElseThrow();
                }
                if (!kd.isColumn()) {
                    continue;
                }
                out.add("CREATE INDEX " + quote(t + "_" + kd.column()) + " ON " + table(def) + " ("
                        + quote(kd.column()) + ")");
            }
        }
        if (!pks.isEmpty()) {
            String cols = pks.stream().map(k -> quote(k.column())).collect(Collectors.joining(", "));
            out.add("CREATE INDEX " + quote(t + "_prime_idx") + " ON " + table(def) + " (" + cols
                    + ", recnum DESC)");
        }
        out.add("CREATE INDEX " + quote(t + "_sunum_idx") + " ON " + table(def) + " (sunum)");
        return out;
    }

    private void insertMaster(Connection c, SeriesDefinition def) throws SQLException {
        String k = key(def.name());
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO drms.drms_series (seriesname, displayname, author, owner, unitsize, archive, retention,
                    stagingretention, tapegroup, primary_idx, dbidx, description, version, definition)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)""")) {
            ps.setString(1, k);
            ps.setString(2, def.name());
            ps.setString(3, def.author());
            ps.setString(4, def.owner());
            ps.setInt(5, def.unitSize());
            ps.setInt(6, def.archive());
            ps.setInt(7, def.retention());
            ps.setInt(8, def.stagingRetention());
            ps.setInt(9, def.tapeGroup());
            ps.setString(10, String.join(",", def.primeKeys()));
            ps.setString(11, String.join(",", def.dbIndex()));
            ps.setString(12, def.description());
            ps.setString(13, def.version());
            ps.setString(14, JSON.writeValueAsString(def));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO drms.drms_keyword (seriesname, keywordname, linkname, targetkeyw, type, defaultval, format,
                    unit, recscope, islink, isconstant, persegment, isimplicit, rank, description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            int rank = 1;
            for (KeywordDef kw : def.keywords()) {
                ps.setString(1, k);
                ps.setString(2, kw.name());
                ps.setString(3, kw.linkName());
                ps.setString(4, kw.targetKeyword());
                ps.setString(5, kw.isLink() ? "link" : kw.type().jsdName());
                ps.setString(6, kw.defaultValue());
                ps.setString(7, kw.format());
                ps.setString(8, kw.unit());
                ps.setString(9, kw.recScope() == null ? null : kw.recScope().jsdName());
                ps.setBoolean(10, kw.isLink());
                ps.setBoolean(11, kw.isConstant());
                ps.setBoolean(12, kw.perSegment());
                ps.setBoolean(13, kw.implicit());
                ps.setInt(14, rank++);
                ps.setString(15, kw.description());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO drms.drms_link (seriesname, linkname, target_seriesname, type, description)
                VALUES (?, ?, ?, ?, ?)""")) {
            for (LinkDef l : def.links()) {
                ps.setString(1, k);
                ps.setString(2, l.name());
                ps.setString(3, l.targetSeries());
                ps.setString(4, l.type().name().toLowerCase(Locale.ROOT));
                ps.setString(5, l.description());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO drms.drms_segment (seriesname, segmentname, segnum, scope, type, naxis, axis, unit, protocol,
                    cparms, description, islink, linkname, targetseg)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (SegmentDef s : def.segments()) {
                ps.setString(1, k);
                ps.setString(2, s.name());
                ps.setInt(3, s.segnum());
                ps.setString(4, s.scope().jsdName());
                ps.setString(5, s.type() == null ? null : s.type().jsdName());
                ps.setInt(6, s.naxis());
                ps.setString(7, s.dims().stream().map(String::valueOf).collect(Collectors.joining(",")));
                ps.setString(8, s.unit());
                ps.setString(9, s.protocol() == null ? null : s.protocol().jsdName());
                ps.setString(10, s.cparms());
                ps.setString(11, s.description());
                ps.setBoolean(12, s.isLink());
                ps.setString(13, s.linkName());
                ps.setString(14, s.targetSegment());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Drops a series: its table, sequence and master rows. Returns the sunums its records used so the caller can
     * keep or delete the storage units.
     */
    public List<Long> drop(Connection c, String seriesName) throws SQLException {
        SeriesDefinition def = get(c, seriesName);
        for (SeriesDefinition other : list(c, null)) {
            for (LinkDef l : other.links()) {
                if (!other.name().equalsIgnoreCase(def.name()) && l.targetSeries().equalsIgnoreCase(def.name())
                        && !l.isStatic()) {
                    throw new DrmsException("Series '" + def.name() + "' is the target of dynamic link '" + l.name()
                            + "' of series '" + other.name() + "'; delete that series first");
                }
            }
        }
        List<Long> sunums = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT DISTINCT sunum FROM " + table(def) + " WHERE sunum >= 0")) {
            while (rs.next()) {
                sunums.add(rs.getLong(1));
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE " + table(def));
            s.execute("DROP SEQUENCE " + sequence(def));
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM drms.drms_series WHERE seriesname = ?")) {
            ps.setString(1, key(def.name()));
            ps.executeUpdate();
        }
        return sunums;
    }
}
