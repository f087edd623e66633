package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.KeyRange.Step;
import org.drmsbatch.drms.query.KeyRange.TimeValue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Record sets against a real catalog. The series has T_REC (ts_eq, 45 s from the 1993 epoch) and CAMERA as prime
 * keys. Data (slot k = T0 + 45 s·k, T0 = 2010.05.01_00:00:00_TAI, index 12151680 + k):
 * <pre>
 *   v1: k = 0..9 × camera 1, 2 (QUALITY 0, except (4,1) QUALITY 1), then (10,2) QUALITY 0
 *   v2: (2,1) QUALITY -1, (3,2) QUALITY 7, (9,2) QUALITY 0
 *   v3: (2,1) QUALITY -2
 * </pre>
 * 21 prime-key tuples, 25 rows. Expected records are named "k,camera,version" and were worked out by hand.
 */
class QuerySqlTest extends CatalogTestSupport {

    static final String SERIES = "qtest.m_45s";
    // 2010.05.01_00:00:00_TAI in TAI seconds since 1977: the epoch 1993.01.01_00:00:00_TAI (504921600) + 6329 days
    static final double T0 = 1051747200.0;
    static final long I0 = 12151680;

    static final String JSD = """
            Seriesname: qtest.m_45s
            Unitsize: 1
            PrimeKeys: T_REC, CAMERA
            Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
            Keyword: T_REC_epoch, time, constant, record, 1993.01.01_00:00:00_TAI, 0, TAI, "epoch"
            Keyword: T_REC_step, float, constant, record, 45, %f, secs, "step"
            Keyword: CAMERA, int, variable, record, 0, %d, none, "camera"
            Keyword: QUALITY, int, variable, record, 0, %d, none, "quality"
            """;

    /** "k,camera,version" -> recnum */
    static final Map<String, Long> recnums = new LinkedHashMap<>();
    static SeriesDefinition def;

    @BeforeEach
    void series() {
        if (def != null) {
            return;
        }
        def = drms.createSeries(new JsdParser().parse("qtest.m_45s.jsd", JSD), false);
        List<int[]> v1 = new ArrayList<>();
        for (int k = 0; k <= 9; k++) {
            v1.add(new int[] {k, 1, k == 4 ? 1 : 0});
            v1.add(new int[] {k, 2, 0});
        }
        insert(v1, 1);
        insert(List.<int[]>of(new int[] {10, 2, 0}), 1);
        insert(List.of(new int[] {2, 1, -1}, new int[] {3, 2, 7}, new int[] {9, 2, 0}), 2);
        insert(List.<int[]>of(new int[] {2, 1, -2}), 3);
    }

    private void insert(List<int[]> rows, int version) {
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, rows.size());
            for (int i = 0; i < rows.size(); i++) {
                rs.get(i).set("T_REC", T0 + 45.0 * rows.get(i)[0]);
                rs.get(i).set("CAMERA", rows.get(i)[1]);
                rs.get(i).set("QUALITY", rows.get(i)[2]);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            for (int i = 0; i < rows.size(); i++) {
                recnums.put(rows.get(i)[0] + "," + rows.get(i)[1] + "," + version, rs.get(i).recnum());
            }
            return null;
        });
    }

    // ---------------------------------------------------------------------------------- helpers

    private static RecordSet rs(Filter... filters) {
        return new RecordSet(SERIES, List.of(filters), List.of());
    }

    private static KeyFilter trec(KeyRange... ranges) {
        return new KeyFilter("T_REC", false, List.of(ranges));
    }

    private static KeyFilter camera(KeyRange... ranges) {
        return new KeyFilter("CAMERA", false, List.of(ranges));
    }

    private static WhereFilter where(String text, boolean bang) {
        return new WhereFilter(new WhereCondition().parse(text, 0, def), bang);
    }

    private static TimeValue t(int slot) {
        return new TimeValue(T0 + 45.0 * slot);
    }

    private List<Long> run(RecordSet set, int n) {
        SqlQuery q = QuerySql.select(set, def, n);
        return drms.read(s -> CatalogReads.untimed(s).records(SERIES, q)).stream().map(Record::recnum).toList();
    }

    private long count(RecordSet set) {
        return new RecordSets(drms).count(new Query(List.of(set)));
    }

    private static List<Long> expect(String... names) {
        return java.util.Arrays.stream(names).map(n -> {
            Long r = recnums.get(n);
            assertThat(r).as(n).isNotNull();
            return r;
        }).toList();
    }

    /** The latest version of every tuple, in prime-key order. */
    private static final String[] ALL_LATEST = {"0,1,1", "0,2,1", "1,1,1", "1,2,1", "2,1,3", "2,2,1", "3,1,1",
            "3,2,2", "4,1,1", "4,2,1", "5,1,1", "5,2,1", "6,1,1", "6,2,1", "7,1,1", "7,2,1", "8,1,1", "8,2,1",
            "9,1,1", "9,2,2", "10,2,1"};

    // ---------------------------------------------------------------------------------- tests

    @Test
    void aWholeSeriesIsTheLatestVersionOfEachTupleInPrimeKeyOrder() {
        assertThat(run(rs(), 0)).isEqualTo(expect(ALL_LATEST));
        assertThat(count(rs())).isEqualTo(21);
        assertThat(run(rs(trec(), camera()), 0)).isEqualTo(expect(ALL_LATEST));
    }

    @Test
    void timeSpanAndRangeBecomeSlotIndexes() {
        // [T0+90s/180s]: slots 2..5 (4 slots), both cameras
        RecordSet span = rs(trec(new KeyRange.Span(t(2), 180.0, false, null)));
        assertThat(run(span, 0)).isEqualTo(expect("2,1,3", "2,2,1", "3,1,1", "3,2,2", "4,1,1", "4,2,1", "5,1,1",
                "5,2,1"));
        assertThat(count(span)).isEqualTo(8);
        // a value 20 s into slot 4 (< 22.5 s) is slot 4; inclusive range 8..10
        assertThat(run(rs(trec(new KeyRange.Value(new TimeValue(T0 + 180 + 20)))), 0))
                .isEqualTo(expect("4,1,1", "4,2,1"));
        assertThat(run(rs(trec(new KeyRange.Between(t(8), t(10), null))), 0))
                .isEqualTo(expect("8,1,1", "8,2,1", "9,1,1", "9,2,2", "10,2,1"));
        // a span shorter than a step is one slot; u counts slots
        assertThat(run(rs(trec(new KeyRange.Span(t(1), 10.0, false, null))), 0)).isEqualTo(expect("1,1,1", "1,2,1"));
        assertThat(run(rs(trec(new KeyRange.Span(t(1), 2, true, null))), 0))
                .isEqualTo(expect("1,1,1", "1,2,1", "2,1,3", "2,2,1"));
        // values in one bracket are ORed, brackets ANDed
        assertThat(run(rs(trec(new KeyRange.Value(t(0)), new KeyRange.Value(t(7))), camera(new KeyRange.Value(2L))),
                0)).isEqualTo(expect("0,2,1", "7,2,1"));
    }

    @Test
    void theSqlCarriesNoValuesOnlyBindParameters() {
        SqlQuery q = QuerySql.select(rs(trec(new KeyRange.Span(t(2), 180.0, false, new Step(90, false))),
                camera(new KeyRange.Value(2L)), where("quality = 7 OR 'x' = 'y'", false)), def, 5);
        // outside quoted identifiers: no string literal and no number but the 0 of "% ? = 0"
        String text = q.sql().replaceAll("\"[^\"]*\"", "");
        assertThat(text).doesNotContain("'").doesNotContainPattern("[1-9]").contains("?");
        assertThat(q.binds()).contains(I0 + 2, I0 + 6, 2L, 7L, "x", "y", 5L);
        SqlQuery c = QuerySql.count(rs(new RecnumFilter(List.of(new IndexRange.Single(123456)))), def);
        assertThat(c.sql()).doesNotContain("123456");
        assertThat(c.binds()).containsExactly(123456L);
    }

    @Test
    void sampling() {
        // [T0/450s@90s]: slots 0..9 every 2 slots
        assertThat(run(rs(trec(new KeyRange.Span(t(0), 450.0, false, new Step(90, false)))), 0))
                .isEqualTo(expect("0,1,1", "0,2,1", "2,1,3", "2,2,1", "4,1,1", "4,2,1", "6,1,1", "6,2,1", "8,1,1",
                        "8,2,1"));
        // [T0-T0+405s@135s]: every 3 slots from 0: 0,3,6,9; camera 1
        assertThat(run(rs(trec(new KeyRange.Between(t(0), t(9), new Step(135, false))),
                camera(new KeyRange.Value(1L))), 0)).isEqualTo(expect("0,1,1", "3,1,1", "6,1,1", "9,1,1"));
        // a step in slots, and integer sampling on CAMERA: 1..2@2 is camera 1
        assertThat(run(rs(trec(new KeyRange.Between(t(1), t(9), new Step(4, true))),
                camera(new KeyRange.Between(1L, 2L, new Step(2, false)))), 0))
                .isEqualTo(expect("1,1,1", "5,1,1", "9,1,1"));
    }

    @Test
    void indexFormsAddressTheIndexColumn() {
        assertThat(run(rs(trec(new KeyRange.Indexed(new IndexRange.Single(I0 + 3)))), 0))
                .isEqualTo(expect("3,1,1", "3,2,2"));
        assertThat(run(rs(trec(new KeyRange.Indexed(new IndexRange.Span(I0 + 9, 5, null)))), 0))
                .isEqualTo(expect("9,1,1", "9,2,2", "10,2,1"));
        assertThat(run(rs(trec(new KeyRange.Indexed(new IndexRange.Between(I0 + 1, I0 + 5, 2L))),
                camera(new KeyRange.Value(1L))), 0)).isEqualTo(expect("1,1,1", "3,1,1", "5,1,1"));
        assertThat(run(rs(trec(new KeyRange.Indexed(new IndexRange.Last()))), 0)).isEqualTo(expect("10,2,1"));
    }

    @Test
    void firstAndLastAreSeriesWideWhenFirstElseRestrictedByTheFiltersToTheirLeft() {
        // [$]: the latest slot of the series (10), any camera
        assertThat(run(rs(trec(new KeyRange.Last())), 0)).isEqualTo(expect("10,2,1"));
        // [$][1]: slot 10 AND camera 1: empty
        assertThat(run(rs(trec(new KeyRange.Last()), camera(new KeyRange.Value(1L))), 0)).isEmpty();
        // [CAMERA=1][T_REC=$]: the latest slot among camera 1 rows (9)
        assertThat(run(rs(new KeyFilter("CAMERA", true, List.of(new KeyRange.Value(1L))),
                new KeyFilter("T_REC", true, List.of(new KeyRange.Last()))), 0)).isEqualTo(expect("9,1,1"));
        // [][^]: the smallest camera, every slot
        assertThat(run(rs(trec(), camera(new KeyRange.First())), 0)).isEqualTo(expect("0,1,1", "1,1,1", "2,1,3",
                "3,1,1", "4,1,1", "5,1,1", "6,1,1", "7,1,1", "8,1,1", "9,1,1"));
        // [T0+405s-T0+450s][^]: camera min among slots 9..10 is 1
        assertThat(run(rs(trec(new KeyRange.Between(t(9), t(10), null)), camera(new KeyRange.First())), 0))
                .isEqualTo(expect("9,1,1"));
        // [T_REC=^]... restricted by [? ?] to the left: first slot whose rows have quality 7 (any version): 3
        assertThat(run(rs(where("quality = 7", true), trec(new KeyRange.First())), 0)).isEqualTo(expect("3,2,2"));
    }

    @Test
    void mixedQueriesChooseTheVersionBeforeTheCondition() {
        // (2,1) has versions with quality 0, -1, -2: only the newest (-2) counts
        assertThat(run(rs(where("quality = -1", false)), 0)).isEmpty();
        assertThat(run(rs(where("quality = 0", false)), 0)).isEqualTo(expect("0,1,1", "0,2,1", "1,1,1", "1,2,1",
                "2,2,1", "3,1,1", "4,2,1", "5,1,1", "5,2,1", "6,1,1", "6,2,1", "7,1,1", "7,2,1", "8,1,1", "8,2,1",
                "9,1,1", "9,2,2", "10,2,1"));
        assertThat(count(rs(where("quality = 0", false)))).isEqualTo(18);
        assertThat(count(rs(where("quality >= 0", false)))).isEqualTo(20);
        RecordSet mixed = rs(trec(new KeyRange.Span(t(2), 90.0, false, null)), where("quality < 5", false));
        assertThat(run(mixed, 0)).isEqualTo(expect("2,1,3", "2,2,1", "3,1,1"));
        assertThat(count(mixed)).isEqualTo(3);
    }

    @Test
    void bangAndRecnumFiltersReturnEveryVersion() {
        assertThat(run(rs(where("quality = -1", true)), 0)).isEqualTo(expect("2,1,2"));
        assertThat(count(rs(where("1=1", true)))).isEqualTo(25);
        assertThat(run(rs(trec(new KeyRange.Value(t(2))), where("1 = 1", true)), 0))
                .isEqualTo(expect("2,1,1", "2,1,2", "2,1,3", "2,2,1"));
        long first = recnums.get("0,1,1");
        long last = recnums.get("2,1,3");
        assertThat(run(rs(new RecnumFilter(List.of(new IndexRange.Last()))), 0)).isEqualTo(List.of(last));
        assertThat(run(rs(new RecnumFilter(List.of(new IndexRange.First()))), 0)).isEqualTo(List.of(first));
        // #a-#b over the three versions of (2,1): every version, prime-key order then recnum
        long v1 = recnums.get("2,1,1");
        long v3 = recnums.get("2,1,3");
        assertThat(run(rs(new RecnumFilter(List.of(new IndexRange.Single(v3), new IndexRange.Single(v1)))), 0))
                .isEqualTo(expect("2,1,1", "2,1,3"));
        assertThat(run(rs(new RecnumFilter(List.of(new IndexRange.Between(recnums.get("9,2,2"), null, null)))), 0))
                .isEqualTo(expect("2,1,3", "9,2,2"));
        assertThat(run(rs(new RecnumFilter(List.of(new IndexRange.Span(recnums.get("10,2,1"), 2, null)))), 0))
                .isEqualTo(expect("2,1,2", "10,2,1"));
        // open range with a stride: counted from the series' smallest recnum (0,1,1)
        List<Long> strided = run(rs(new RecnumFilter(List.of(new IndexRange.Between(null, null, 5L)))), 0);
        assertThat(strided).containsExactlyInAnyOrderElementsOf(recnums.values().stream()
                .filter(r -> (r - first) % 5 == 0).toList());
    }

    @Test
    void firstAndLastN() {
        assertThat(run(rs(), 3)).isEqualTo(expect("0,1,1", "0,2,1", "1,1,1"));
        assertThat(run(rs(), -3)).isEqualTo(expect("9,1,1", "9,2,2", "10,2,1"));
        assertThat(run(rs(where("quality = 0", false)), -2)).isEqualTo(expect("9,2,2", "10,2,1"));
        assertThat(run(rs(where("quality = 0", false)), 2)).isEqualTo(expect("0,1,1", "0,2,1"));
        assertThat(run(rs(where("1=1", true)), -2)).isEqualTo(expect("9,2,2", "10,2,1"));
        assertThat(run(rs(where("1=1", true)), 3)).isEqualTo(expect("0,1,1", "0,2,1", "1,1,1"));
        // through RecordSets: sets concatenated in order
        List<Long> both = new RecordSets(drms).open(new Query(List.of(rs(trec(new KeyRange.Value(t(5)))),
                rs(trec(new KeyRange.Value(t(1)))))), 0).stream().map(Record::recnum).toList();
        assertThat(both).isEqualTo(expect("5,1,1", "5,2,1", "1,1,1", "1,2,1"));
    }
}
