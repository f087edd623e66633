package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The query engine's benchmark: a series of 1 000 000 records (T_REC slotted at 45 s x 4 cameras, every 24th
 * prime-key tuple with a second version). Times, per query, a one-day window through the query engine
 * ({@link RecordSets#open}: the records a user gets) next to the best hand-written SQL for the same answer mapped by a
 * hand-written JDBC loop into plain Java values (the fair limit) and the same SQL with no mapping at all; and the
 * count of the whole series through the engine next to the fastest hand-written count. The sides run in alternation
 * ({@link Bench}); every run checks its row count and a sample of its values against the other side's. Run with
 * {@code ./mvnw -o test -Pbench -Dtest=QueryBenchmark}; the table goes to {@code target/bench/QueryBenchmark.txt}.
 */
@Tag("benchmark")
class QueryBenchmark extends CatalogTestSupport {

    static final String SERIES = "bench.m_45s";
    static final int SLOTS = 240_000;       // x 4 cameras = 960 000 first versions
    static final int REVERSIONS = 40_000;   // tuples written again: 1 000 000 rows in all
    /** 2010.05.01_00:00:00_TAI in TAI seconds since 1977 */
    static final double T0 = 504921600.0 + 546825600.0;
    /** Queries per run of a window side, and of a count side (whose queries take ~100x longer). */
    static final int WINDOW_QUERIES = 20;
    static final int COUNT_QUERIES = 3;
    /** The day starting 2010.05.03_00:00:00_TAI: 1 920 slots x 4 cameras. */
    static final String DAY = SERIES + "[2010.05.03_00:00:00_TAI/1d]";
    static final int DAY_RECORDS = 1920 * 4;

    /** The best hand-written SQL for the day: the newest version of each prime-key tuple, in prime-key order. */
    static final String HAND_DAY = """
            SELECT DISTINCT ON (t_rec_index, camera) * FROM bench.m_45s
            WHERE t_rec_index >= ? AND t_rec_index < ?
            ORDER BY t_rec_index, camera, recnum DESC""";
    /**
     * The fastest hand-written count of the prime-key tuples we found (see the notes of the table): hash
     * aggregation over the tuples.
     */
    static final String HAND_COUNT = "SELECT count(*) FROM (SELECT 1 FROM bench.m_45s GROUP BY t_rec_index, camera) q";

    /** A row as a hand-written loop maps it: every column into a plain Java value. */
    record Row(long recnum, long sunum, int slotnum, long sessionId, String sessionNs, double tRec, long tRecIndex,
               int camera, int quality, double dataMean) {
    }

    @Test
    void oneDayWindowAndWholeSeriesCountAgainstHandWrittenSql() throws Exception {
        drms.createSeries(new JsdParser().parse("bench.jsd", """
                Seriesname: bench.m_45s
                Unitsize: 1
                PrimeKeys: T_REC, CAMERA
                DBIndex: T_REC
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
                Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, "epoch"
                Keyword: T_REC_step, float, constant, record, 45, "%f", secs, "step"
                Keyword: CAMERA, int, variable, record, 1, "%d", none, "camera"
                Keyword: QUALITY, int, variable, record, 0, "%d", none, "quality"
                Keyword: DATAMEAN, double, variable, record, 0, "%f", none, "mean"
                """), false);
        long start = System.nanoTime();
        load();
        System.out.printf("loaded 1 000 000 records in %.1f s%n", (System.nanoTime() - start) / 1e9);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE bench.m_45s");
        }
        RecordSets sets = new RecordSets(drms);
        long first = Math.round((T0 + 2 * 86400 - 504921600.0) / 45.0);
        long last = first + 1920;

        // the answer, once in full: the engine's records are the hand-written rows, value for value
        List<Row> reference = handRows(first, last);
        assertThat(reference).hasSize(DAY_RECORDS);
        assertThat(reference).filteredOn(r -> r.quality() == 1).isNotEmpty(); // newer versions are in the day
        List<Record> engine = sets.open(DAY, 0);
        assertThat(engine).hasSize(DAY_RECORDS);
        for (int i = 0; i < DAY_RECORDS; i++) {
            assertSame(engine.get(i), reference.get(i));
        }
        long tuples = handCount();
        assertThat(tuples).isEqualTo(SLOTS * 4L);
        assertThat(sets.count(SERIES + "[]")).isEqualTo(tuples);

        new Bench("QueryBenchmark", "1 000 000 records (960 000 prime-key tuples); one-day window = 7 680 records")
                .time("engine one-day window", "ms/query", () -> perQuery(WINDOW_QUERIES, () -> {
                    List<Record> got = sets.open(DAY, 0);
                    return () -> checkRecords(got, reference);
                }))
                .time("hand-written SQL + JDBC mapping", "ms/query", () -> perQuery(WINDOW_QUERIES, () -> {
                    List<Row> got = handRows(first, last);
                    return () -> checkRows(got, reference);
                }))
                .time("hand-written SQL, rows unread", "ms/query", () -> perQuery(WINDOW_QUERIES, () -> {
                    long n = bareRows(first, last);
                    return () -> assertThat(n).isEqualTo(DAY_RECORDS);
                }))
                .time("engine count, whole series", "ms/query", () -> perQuery(COUNT_QUERIES, () -> {
                    long n = sets.count(SERIES + "[]");
                    return () -> assertThat(n).isEqualTo(tuples);
                }))
                .time("hand-written count", "ms/query", () -> perQuery(COUNT_QUERIES, () -> {
                    long n = handCount();
                    return () -> assertThat(n).isEqualTo(tuples);
                }))
                .compare("engine one-day window", "hand-written SQL + JDBC mapping", 1 / 1.2)
                .compare("engine one-day window", "hand-written SQL, rows unread")
                .compare("engine count, whole series", "hand-written count", 1 / 1.5)
                .note("figures: median ms per query of " + WINDOW_QUERIES + " window / " + COUNT_QUERIES
                        + " count queries in a run; every run checks row counts and a sample of values")
                .note("engine: RecordSets.open(\"" + DAY + "\", 0) / RecordSets.count(\"" + SERIES + "[]\")")
                .note("hand-written: pooled connection, autocommit, DISTINCT ON (t_rec_index, camera) ... ORDER BY"
                        + " t_rec_index, camera, recnum DESC; mapped = every column of every row into a Java"
                        + " record by a typed getter per column")
                .note("hand-written count: " + HAND_COUNT)
                .note("goals: window within 1.2x of the mapped hand-written SQL (ratio >= 0.83), count within 1.5x")
                .run();
    }

    /** Work whose result is checked after it is timed. */
    @FunctionalInterface
    interface Checked {
        Runnable runThenCheck() throws Exception;
    }

    /** Median milliseconds of {@code n} timed queries; each query's answer is checked outside the time. */
    private static double perQuery(int n, Checked query) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            Runnable check = query.runThenCheck();
            ms[i] = (System.nanoTime() - t) / 1e6;
            check.run();
        }
        return Bench.median(ms);
    }

    /** Sample of positions compared each run: the first, the last, and every 97th between (newer versions too). */
    private static final int[] SAMPLE = sample();

    private static int[] sample() {
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < DAY_RECORDS; i += 97) {
            s.add(i);
        }
        s.add(DAY_RECORDS - 1);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void checkRecords(List<Record> got, List<Row> reference) {
        assertThat(got).hasSize(reference.size());
        Arrays.stream(SAMPLE).forEach(i -> assertSame(got.get(i), reference.get(i)));
    }

    private static void checkRows(List<Row> got, List<Row> reference) {
        assertThat(got).hasSize(reference.size());
        Arrays.stream(SAMPLE).forEach(i -> assertThat(got.get(i)).isEqualTo(reference.get(i)));
    }

    private static void assertSame(Record r, Row row) {
        assertThat(r.recnum()).isEqualTo(row.recnum());
        assertThat(r.get("T_REC")).isEqualTo(row.tRec());
        assertThat(r.get("T_REC_index")).isEqualTo(row.tRecIndex());
        assertThat(r.get("CAMERA")).isEqualTo(row.camera());
        assertThat(r.get("QUALITY")).isEqualTo(row.quality());
        assertThat(r.get("DATAMEAN")).isEqualTo(row.dataMean());
    }

    /** The day by hand: prepare, bind, execute, and map every column of every row with its typed getter. */
    private List<Row> handRows(long from, long to) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(HAND_DAY)) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            List<Row> out = new ArrayList<>(DAY_RECORDS);
            try (ResultSet rs = ps.executeQuery()) {
                int recnum = rs.findColumn("recnum");
                int sunum = rs.findColumn("sunum");
                int slotnum = rs.findColumn("slotnum");
                int sessionId = rs.findColumn("sessionid");
                int sessionNs = rs.findColumn("sessionns");
                int tRec = rs.findColumn("t_rec");
                int tRecIndex = rs.findColumn("t_rec_index");
                int camera = rs.findColumn("camera");
                int quality = rs.findColumn("quality");
                int dataMean = rs.findColumn("datamean");
                assertThat(rs.getMetaData().getColumnCount()).isEqualTo(10); // every column is read
                while (rs.next()) {
                    out.add(new Row(rs.getLong(recnum), rs.getLong(sunum), rs.getInt(slotnum), rs.getLong(sessionId),
                            rs.getString(sessionNs), rs.getDouble(tRec), rs.getLong(tRecIndex), rs.getInt(camera),
                            rs.getInt(quality), rs.getDouble(dataMean)));
                }
            }
            return out;
        }
    }

    /** The day by hand with no mapping: the rows are fetched and stepped over, no column read. */
    private long bareRows(long from, long to) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(HAND_DAY)) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            long n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n++;
                }
            }
            return n;
        }
    }

    private long handCount() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(HAND_COUNT)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void load() {
        int batch = 10_000;
        int[] done = {0};
        // first versions: slot-major, 4 cameras each
        while (done[0] < SLOTS * 4) {
            int from = done[0];
            int k = Math.min(batch, SLOTS * 4 - from);
            drms.inSession(s -> {
                List<Record> rs = s.create(SERIES, k);
                for (int i = 0; i < k; i++) {
                    int row = from + i;
                    Record r = rs.get(i);
                    r.set("T_REC", T0 + 45.0 * (row / 4));
                    r.set("CAMERA", 1 + row % 4);
                    r.set("QUALITY", 0);
                    r.set("DATAMEAN", row * 0.5);
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
            done[0] += k;
        }
        // new versions of every 24th tuple
        for (int from = 0; from < REVERSIONS; from += batch) {
            int f = from;
            int k = Math.min(batch, REVERSIONS - from);
            drms.inSession(s -> {
                List<Record> rs = s.create(SERIES, k);
                for (int i = 0; i < k; i++) {
                    int row = (f + i) * 24;
                    Record r = rs.get(i);
                    r.set("T_REC", T0 + 45.0 * (row / 4));
                    r.set("CAMERA", 1 + row % 4);
                    r.set("QUALITY", 1);
                    r.set("DATAMEAN", -1.0);
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
        }
    }
}
