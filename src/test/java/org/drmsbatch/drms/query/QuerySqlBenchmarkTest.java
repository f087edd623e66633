package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The benchmark of the SQL that the record-set query engine generates (run with
 * {@code ./mvnw -o test -Pbench -Dtest=QuerySqlBenchmarkTest}): 1 000 000 records (250 000 slots × 4 cameras) plus
 * 10 000 newer versions; a one-day window, the same window with a [? ?] condition, and the whole-series count. The
 * generated SQL must return the very rows (every column, in order) of hand-written SQL for the same answer; then
 * both are timed, medians of 7 runs in the same JVM and database. Prints the figures and EXPLAIN ANALYZE.
 */
@Tag("benchmark")
class QuerySqlBenchmarkTest extends CatalogTestSupport {

    static final String JSD = QuerySqlTest.JSD.replace("qtest.m_45s", "qbench.m_45s");
    static final double T0 = QuerySqlTest.T0;
    static final long I0 = QuerySqlTest.I0;

    @Test
    void theGeneratedSqlReturnsTheRowsOfHandWrittenSqlAndIsTimedNextToIt() throws Exception {
        SeriesDefinition def = drms.createSeries(new JsdParser().parse("qbench.m_45s.jsd", JSD), false);
        String t = "\"qbench\".\"m_45s\"";
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("INSERT INTO " + t + " (recnum, t_rec, t_rec_index, camera, quality)"
                    + " SELECT g, " + T0 + " + 45 * ((g - 1) / 4), " + I0 + " + (g - 1) / 4, 1 + (g - 1) % 4, 0"
                    + " FROM generate_series(1, 1000000) g");
            // 10 000 newer versions: every 100th record again, with quality -1
            s.execute("INSERT INTO " + t + " (recnum, t_rec, t_rec_index, camera, quality)"
                    + " SELECT 1000000 + row_number() OVER (ORDER BY recnum), t_rec, t_rec_index, camera, -1"
                    + " FROM " + t + " WHERE recnum % 100 = 0");
            s.execute("VACUUM ANALYZE " + t);
        }
        RecordSet day = new RecordSet(def.name(), List.of(new KeyFilter("T_REC", false, List.of(
                new KeyRange.Span(new KeyRange.TimeValue(T0 + 86400 * 100), 86400, false, null)))), List.of());
        RecordSet all = new RecordSet(def.name(), List.of(), List.of());
        long from = I0 + 1920 * 100;
        long to = from + 1920;
        SqlQuery ours = QuerySql.select(day, def, 0);
        SqlQuery oursCount = QuerySql.count(all, def);
        SqlQuery oursMixed = QuerySql.select(new RecordSet(def.name(), List.of(day.filters().get(0),
                new WhereFilter(new WhereCondition().parse("quality = 0", 0, def), false)), List.of()), def, 0);
        SqlQuery handDay = new SqlQuery("SELECT DISTINCT ON (t_rec_index, camera) * FROM " + t
                + " WHERE t_rec_index >= ? AND t_rec_index < ? ORDER BY t_rec_index, camera, recnum DESC",
                List.of(from, to));
        SqlQuery handDayNotExists = new SqlQuery("SELECT * FROM " + t + " a WHERE t_rec_index >= ? AND t_rec_index < ?"
                + " AND NOT EXISTS (SELECT 1 FROM " + t + " b WHERE b.t_rec_index = a.t_rec_index"
                + " AND b.camera = a.camera AND b.recnum > a.recnum) ORDER BY t_rec_index, camera", List.of(from, to));
        SqlQuery handMixed = new SqlQuery("SELECT * FROM " + t + " a WHERE t_rec_index >= ? AND t_rec_index < ?"
                + " AND quality = 0 AND NOT EXISTS (SELECT 1 FROM " + t + " b WHERE b.t_rec_index = a.t_rec_index"
                + " AND b.camera = a.camera AND b.recnum > a.recnum) ORDER BY t_rec_index, camera", List.of(from, to));
        SqlQuery handCount = new SqlQuery("SELECT count(*) FROM (SELECT 1 FROM " + t
                + " GROUP BY t_rec_index, camera) q", List.of());
        SqlQuery handCountExact = new SqlQuery("SELECT count(*) FROM " + t + " a WHERE NOT EXISTS (SELECT 1 FROM "
                + t + " b WHERE b.t_rec_index = a.t_rec_index AND b.camera = a.camera AND b.recnum > a.recnum)",
                List.of());
        try (Connection c = dataSource.getConnection()) {
            // the day: 1 920 slots x 4 cameras, each the newest version of its tuple; every 100th record (76 of
            // them in this day) has a newer version, with quality -1
            List<Map<String, Object>> oneDay = rows(c, ours);
            assertThat(oneDay).hasSize(1920 * 4).isEqualTo(rows(c, handDay)).isEqualTo(rows(c, handDayNotExists));
            assertThat(oneDay).filteredOn(r -> quality(r) == -1).hasSize(76)
                    .allSatisfy(r -> assertThat((Number) r.get("recnum")).matches(n -> n.longValue() > 1_000_000));
            // the mixed query: of those newest versions, the ones of quality 0 (an older version of quality 0 never
            // stands in for a newer one of quality -1)
            List<Map<String, Object>> mixed = rows(c, oursMixed);
            assertThat(mixed).isEqualTo(rows(c, handMixed))
                    .isEqualTo(oneDay.stream().filter(r -> quality(r) == 0).toList()).hasSize(1920 * 4 - 76);
            // the count: one per prime-key tuple, however many versions
            assertThat(rows(c, oursCount)).isEqualTo(rows(c, handCount)).isEqualTo(rows(c, handCountExact))
                    .isEqualTo(List.of(Map.of("count", 1_000_000L)));

            for (SqlQuery q : List.of(ours, handDay, oursCount, handCount)) {
                run(c, q); // warm the cache and the JIT before anything is measured
            }
            report(c, "one day, generated", ours);
            report(c, "one day, hand DISTINCT ON", handDay);
            report(c, "one day, hand NOT EXISTS", handDayNotExists);
            report(c, "one day mixed [?quality=0?], generated", oursMixed);
            report(c, "one day mixed, hand NOT EXISTS", handMixed);
            report(c, "count, generated", oursCount);
            report(c, "count, hand GROUP BY", handCount);
            report(c, "count, hand NOT EXISTS", handCountExact);
            explain(c, ours);
            explain(c, oursMixed);
            explain(c, oursCount);
        }
    }

    private static void report(Connection c, String what, SqlQuery q) throws Exception {
        List<Double> ms = new ArrayList<>();
        long rows = 0;
        for (int i = 0; i < 8; i++) {
            long start = System.nanoTime();
            rows = run(c, q);
            if (i > 0) {
                ms.add((System.nanoTime() - start) / 1e6);
            }
        }
        Collections.sort(ms);
        System.out.printf("BENCH %-45s rows/count %8d  median %8.2f ms%n", what, rows, ms.get(ms.size() / 2));
    }

    private static long run(Connection c, SqlQuery q) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(q.sql())) {
            for (int i = 0; i < q.binds().size(); i++) {
                ps.setObject(i + 1, q.binds().get(i));
            }
            long n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    n = q.sql().startsWith("SELECT count") ? rs.getLong(1) : n + 1;
                }
            }
            return n;
        }
    }

    /** Every row of {@code q}, in order, as column name -> value. */
    private static List<Map<String, Object>> rows(Connection c, SqlQuery q) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(q.sql())) {
            for (int i = 0; i < q.binds().size(); i++) {
                ps.setObject(i + 1, q.binds().get(i));
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    private static int quality(Map<String, Object> row) {
        return ((Number) row.get("quality")).intValue();
    }

    private static void explain(Connection c, SqlQuery q) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS OFF) " + q.sql())) {
            for (int i = 0; i < q.binds().size(); i++) {
                ps.setObject(i + 1, q.binds().get(i));
            }
            StringBuilder sb = new StringBuilder("EXPLAIN " + q.sql() + "\n");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sb.append("  ").append(rs.getString(1)).append('\n');
                }
            }
            System.out.println(sb);
        }
    }
}
