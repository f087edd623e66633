package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The query engine's benchmark: a series of 1 000 000 records (T_REC slotted at 45 s x 4 cameras, some prime-key tuples
 * with several versions). Times a one-day window and a count over the whole series through the query engine,
 * next to the best hand-written SQL for the same answer on the same table, as a ratio. Run with
 * {@code ./mvnw -o test -Pbench -Dtest=QueryBenchmark}.
 */
@Tag("benchmark")
class QueryBenchmark extends CatalogTestSupport {

    static final String SERIES = "bench.m_45s";
    static final int SLOTS = 240_000;       // x 4 cameras = 960 000 first versions
    static final int REVERSIONS = 40_000;   // tuples written again: 1 000 000 rows in all
    /** 2010.05.01_00:00:00_TAI in TAI seconds since 1977 */
    static final double T0 = 504921600.0 + 546825600.0;

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
        // the day starting 2010.05.03_00:00:00_TAI: 1 920 slots x 4 cameras
        double day = T0 + 2 * 86400;
        long first = Math.round((day - 504921600.0) / 45.0);
        String q = "bench.m_45s[2010.05.03_00:00:00_TAI/1d]";
        String hand = """
                SELECT DISTINCT ON (t_rec_index, camera) * FROM bench.m_45s
                WHERE t_rec_index >= ? AND t_rec_index < ?
                ORDER BY t_rec_index, camera, recnum DESC""";
        List<Record> got = sets.open(q, 0);
        assertThat(got).hasSize(1920 * 4);
        long handRows = handRows(hand, first, first + 1920);
        assertThat(handRows).isEqualTo(got.size());
        double engineWindow = median(() -> sets.open(q, 0).size());
        double handWindow = median(() -> handRows(hand, first, first + 1920));

        assertThat(sets.count(SERIES + "[]")).isEqualTo(SLOTS * 4L);
        String handCount = "SELECT count(*) FROM (SELECT DISTINCT t_rec_index, camera FROM bench.m_45s) x";
        double engineCount = median(() -> sets.count(SERIES + "[]"));
        double handCountMs = median(() -> handScalar(handCount));
        System.out.printf("one-day window (7 680 records): engine %.1f ms | hand-written SQL %.1f ms | ratio %.2f"
                + " (target <= 1.5)%n", engineWindow, handWindow, engineWindow / handWindow);
        System.out.printf("count of the whole series (960 000): engine %.1f ms | hand-written SQL %.1f ms |"
                + " ratio %.2f (target <= 1.5)%n", engineCount, handCountMs, engineCount / handCountMs);
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

    private long handRows(String sql, long from, long to) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, to);
            long n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                int cols = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= cols; i++) {
                        rs.getObject(i);
                    }
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long handScalar(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Median milliseconds of 7 runs after 2 warm-ups. */
    private static double median(LongSupplier work) {
        for (int i = 0; i < 2; i++) {
            work.getAsLong();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            long t = System.nanoTime();
            work.getAsLong();
            ms.add((System.nanoTime() - t) / 1e6);
        }
        double[] a = ms.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }
}
