package org.drmsbatch.drms;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.drmsbatch.drms.types.DrmsType;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** Reads and writes the rows of one series table. Records are inserted with COPY, read into {@link Record}s. */
final class RecordTable {

    /** Below this many records an insert uses a JDBC batch; above, COPY. */
    private static final int COPY_THRESHOLD = 64;

    private final SeriesLayout layout;
    private final List<String> columns = new ArrayList<>();
    private final String table;
    private final java.util.Map<String, List<String>> dynamicColumns = new java.util.concurrent.ConcurrentHashMap<>();

    RecordTable(SeriesLayout layout) {
        this.layout = layout;
        this.table = SeriesCatalog.table(layout.def);
        columns.addAll(layout.columns);
        for (LinkDef l : layout.def.links()) {
            String base = "ln_" + l.name().toLowerCase(Locale.ROOT);
            if (l.isStatic()) {
                columns.add(base);
            }
        }
        for (int i : layout.columnKeywords) {
            columns.add(layout.def.keywords().get(i).column());
        }
        for (SegmentDef s : layout.def.segments()) {
            if (s.isLink()) {
                continue;
            }
            columns.add(s.fileColumn());
            if (s.scope() == SegmentDef.Scope.VARDIM) {
                for (int a = 0; a < s.naxis(); a++) {
                    columns.add(s.axisColumn(a));
                }
            }
        }
    }

    String columnList() {
        return String.join(", ", columns.stream().map(SeriesCatalog::quote).toList());
    }

    /** Dynamic link columns need the target's prime keys; they are written with a separate UPDATE. */
    private boolean hasDynamicLinks() {
        return layout.def.links().stream().anyMatch(l -> !l.isStatic());
    }

    void insert(Connection c, List<Record> records) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        if (records.size() >= COPY_THRESHOLD) {
            copy(c, records);
        } else {
            batch(c, records);
        }
        if (hasDynamicLinks()) {
            writeDynamicLinks(c, records);
        }
    }

    private void batch(Connection c, List<Record> records) throws SQLException {
        String marks = String.join(", ", columns.stream().map(x -> "?").toList());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + table + " (" + columnList() + ") VALUES (" + marks + ")")) {
            for (Record r : records) {
                List<Object> row = row(r);
                for (int i = 0; i < row.size(); i++) {
                    Object v = row.get(i);
                    if (v == null) {
                        ps.setNull(i + 1, Types.NULL);
                    } else if (v instanceof Byte b) {
                        ps.setShort(i + 1, b);
                    } else {
                        ps.setObject(i + 1, v);
                    }
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void copy(Connection c, List<Record> records) throws SQLException {
        StringBuilder sb = new StringBuilder(records.size() * 128);
        for (Record r : records) {
            List<Object> row = row(r);
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    sb.append('\t');
                }
                appendCopyValue(sb, row.get(i));
            }
            sb.append('\n');
        }
        try {
            CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
            cm.copyIn("COPY " + table + " (" + columnList() + ") FROM STDIN", new StringReader(sb.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY into " + table + " failed: " + e.getMessage(), e);
        }
    }

    private static void appendCopyValue(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("\\N");
            return;
        }
        if (v instanceof String s) {
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                switch (ch) {
                    case '\\' -> sb.append("\\\\");
                    case '\t' -> sb.append("\\t");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    default -> sb.append(ch);
                }
            }
        } else if (v instanceof Double d) {
            sb.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
        } else if (v instanceof Float f) {
            sb.append(f.isNaN() ? "NaN" : f.isInfinite() ? (f > 0 ? "Infinity" : "-Infinity") : Float.toString(f));
        } else {
            sb.append(v);
        }
    }

    private List<Object> row(Record r) {
        List<Object> row = new ArrayList<>(columns.size());
        row.add(r.recnum);
        row.add(r.sunum);
        row.add(r.slotnum);
        row.add(r.sessionId);
        row.add(r.sessionNs);
        for (LinkDef l : layout.def.links()) {
            if (l.isStatic()) {
                row.add(r.links.get(l.name().toLowerCase(Locale.ROOT)));
            }
        }
        for (int i : layout.columnKeywords) {
            Object v = r.value(i);
            row.add(v instanceof Byte b ? (short) b : v);
        }
        for (SegmentDef s : layout.def.segments()) {
            if (s.isLink()) {
                continue;
            }
            row.add(r.segmentFiles[s.segnum()]);
            if (s.scope() == SegmentDef.Scope.VARDIM) {
                int[] ax = r.axes[s.segnum()];
                for (int a = 0; a < s.naxis(); a++) {
                    row.add(ax == null ? null : ax[a]);
                }
            }
        }
        return row;
    }

    private void writeDynamicLinks(Connection c, List<Record> records) throws SQLException {
        for (LinkDef l : layout.def.links()) {
            if (l.isStatic()) {
                continue;
            }
            String base = "ln_" + l.name().toLowerCase(Locale.ROOT);
            List<String> cols = dynamicLinkColumns(c, l);
            StringBuilder sql = new StringBuilder("UPDATE " + table + " SET " + SeriesCatalog.quote(base + "_isset")
                    + " = 1");
            for (String col : cols) {
                sql.append(", ").append(SeriesCatalog.quote(col)).append(" = ?");
            }
            sql.append(" WHERE recnum = ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int n = 0;
                for (Record r : records) {
                    Object v = r.links.get(l.name().toLowerCase(Locale.ROOT));
                    if (!(v instanceof Object[] keys)) {
                        continue;
                    }
                    for (int i = 0; i < keys.length; i++) {
                        ps.setObject(i + 1, keys[i] instanceof Byte b ? (short) b : keys[i]);
                    }
                    ps.setLong(keys.length + 1, r.recnum);
                    ps.addBatch();
                    n++;
                }
                if (n > 0) {
                    ps.executeBatch();
                }
            }
        }
    }

    /** The prime-key columns of a dynamic link, looked up once per table. */
    List<String> dynamicLinkColumns(Connection c, LinkDef l) throws SQLException {
        List<String> cached = dynamicColumns.get(l.name());
        if (cached == null) {
            cached = List.copyOf(lookUpDynamicLinkColumns(c, l));
            dynamicColumns.put(l.name(), cached);
        }
        return cached;
    }

    private List<String> lookUpDynamicLinkColumns(Connection c, LinkDef l) throws SQLException {
        SeriesDefinition target = new SeriesCatalog().get(c, l.targetSeries());
        return SeriesCatalog.dynamicLinkColumns(l, target);
    }

    /**
     * A reader of the rows of {@code rs} (a {@code SELECT *} of the table, or any result with the table's columns):
     * the columns are found by name once here, then each row is read by position with the column's typed getter.
     */
    Reader reader(ResultSet rs) throws SQLException {
        return new Reader(rs);
    }

    /** Reads rows of one result into read-only records, their keyword values into {@link RowBlock}s. */
    final class Reader {
        private final int recnum;
        private final int sunum;
        private final int slotnum;
        private final int sessionId;
        private final int sessionNs;
        /** For each column keyword (in {@code layout.columnKeywords} order): its position and type. */
        private final int[] positions;
        private final DrmsType[] types;
        /**
         * The keyword columns grouped by how they are read (the result column of each, and its position in
         * {@code positions}), so that a row is read group by group with no switch per cell; TIME is read as
         * DOUBLE with its own missing value.
         */
        private final int[] charCols;
        private final int[] shortCols;
        private final int[] intCols;
        private final int[] longCols;
        private final int[] floatCols;
        private final int[] doubleCols;
        private final int[] timeCols;
        private final int[] stringCols;
        private final int[][] groupIndex = new int[8][];
        /** The current block's column arrays, group by group as above. */
        private byte[][] chars;
        private short[][] shorts;
        private int[][] ints;
        private long[][] longs;
        private float[][] floats;
        private double[][] doubles;
        private double[][] times;
        private String[][] strings;
        private final int[] fileColumns;
        private final int[][] axisColumns;
        /** The links and the segments with a file column: arrays, so that reading a row allocates no iterator. */
        private final LinkDef[] links;
        private final SegmentDef[] segments;
        private RowBlock block;

        private Reader(ResultSet rs) throws SQLException {
            recnum = rs.findColumn("recnum");
            sunum = rs.findColumn("sunum");
            slotnum = rs.findColumn("slotnum");
            sessionId = rs.findColumn("sessionid");
            sessionNs = rs.findColumn("sessionns");
            int n = layout.columnKeywords.size();
            positions = new int[n];
            types = new DrmsType[n];
            int[] keywordColumns = new int[n];
            for (int j = 0; j < n; j++) {
                int i = layout.columnKeywords.get(j);
                KeywordDef k = layout.def.keywords().get(i);
                positions[j] = i;
                types[j] = k.type();
                keywordColumns[j] = rs.findColumn(k.column());
            }
            DrmsType[] order = {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT, DrmsType.LONGLONG, DrmsType.FLOAT,
                    DrmsType.DOUBLE, DrmsType.TIME, DrmsType.STRING};
            int[][] cols = new int[order.length][];
            for (int g = 0; g < order.length; g++) {
                DrmsType t = order[g];
                groupIndex[g] = java.util.stream.IntStream.range(0, n).filter(j -> types[j] == t).toArray();
                cols[g] = java.util.Arrays.stream(groupIndex[g]).map(j -> keywordColumns[j]).toArray();
            }
            charCols = cols[0];
            shortCols = cols[1];
            intCols = cols[2];
            longCols = cols[3];
            floatCols = cols[4];
            doubleCols = cols[5];
            timeCols = cols[6];
            stringCols = cols[7];
            links = layout.def.links().toArray(new LinkDef[0]);
            segments = layout.def.segments().stream().filter(sd -> !sd.isLink()).toArray(SegmentDef[]::new);
            int nseg = layout.def.segments().size();
            fileColumns = new int[nseg];
            axisColumns = new int[nseg][];
            for (SegmentDef s : layout.def.segments()) {
                if (s.isLink()) {
                    continue;
                }
                fileColumns[s.segnum()] = rs.findColumn(s.fileColumn());
                if (s.scope() == SegmentDef.Scope.VARDIM) {
                    axisColumns[s.segnum()] = new int[s.naxis()];
                    for (int a = 0; a < s.naxis(); a++) {
                        axisColumns[s.segnum()][a] = rs.findColumn(s.axisColumn(a));
                    }
                }
            }
        }

        private void newBlock() {
            RowBlock b = new RowBlock(layout, positions, types);
            chars = new byte[charCols.length][];
            shorts = new short[shortCols.length][];
            ints = new int[intCols.length][];
            longs = new long[longCols.length][];
            floats = new float[floatCols.length][];
            doubles = new double[doubleCols.length][];
            times = new double[timeCols.length][];
            strings = new String[stringCols.length][];
            Object[][] arrays = {chars, shorts, ints, longs, floats, doubles, times, strings};
            for (int g = 0; g < arrays.length; g++) {
                for (int k = 0; k < groupIndex[g].length; k++) {
                    arrays[g][k] = b.column(positions[groupIndex[g][k]]);
                }
            }
            block = b;
        }

        /** Builds a read-only record from the current row of the result. */
        Record read(ResultSet rs, DrmsSession session, Connection c) throws SQLException {
            if (block == null || block.full()) {
                newBlock();
            }
            RowBlock b = block;
            int row = b.add();
            // a getter answers 0 for SQL NULL: only then is wasNull asked; a NULL is stored as the missing value
            for (int k = 0; k < charCols.length; k++) {
                short v = rs.getShort(charCols[k]);
                chars[k][row] = v == 0 && rs.wasNull() ? Byte.MIN_VALUE : (byte) v;
            }
            for (int k = 0; k < shortCols.length; k++) {
                short v = rs.getShort(shortCols[k]);
                shorts[k][row] = v == 0 && rs.wasNull() ? Short.MIN_VALUE : v;
            }
            for (int k = 0; k < intCols.length; k++) {
                int v = rs.getInt(intCols[k]);
                ints[k][row] = v == 0 && rs.wasNull() ? Integer.MIN_VALUE : v;
            }
            for (int k = 0; k < longCols.length; k++) {
                long v = rs.getLong(longCols[k]);
                longs[k][row] = v == 0 && rs.wasNull() ? Long.MIN_VALUE : v;
            }
            for (int k = 0; k < floatCols.length; k++) {
                float v = rs.getFloat(floatCols[k]);
                floats[k][row] = v == 0 && rs.wasNull() ? Float.NaN : v;
            }
            for (int k = 0; k < doubleCols.length; k++) {
                double v = rs.getDouble(doubleCols[k]);
                doubles[k][row] = v == 0 && rs.wasNull() ? Double.NaN : v;
            }
            for (int k = 0; k < timeCols.length; k++) {
                double v = rs.getDouble(timeCols[k]);
                times[k][row] = v == 0 && rs.wasNull() ? DrmsType.MISSING_TIME : v;
            }
            for (int k = 0; k < stringCols.length; k++) {
                String v = rs.getString(stringCols[k]);
                strings[k][row] = v == null ? "" : v;
            }
            Record r = new Record(layout, session, b, row);
            r.recnum = rs.getLong(recnum);
            r.sunum = rs.getLong(sunum);
            r.slotnum = rs.getInt(slotnum);
            r.sessionId = rs.getLong(sessionId);
            r.sessionNs = rs.getString(sessionNs);
            for (LinkDef l : links) {
                String base = "ln_" + l.name().toLowerCase(Locale.ROOT);
                if (l.isStatic()) {
                    long v = rs.getLong(base);
                    if (!rs.wasNull()) {
                        r.links.put(l.name().toLowerCase(Locale.ROOT), v);
                    }
                } else if (rs.getInt(base + "_isset") == 1) {
                    List<String> cols = dynamicLinkColumns(c, l);
                    Object[] keys = new Object[cols.size()];
                    for (int i = 0; i < keys.length; i++) {
                        keys[i] = rs.getObject(cols.get(i));
                    }
                    r.links.put(l.name().toLowerCase(Locale.ROOT), keys);
                }
            }
            for (SegmentDef s : segments) {
                r.segmentFiles[s.segnum()] = rs.getString(fileColumns[s.segnum()]);
                if (s.scope() == SegmentDef.Scope.VARDIM) {
                    int[] cols = axisColumns[s.segnum()];
                    int[] ax = new int[cols.length];
                    boolean any = false;
                    for (int a = 0; a < cols.length; a++) {
                        ax[a] = rs.getInt(cols[a]);
                        any |= !rs.wasNull();
                    }
                    r.axes[s.segnum()] = any ? ax : null;
                }
            }
            return r;
        }
    }

    /** ORDER BY of the prime keys (internal), then recnum. */
    String orderBy(boolean descending) {
        StringBuilder sb = new StringBuilder();
        for (KeywordDef k : layout.def.internalPrimeKeys()) {
            sb.append(SeriesCatalog.quote(k.column())).append(descending ? " DESC, " : ", ");
        }
        sb.append("recnum").append(descending ? " DESC" : "");
        return sb.toString();
    }

    String primeKeyList() {
        return String.join(", ", layout.def.internalPrimeKeys().stream()
                .map(k -> SeriesCatalog.quote(k.column())).toList());
    }

    String table() {
        return table;
    }
}
