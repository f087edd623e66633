package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.KeyRange.Between;
import org.drmsbatch.drms.query.KeyRange.First;
import org.drmsbatch.drms.query.KeyRange.Indexed;
import org.drmsbatch.drms.query.KeyRange.Last;
import org.drmsbatch.drms.query.KeyRange.Span;
import org.drmsbatch.drms.query.KeyRange.Step;
import org.drmsbatch.drms.query.KeyRange.TimeValue;
import org.drmsbatch.drms.query.KeyRange.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query forms of specs/drms.md §2.4 with their edge and negative cases, parsed against fixture series built
 * here (no database). Expected times are worked out with calendar arithmetic (java.time, days since 1977.01.01)
 * plus TAI−UTC by hand: 34 s in 2009–2012.06, 35 s from 2012.07 to 2015.06, 36 s from 2015.07, 37 s from 2017.
 * Every positive case is also parsed back from its printed form.
 */
class QueryParserTest {

    private static final double MDI_EPOCH = 504_921_600.0;
    private static final double DAY = 86_400.0;

    private static final Map<String, SeriesDefinition> SERIES = new HashMap<>();

    static {
        slotted("hmi.M_45s", 45, "MDI_EPOCH", "magnetogram");
        slotted("hmi.v_45s", 45, "MDI_EPOCH", "Dopplergram");
        slotted("hmi.M_720s", 720, "MDI_EPOCH", "magnetogram", "field");
        slotted("hmi.ic_720s", 720, "MDI_EPOCH", "continuum");
        slotted("hmi.Lw_720s", 720, "MDI_EPOCH", "linewidth");
        define("""
                Seriesname: hmi.sharp_720s
                PrimeKeys: HARPNUM, T_REC
                Keyword: HARPNUM, int, variable, record, DRMS_MISSING_VALUE, %d, none, "HARP number"
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
                Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, "epoch"
                Keyword: T_REC_step, float, constant, record, 720, %f, secs, "step"
                """ + segs("continuum", "magnetogram", "field", "bitmap"));
        define("""
                Seriesname: aia.lev1_euv_12s
                PrimeKeys: T_REC, WAVELNTH
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, UTC, "slot time"
                Keyword: T_REC_epoch, time, constant, record, 1977.01.01_00:00:00_TAI, 0, TAI, "epoch"
                Keyword: T_REC_step, string, constant, record, "12s", %s, none, "step"
                Keyword: WAVELNTH, int, variable, record, DRMS_MISSING_VALUE, %d, none, "wavelength"
                """ + segs("image", "spikes"));
        for (String name : List.of("aia.lev0", "hmi.lev0e", "hmi.lev0a")) {
            define("Seriesname: " + name + """

                    PrimeKeys: FSN
                    Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame serial number"
                    Keyword: CAMERA, int, variable, record, DRMS_MISSING_VALUE, %d, none, "camera"
                    Keyword: T_OBS, time, variable, record, DRMS_MISSING_VALUE, 3, UTC, "observation time"
                    """ + segs("image"));
        }
        define("""
                Seriesname: hmi.rdMAI_fd30
                PrimeKeys: CarrRot, CMLon, LonHG
                Keyword: CarrRot, int, variable, record, DRMS_MISSING_VALUE, %d, none, "Carrington rotation"
                Keyword: CMLon, double, variable, record, DRMS_MISSING_VALUE, %f, degrees, "central meridian"
                Keyword: LonHG, float, variable, record, DRMS_MISSING_VALUE, %f, degrees, "longitude"
                """ + segs("mai"));
        define("""
                Seriesname: hmi.hk_dayfile
                PrimeKeys: DATE, APID, SOURCE
                Keyword: DATE, time, variable, record, DRMS_MISSING_VALUE, 0, TAI, "day"
                Keyword: APID, int, variable, record, DRMS_MISSING_VALUE, %d, none, "APID"
                Keyword: SOURCE, string, variable, record, "", %s, none, "source"
                """ + segs("file"));
        define("""
                Seriesname: hmi.rdvfitsc_fd15
                PrimeKeys: CarrRot, CMLon, LatHG
                Keyword: CarrRot, int, variable, record, DRMS_MISSING_VALUE, %d, none, "Carrington rotation"
                Keyword: CMLon, double, variable, record, DRMS_MISSING_VALUE, %f, degrees, "central meridian"
                Keyword: LatHG, double, variable, record, DRMS_MISSING_VALUE, %f, degrees, "latitude"
                """ + segs("fit_out", "log"));
        // JSOC's hmi.rdvfitsc_fd15 has a segment named fit.out, which our JSD parser refuses: rename it here
        SeriesDefinition fd15 = SERIES.get("hmi.rdvfitsc_fd15");
        List<SegmentDef> segments = fd15.segments().stream().map(g -> !g.name().equals("fit_out") ? g
                : new SegmentDef("fit.out", g.segnum(), g.scope(), g.type(), g.dims(), g.unit(), g.protocol(),
                        g.cparms(), g.bzero(), g.bscale(), g.description(), g.linkName(), g.targetSegment())).toList();
        SERIES.put("hmi.rdvfitsc_fd15", new SeriesDefinition(fd15.name(), fd15.author(), fd15.owner(), fd15.unitSize(),
                fd15.archive(), fd15.retention(), fd15.stagingRetention(), fd15.tapeGroup(), fd15.primeKeys(),
                fd15.dbIndex(), fd15.description(), fd15.version(), fd15.createShadow(), fd15.keywords(),
                fd15.links(), segments));
        define("""
                Seriesname: su_arta.testseries
                PrimeKeys: NUM
                Keyword: NUM, int, variable, record, DRMS_MISSING_VALUE, %d, none, "number"
                Keyword: NOTE, string, variable, record, "", %s, none, "note"
                """ + segs("data"));
        define("""
                Seriesname: test.slotkeys
                PrimeKeys: T_REC, LAT
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
                Keyword: T_REC_epoch, string, constant, record, TSEQ_EPOCH, %s, none, "epoch"
                Keyword: T_REC_step, string, constant, record, "12m", %s, none, "step"
                Keyword: LAT, double, slot, record, 0.0, %f, degrees, "lat"
                Keyword: LAT_base, double, constant, record, -90.0, %f, degrees, "base"
                Keyword: LAT_step, double, constant, record, 1.5, %f, degrees, "step"
                """);
    }

    private static void slotted(String name, int step, String epoch, String... segments) {
        define("Seriesname: " + name + "\n" + """
                PrimeKeys: T_REC, CAMERA
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
                Keyword: T_REC_epoch, time, constant, record, %s, 0, TAI, "epoch"
                Keyword: T_REC_step, float, constant, record, %d, %%f, secs, "step"
                Keyword: CAMERA, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "camera"
                Keyword: QUALITY, int, variable, record, 0, %%d, none, "quality"
                """.formatted(epoch, step) + segs(segments));
    }

    private static String segs(String... names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            sb.append("Data: ").append(n).append(", variable, float, 2, 4096, 4096, none, fits, \"compress Rice\", \"")
                    .append(n).append("\"\n");
        }
        return sb.toString();
    }

    private static void define(String jsd) {
        SeriesDefinition def = new JsdParser().parse("x.jsd", "Unitsize: 1\n" + jsd);
        SERIES.put(def.name().toLowerCase(Locale.ROOT), def);
    }

    private static final SeriesLookup CATALOG = name -> Optional.ofNullable(SERIES.get(name.toLowerCase(Locale.ROOT)));

    /** A stand-in for the real condition parser: the whole condition as one "column", so it prints back as is. */
    private static final ConditionParser VERBATIM = (text, offset, def) -> new Expr.Column(text.strip());

    private final QueryParser parser = new QueryParser(CATALOG, Path.of("."), VERBATIM);

    // ---------------------------------------------------------------------------------------------- helpers

    /** Seconds from 1977.01.01_00:00:00 to a calendar time (ISO local), on a clock without leap seconds. */
    private static double clock(String iso) {
        return Duration.between(LocalDateTime.of(1977, 1, 1, 0, 0), LocalDateTime.parse(iso)).toNanos() / 1e9;
    }

    private static TimeValue tai(String iso) {
        return new TimeValue(clock(iso));
    }

    /** A UTC time as TAI: the clock time plus TAI−UTC at that time (given by hand). */
    private static TimeValue utc(String iso, int taiMinusUtc) {
        return new TimeValue(clock(iso) + taiMinusUtc);
    }

    private static RecordSet rs(String series, List<Filter> filters, String... segments) {
        return new RecordSet(series, filters, Arrays.asList(segments));
    }

    private static KeyFilter pos(String key, KeyRange... ranges) {
        return new KeyFilter(key, false, List.of(ranges));
    }

    private static KeyFilter named(String key, KeyRange... ranges) {
        return new KeyFilter(key, true, List.of(ranges));
    }

    private static Value val(Object v) {
        return new Value(v);
    }

    private static Step every(double seconds) {
        return new Step(seconds, false);
    }

    private static WhereFilter where(String text) {
        return new WhereFilter(new Expr.Column(text), false);
    }

    private Query assertParses(String text, RecordSet... expected) {
        Query q = parser.parse(text);
        assertThat(q.sets()).containsExactly(expected);
        assertThat(parser.parse(q.toString())).as("printed back: %s", q).isEqualTo(q);
        return q;
    }

    private void assertFails(String text, int position, String reason) {
        QueryException e = catchThrowableOfType(QueryException.class, () -> parser.parse(text));
        assertThat(e).as(text).isNotNull();
        assertThat(e.position()).as(e.getMessage()).isEqualTo(position);
        assertThat(e.reason()).contains(reason);
        assertThat(e.query()).isEqualTo(text);
    }

    // ---------------------------------------------------------------------------------------------- §2.4

    @Test
    void form01_spanWithSampling() {
        // 2016.04.01_00:00:00_TAI = 14335 days after 1977.01.01 = 1 238 544 000 s
        assertThat(tai("2016-04-01T00:00").tai()).isEqualTo(1_238_544_000.0);
        assertParses("hmi.v_45s[2016.04.01_TAI/1d@6h]", rs("hmi.v_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_238_544_000.0), DAY, false, every(6 * 3600))))));
    }

    @Test
    void form02_threeMinutes() {
        assertParses("hmi.v_45s[2013.07.03_08:42_TAI/3m]", rs("hmi.v_45s", List.of(
                pos("T_REC", new Span(tai("2013-07-03T08:42"), 180, false, null)))));
    }

    @Test
    void form03_inclusiveTimeRange() {
        assertParses("hmi.v_45s[2014.01.01_00:00:35_TAI-2014.01.01_01:00:35_TAI]", rs("hmi.v_45s", List.of(
                pos("T_REC", new Between(tai("2014-01-01T00:00:35"), tai("2014-01-01T01:00:35"), null)))));
    }

    @Test
    void form04_sixHoursEveryTwo() {
        assertParses("hmi.M_720s[2011.04.14_00:30:00_TAI/6h@2h]", rs("hmi.M_720s", List.of(
                pos("T_REC", new Span(tai("2011-04-14T00:30"), 21600, false, every(7200))))));
    }

    @Test
    void form05_rangeWithSampling() {
        assertParses("hmi.ic_720s[2010.05.01_TAI-2016.04.01_TAI@6h]", rs("hmi.ic_720s", List.of(
                pos("T_REC", new Between(new TimeValue(1_051_747_200.0), new TimeValue(1_238_544_000.0),
                        every(21600))))));
    }

    @Test
    void form06_mixedQuery() {
        Query q = assertParses("hmi.v_45s[2010.05.01_TAI/365d@1d][?QUALITY>=0?]", rs("hmi.v_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_051_747_200.0), 365 * DAY, false, every(DAY))),
                where("QUALITY>=0"))));
        assertThat(q.sets().get(0).allVersions()).isFalse();
    }

    @Test
    void form07_segment() {
        assertParses("hmi.v_45s[2010.05.01_TAI/1d@6h]{Dopplergram}", rs("hmi.v_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_051_747_200.0), DAY, false, every(21600)))), "Dopplergram"));
    }

    @Test
    void form08_secondPrimeKeyPositional() {
        assertParses("hmi.M_720s[2017.10.10_00:00:00_TAI][3]", rs("hmi.M_720s", List.of(
                pos("T_REC", val(tai("2017-10-10T00:00"))), pos("CAMERA", val(3L)))));
    }

    @Test
    void form09_oneRecordOneSegment() {
        assertParses("hmi.M_720s[2017.12.03_01:12:00_TAI][3]{magnetogram}", rs("hmi.M_720s", List.of(
                pos("T_REC", val(tai("2017-12-03T01:12"))), pos("CAMERA", val(3L))), "magnetogram"));
    }

    @Test
    void form10_harpThenTime() {
        assertParses("hmi.sharp_720s[7451][2020.09.27_00:00:00_TAI]{continuum, magnetogram, field}",
                rs("hmi.sharp_720s", List.of(pos("HARPNUM", val(7451L)), pos("T_REC", val(tai("2020-09-27T00:00")))),
                        "continuum", "magnetogram", "field"));
    }

    @Test
    void form11_harpAndSampledRange() {
        assertParses("hmi.sharp_720s[12519][2024.12.30_22:24:00_TAI/1d@8h]{continuum, magnetogram, field}",
                rs("hmi.sharp_720s", List.of(pos("HARPNUM", val(12519L)),
                        pos("T_REC", new Span(tai("2024-12-30T22:24"), DAY, false, every(8 * 3600)))),
                        "continuum", "magnetogram", "field"));
    }

    @Test
    void form12_isoWithoutZoneIsUtc() {
        assertParses("aia.lev1_euv_12s[2025-01-01T04:33:30.000/1m@12s][171]{image}", rs("aia.lev1_euv_12s",
                List.of(pos("T_REC", new Span(utc("2025-01-01T04:33:30", 37), 60, false, every(12))),
                        pos("WAVELNTH", val(171L))), "image"));
    }

    @Test
    void form13_isoWithZ() {
        assertParses("aia.lev1_euv_12s[2014-01-01T00:00:01Z/365d@1d][335]", rs("aia.lev1_euv_12s", List.of(
                pos("T_REC", new Span(utc("2014-01-01T00:00:01", 35), 365 * DAY, false, every(DAY))),
                pos("WAVELNTH", val(335L)))));
    }

    @Test
    void form14_zonelessDateAndUnknownSegment() {
        // 2015.06.07 00:00 UTC = 00:00:35 TAI
        assertThat(utc("2015-06-07T00:00", 35)).isEqualTo(tai("2015-06-07T00:00:35"));
        assertParses("hmi.m_720s[2015.6.7/2h]{magnetogram}", rs("hmi.M_720s", List.of(
                pos("T_REC", new Span(tai("2015-06-07T00:00:35"), 7200, false, null))), "magnetogram"));
        assertFails("hmi.m_720s[2015.6.7/2h]{magnetogram,duh}", 36, "has no segment 'duh'");
    }

    @Test
    void form15_last() {
        assertParses("hmi.M_45s[$]", rs("hmi.M_45s", List.of(pos("T_REC", new Last()))));
    }

    @Test
    void form16_lastThenCamera() {
        assertParses("hmi.m_720s[$][1]", rs("hmi.M_720s", List.of(pos("T_REC", new Last()), pos("CAMERA", val(1L)))));
    }

    @Test
    void form17_skipThenFirst() {
        assertParses("hmi.lw_720s[][^]", rs("hmi.Lw_720s", List.of(pos("T_REC"), pos("CAMERA", new First()))));
    }

    @Test
    void form18_threeKeysMiddleFirst() {
        assertParses("hmi.rdvfitsc_fd15[][^][]", rs("hmi.rdvfitsc_fd15", List.of(pos("CarrRot"),
                pos("CMLon", new First()), pos("LatHG"))));
    }

    @Test
    void form19_wholeSeriesOneSegment() {
        assertParses("hmi.m_720s[]{magnetogram}", rs("hmi.M_720s", List.of(pos("T_REC")), "magnetogram"));
    }

    @Test
    void form20_rangeAndSunumCondition() {
        assertParses("hmi.m_720s[2019.06.14/96m][?sunum>1148128819?]{magnetogram}", rs("hmi.M_720s", List.of(
                pos("T_REC", new Span(utc("2019-06-14T00:00", 37), 96 * 60, false, null)),
                where("sunum>1148128819")), "magnetogram"));
        assertFails("hmi.m_720s[2019.06.14/96m][?sunum>1148128819?]{magnetogram,duh}", 59, "no segment 'duh'");
    }

    @Test
    void form21_lastRecnum() {
        Query q = assertParses("hmi.lev0e[:#$]", rs("hmi.lev0e", List.of(
                new RecnumFilter(List.of(new IndexRange.Last())))));
        assertThat(q.sets().get(0).allVersions()).isTrue();
    }

    @Test
    void form22_recnumForms() {
        assertParses("hmi.lev0a[:#100-#200@10]", rs("hmi.lev0a", List.of(
                new RecnumFilter(List.of(new IndexRange.Between(100L, 200L, 10L))))));
        assertParses("hmi.lev0a[:#100/50]", rs("hmi.lev0a", List.of(
                new RecnumFilter(List.of(new IndexRange.Span(100, 50, null))))));
        assertParses("hmi.lev0a[:#^]", rs("hmi.lev0a", List.of(new RecnumFilter(List.of(new IndexRange.First())))));
        assertParses("hmi.lev0a[:#5,#9,#12]", rs("hmi.lev0a", List.of(new RecnumFilter(List.of(
                new IndexRange.Single(5), new IndexRange.Single(9), new IndexRange.Single(12))))));
        assertParses("hmi.lev0a[:#5-#, #-#7, #-#, #-#@3, #0x10/2@2]", rs("hmi.lev0a", List.of(new RecnumFilter(List.of(
                new IndexRange.Between(5L, null, null), new IndexRange.Between(null, 7L, null),
                new IndexRange.Between(null, null, null), new IndexRange.Between(null, null, 3L),
                new IndexRange.Span(16, 2, 2L))))));
    }

    @Test
    void form23_valueListIsOred() {
        assertParses("hmi.lev0e[1760978,1760984,1761093]", rs("hmi.lev0e", List.of(
                pos("FSN", val(1760978L), val(1760984L), val(1761093L)))));
    }

    @Test
    void form24_spanOnIntegerAndConditions() {
        assertParses("aia.lev0[12345/4000][?camera=2?][?T_OBS>$(2010.05.01_00:00:00_UTC)?]", rs("aia.lev0", List.of(
                pos("FSN", new Span(12345L, 4000, false, null)), where("camera=2"),
                where("T_OBS>$(2010.05.01_00:00:00_UTC)"))));
    }

    @Test
    void form25_integerRangeWithStep() {
        assertParses("su_arta.testseries[235-634@4]", rs("su_arta.testseries", List.of(
                pos("NUM", new Between(235L, 634L, new Step(4, false))))));
    }

    @Test
    void form26_bangCondition() {
        Query q = assertParses("hmi.Lw_720s[! 1=1 !]", rs("hmi.Lw_720s", List.of(
                new WhereFilter(new Expr.Column("1=1"), true))));
        assertThat(q.sets().get(0).allVersions()).isTrue();
    }

    @Test
    void form27_namedPrimeKeys() {
        assertParses("hmi.M_45s[T_REC=2010.05.01_00:00:00_TAI][CAMERA=2]", rs("hmi.M_45s", List.of(
                named("T_REC", val(new TimeValue(1_051_747_200.0))), named("CAMERA", val(2L)))));
    }

    @Test
    void form28_namedSecondKeyOnly() {
        assertParses("hmi.M_720s[CAMERA=3]", rs("hmi.M_720s", List.of(named("CAMERA", val(3L)))));
        // a named filter does not move the position: the next positional bracket is still T_REC
        assertParses("hmi.M_720s[camera=3][$]", rs("hmi.M_720s", List.of(named("CAMERA", val(3L)),
                pos("T_REC", new Last()))));
    }

    @Test
    void form29_slotIndex() {
        // 2010.05.01_00:00:00_TAI − 1993.01.01_00:00:00_TAI = 546 825 600 s = 12 151 680 × 45 s
        assertThat((1_051_747_200.0 - MDI_EPOCH) / 45).isEqualTo(12_151_680.0);
        assertParses("hmi.M_45s[#12151680]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Indexed(new IndexRange.Single(12_151_680))))));
        assertParses("hmi.M_45s[#12151680-#12151700@4,#^,#$,#12151680/20]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Indexed(new IndexRange.Between(12_151_680L, 12_151_700L, 4L)),
                        new Indexed(new IndexRange.First()), new Indexed(new IndexRange.Last()),
                        new Indexed(new IndexRange.Span(12_151_680, 20, null))))));
    }

    @Test
    void form30_threeNumericKeys() {
        assertParses("hmi.rdMAI_fd30[2231][210][255.0]", rs("hmi.rdMAI_fd30", List.of(pos("CarrRot", val(2231L)),
                pos("CMLon", val(210.0)), pos("LonHG", val(255.0)))));
    }

    @Test
    void form31_timeIntAndBareString() {
        assertParses("hmi.hk_dayfile[2007.11.08_00:00:00.00_TAI][475][hsb]", rs("hmi.hk_dayfile", List.of(
                pos("DATE", val(tai("2007-11-08T00:00"))), pos("APID", val(475L)), pos("SOURCE", val("hsb")))));
    }

    @Test
    void form32_twoRecordSets() {
        assertParses("hmi.M_720s[2017.1.23],hmi.M_720s[2017.1.24]",
                rs("hmi.M_720s", List.of(pos("T_REC", val(utc("2017-01-23T00:00", 37))))),
                rs("hmi.M_720s", List.of(pos("T_REC", val(utc("2017-01-24T00:00", 37))))));
    }

    @Test
    void form33_atFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("specs.txt"), """
                hmi.M_45s[$]
                # a comment line

                hmi.M_720s[2017.1.23][2]{magnetogram}  # trailing comment
                hmi.lev0e[:#$];@more.txt
                """);
        Files.writeString(dir.resolve("more.txt"), "su_arta.testseries[235]\n");
        QueryParser p = new QueryParser(CATALOG, dir);
        Query q = p.parse("@specs.txt, hmi.M_45s[^]");
        assertThat(q.sets()).containsExactly(
                rs("hmi.M_45s", List.of(pos("T_REC", new Last()))),
                rs("hmi.M_720s", List.of(pos("T_REC", val(utc("2017-01-23T00:00", 37))), pos("CAMERA", val(2L))),
                        "magnetogram"),
                rs("hmi.lev0e", List.of(new RecnumFilter(List.of(new IndexRange.Last())))),
                rs("su_arta.testseries", List.of(pos("NUM", val(235L)))),
                rs("hmi.M_45s", List.of(pos("T_REC", new First()))));
        assertThat(p.parse(q.toString())).isEqualTo(q);
    }

    @Test
    void atFileErrorsNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("specs.txt"), "hmi.M_45s[$]\nhmi.M_45s[][][3]\n");
        Files.writeString(dir.resolve("loop.txt"), "hmi.M_45s[$]\n@loop.txt\n");
        QueryParser p = new QueryParser(CATALOG, dir);
        QueryException e = catchThrowableOfType(QueryException.class, () -> p.parse("@specs.txt"));
        assertThat(e.reason()).startsWith("file specs.txt, line 2: more positional filters");
        assertThat(e.query()).isEqualTo("hmi.M_45s[][][3]");
        assertThat(e.position()).isEqualTo(13);
        QueryException missing = catchThrowableOfType(QueryException.class, () -> p.parse("hmi.M_45s[$],@nope.txt"));
        assertThat(missing.position()).isEqualTo(14);
        assertThat(missing.reason()).contains("no such file 'nope.txt'");
        QueryException loop = catchThrowableOfType(QueryException.class, () -> p.parse("@loop.txt"));
        assertThat(loop.reason()).contains("includes itself");
    }

    @Test
    void anAtFileThatIsNotAQueryFileIsNotEchoedInTheError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nhmi.M_45s[$]\n");
        Files.writeString(dir.resolve("secret"), "hunter2\n");
        Files.writeString(dir.resolve("specs.txt"), "hmi.M_45s[$]\n@secret\n");
        QueryParser p = new QueryParser(CATALOG, dir);

        QueryException e = catchThrowableOfType(QueryException.class, () -> p.parse("hmi.M_45s[$], @passwd"));
        assertThat(e.getMessage()).contains("file passwd, line 1, column 1").doesNotContain("root")
                .doesNotContain("bin/bash").doesNotContain(":x:");
        assertThat(e.query()).isEqualTo("hmi.M_45s[$], @passwd");
        assertThat(e.position()).isEqualTo(14); // the '@' of the file that holds the error

        QueryException word = catchThrowableOfType(QueryException.class, () -> p.parse("@secret"));
        assertThat(word.getMessage()).contains("file secret, line 1").doesNotContain("hunter2");

        // included from a query file: that file's line may be shown, not the included file's
        QueryException nested = catchThrowableOfType(QueryException.class, () -> p.parse("@specs.txt"));
        assertThat(nested.getMessage()).contains("file specs.txt, line 2").contains("file secret, line 1")
                .doesNotContain("hunter2");
    }

    @Test
    void form34_segmentNameWithDot() {
        assertParses("hmi.rdvfitsc_fd15[2214]{fit.out}", rs("hmi.rdvfitsc_fd15", List.of(pos("CarrRot", val(2214L))),
                "fit.out"));
    }

    @Test
    void form35_zonelessIsUtc() {
        Query utc = parser.parse("hmi.M_45s[2010.11.20/1m]");
        Query tai = parser.parse("hmi.M_45s[2010.11.20_TAI/1m]");
        assertThat(tai.sets().get(0).filters()).containsExactly(
                pos("T_REC", new Span(tai("2010-11-20T00:00"), 60, false, null)));
        assertThat(utc.sets().get(0).filters()).containsExactly(
                pos("T_REC", new Span(tai("2010-11-20T00:00:34"), 60, false, null)));
        assertThat(parser.parse(utc.toString())).isEqualTo(utc);
    }

    // ---------------------------------------------------------------------------------------------- edges

    @Test
    void durationShorterThanAStepAndOddStepsParse() {
        // rounding to slots (with a warning) is the SQL layer's business: the AST keeps what was written
        assertParses("hmi.M_45s[2010.05.01_TAI/10s]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_051_747_200.0), 10, false, null)))));
        assertParses("hmi.M_45s[2010.05.01_TAI/1h@100s]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_051_747_200.0), 3600, false, every(100))))));
    }

    @Test
    void timeRangeAmbiguities() {
        // a '-' range between zone-less calendar times (UTC: +34 s in 2009)
        assertParses("hmi.M_45s[2009.01.03_12:45:00-2009.01.04_00:55:00]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(utc("2009-01-03T12:45", 34), utc("2009-01-04T00:55", 34), null)))));
        // ISO dates with '-' inside, zones given
        assertParses("hmi.M_45s[2010-08-03T03:00:00Z-2010-08-03T04:00:00Z]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(utc("2010-08-03T03:00", 34), utc("2010-08-03T04:00", 34), null)))));
        // ... and without zones
        assertParses("hmi.M_45s[2010-08-03T03:00:00-2010-08-03T04:00:00]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(utc("2010-08-03T03:00", 34), utc("2010-08-03T04:00", 34), null)))));
    }

    @Test
    void moreTimeRangeAmbiguities() {
        // calendar dates without clock, with and without zones
        assertParses("hmi.M_45s[2010.05.01-2010.05.02]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(utc("2010-05-01T00:00", 34), utc("2010-05-02T00:00", 34), null)))));
        assertParses("hmi.M_45s[2010.05.01_TAI-2010.05.02_TAI]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(tai("2010-05-01T00:00"), tai("2010-05-02T00:00"), null)))));
        // a numeric zone offset is part of the time, not a range: 00:00 at −0700 is 07:00 UTC
        assertParses("hmi.M_45s[2010.05.01_00:00-0700]", rs("hmi.M_45s", List.of(
                pos("T_REC", val(utc("2010-05-01T07:00", 34))))));
        assertParses("hmi.M_45s[2010.05.01_00:00-0700-2010.05.01_01:00-0700]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Between(utc("2010-05-01T07:00", 34), utc("2010-05-01T08:00", 34), null)))));
        // duration starts on both ends of a range
        assertParses("hmi.M_45s[3000d-3001d@1h]", rs("hmi.M_45s", List.of(pos("T_REC", new Between(
                new TimeValue(MDI_EPOCH + 3000 * DAY), new TimeValue(MDI_EPOCH + 3001 * DAY), every(3600))))));
        // spaces around the operators
        assertParses("hmi.M_45s[ 2010.05.01_TAI / 1d @ 6h ]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Span(tai("2010-05-01T00:00"), DAY, false, every(21600))))));
    }

    @Test
    void durationAsStartIsEpochPlusDuration() {
        assertParses("hmi.M_45s[3000d/1d]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Span(new TimeValue(MDI_EPOCH + 3000 * DAY), DAY, false, null)))));
        // 'u' counts slots: 100 slots of 45 s, every 4 slots
        assertParses("hmi.M_45s[2010.05.01_TAI/100u@4u]", rs("hmi.M_45s", List.of(
                pos("T_REC", new Span(new TimeValue(1_051_747_200.0), 100, true, new Step(4, true))))));
        // on a slot key (not a time): base −90, step 1.5
        assertParses("test.slotkeys[][-45.5/10u]", rs("test.slotkeys", List.of(pos("T_REC"),
                pos("LAT", new Span(-45.5, 10, true, null)))));
        // TSEQ_EPOCH + 2 slots of 12 minutes
        assertParses("test.slotkeys[2u]", rs("test.slotkeys", List.of(
                pos("T_REC", val(new TimeValue(MDI_EPOCH + 1440))))));
    }

    @Test
    void whitespaceDelimitersAndComments() {
        RecordSet m45 = rs("hmi.M_45s", List.of(pos("T_REC", val(new TimeValue(1_051_747_200.0))),
                pos("CAMERA", val(2L))), "magnetogram");
        assertParses("  hmi.m_45s [2010.05.01_TAI] [ 2 ] { MAGNETOGRAM }  ", m45);
        RecordSet last = rs("hmi.M_45s", List.of(pos("T_REC", new Last())));
        assertParses("hmi.M_45s[$] # the latest, hmi.M_45s[$];hmi.M_45s[$]\n\nhmi.M_45s[$]\n", last, last, last, last);
        assertParses("hmi.M_45s", rs("hmi.M_45s", List.of()));
        assertParses("hmi.M_45s{magnetogram}", rs("hmi.M_45s", List.of(), "magnetogram"));
        assertParses("hmi.rdvfitsc_fd15[]{fit.out;log:fit.out log}", rs("hmi.rdvfitsc_fd15", List.of(pos("CarrRot")),
                "fit.out", "log", "fit.out", "log"));
    }

    @Test
    void valuesByType() {
        assertParses("su_arta.testseries[0x10,010,-5,+7,-5--1]", rs("su_arta.testseries", List.of(
                pos("NUM", val(16L), val(8L), val(-5L), val(7L), new Between(-5L, -1L, null)))));
        assertParses("hmi.rdMAI_fd30[][1.5e2-2e2@0.5][$]", rs("hmi.rdMAI_fd30", List.of(pos("CarrRot"),
                pos("CMLon", new Between(150.0, 200.0, new Step(0.5, false))), pos("LonHG", new Last()))));
        assertParses("hmi.hk_dayfile[][][\"a b\", 'it\\'s', x-y]", rs("hmi.hk_dayfile", List.of(pos("DATE"),
                pos("APID"), pos("SOURCE", val("a b"), val("it's"), val("x-y")))));
        assertParses("hmi.hk_dayfile[][][\"back\\\\slash\", '^', '', \"#1\"]", rs("hmi.hk_dayfile", List.of(pos("DATE"),
                pos("APID"), pos("SOURCE", val("back\\slash"), val("^"), val(""), val("#1")))));
        assertParses("hmi.M_45s[MDI_EPOCH]", rs("hmi.M_45s", List.of(pos("T_REC", val(new TimeValue(MDI_EPOCH))))));
        assertParses("hmi.M_45s[2010.05.01_TAI,2010.05.02_TAI/1h]", rs("hmi.M_45s", List.of(pos("T_REC",
                val(new TimeValue(1_051_747_200.0)), new Span(new TimeValue(1_051_747_200.0 + DAY), 3600, false,
                        null)))));
    }

    @Test
    void conditionsMayHoldBangsQuotesAndBrackets() {
        assertParses("hmi.M_45s[! QUALITY != 1 !]{magnetogram}#all versions", rs("hmi.M_45s", List.of(
                new WhereFilter(new Expr.Column("QUALITY != 1"), true)), "magnetogram"));
        assertParses("hmi.M_45s[?note = '?]' or x = \"a,b\"?]", rs("hmi.M_45s", List.of(
                where("note = '?]' or x = \"a,b\""))));
    }

    @Test
    void theDefaultConditionParserRefusesConditions() {
        QueryParser plain = new QueryParser(CATALOG);
        QueryException e = catchThrowableOfType(QueryException.class,
                () -> plain.parse("hmi.M_45s[$][? QUALITY>0 ?]"));
        assertThat(e.position()).isEqualTo(14);
        assertThat(e.reason()).contains("conditions not supported yet");
        assertThat(e.query()).isEqualTo("hmi.M_45s[$][? QUALITY>0 ?]");
    }

    @Test
    void conditionErrorsAreAnchoredInTheWholeQuery() {
        QueryParser p = parser.withConditions((text, offset, def) -> {
            throw new QueryException(text, text.indexOf(';'), "';' is not allowed");
        });
        QueryException e = catchThrowableOfType(QueryException.class,
                () -> p.parse("hmi.M_45s[$][? 1=1; drop table x ?]"));
        assertThat(e.position()).isEqualTo(18);
        assertThat(e.query()).isEqualTo("hmi.M_45s[$][? 1=1; drop table x ?]");
        // the text between the marks is given whole, ']' and ',' included, with its offset
        String[] seen = new String[1];
        int[] at = new int[1];
        parser.withConditions((text, offset, def) -> {
            seen[0] = text;
            at[0] = offset;
            return new Expr.Column("x");
        }).parse("hmi.M_45s[?a in (1,2) and b = ']'?]");
        assertThat(seen[0]).isEqualTo("a in (1,2) and b = ']'");
        assertThat(at[0]).isEqualTo(11);
    }

    // ---------------------------------------------------------------------------------------------- negatives

    @Test
    void twoRecnumFilters() {
        assertFails("hmi.lev0a[:#1][:#2]", 14, "only one record-number filter");
    }

    @Test
    void namedKeyThatIsNotPrime() {
        assertFails("hmi.M_45s[QUALITY=1]", 10, "'QUALITY' is not a prime key");
        assertFails("hmi.M_45s[2010.05.01_TAI][ FOO=1]", 27, "has no keyword 'FOO'");
    }

    @Test
    void unterminated() {
        assertFails("hmi.M_45s[? QUALITY>0 ", 9, "unterminated '[?'");
        assertFails("hmi.M_45s[! 1=1 ?]", 9, "unterminated '[!'");
        assertFails("hmi.M_45s[? a ? b ?]", 14, "'?' inside [? ?]");
        assertFails("hmi.M_45s[2010.05.01_TAI", 9, "unterminated '['");
        assertFails("hmi.M_45s[2010.05.01_TAI\nhmi.M_45s[$]", 9, "unterminated '['");
        assertFails("hmi.M_45s[]{magnetogram", 11, "unterminated '{'");
        assertFails("hmi.hk_dayfile[][]['abc]", 18, "unterminated '['");
    }

    @Test
    void morePositionalFiltersThanPrimeKeys() {
        assertFails("hmi.M_45s[][][3]", 13, "more positional filters than the 2 prime keys");
        assertFails("aia.lev0[1][]", 11, "more positional filters than the 1 prime keys");
    }

    @Test
    void unknownSegment() {
        assertFails("hmi.M_45s[2010.05.01_TAI]{bogus}", 26, "series hmi.M_45s has no segment 'bogus'");
        assertFails("hmi.M_45s{magnetogram, bo*gus}", 25, "unexpected '*'");
    }

    @Test
    void badValueForTheKeyType() {
        assertFails("hmi.M_45s[2010.05.01_TAI][abc]", 26, "bad int value 'abc' for CAMERA");
        assertFails("hmi.M_45s[notatime]", 10, "bad time value 'notatime' for T_REC");
        assertFails("aia.lev0[ 12.5]", 10, "bad int value '12.5'");
        assertFails("aia.lev0[99999999999]", 9, "out of range for int");
        assertFails("hmi.rdMAI_fd30[][abc]", 17, "bad double value");
        assertFails("hmi.M_45s[2010.05.01_TAI/1x]", 25, "bad duration '1x'");
        assertFails("hmi.M_45s[2010.05.01_TAI@6h]", 24, "a step '@' needs a range");
        assertFails("aia.lev0[5@2]", 10, "a step '@' needs a range");
        assertFails("aia.lev0[1-]", 11, "bad int value at the end of the range");
        assertFails("aia.lev0[1/4u]", 12, "'u' (slots) needs a slotted key");
        assertFails("aia.lev0[1,,2]", 11, "empty value");
        assertFails("hmi.lev0a[:#1-2]", 14, "expected '#' after '-'");
        assertFails("hmi.lev0a[:#x]", 12, "unexpected 'x' in index");
        assertFails("hmi.lev0a[:5]", 11, "expected '#'");
    }

    @Test
    void unknownSeriesAndBadElements() {
        assertFails("hmi.nope[1]", 0, "unknown series 'hmi.nope'");
        assertFails("hmi.M_45s[$], hmi.nope", 14, "unknown series 'hmi.nope'");
        assertFails("hmi.M_45s[$],,hmi.M_45s", 13, "empty record-set element");
        assertFails("hmi.M_45s[$],", 13, "empty record-set element");
        assertFails("", 0, "empty query");
        assertFails("hmi.M_45s[$] x", 13, "unexpected 'x'");
        assertFails("/tmp/file.fits", 0, "plain-file record sets are not supported");
        assertFails("hmi.M_45s[$]{magnetogram}[1]", 25, "unexpected '['");
    }

    @Test
    void theMessageShowsTheQueryAndACaret() {
        assertThatThrownBy(() -> parser.parse("hmi.M_45s[][][3]"))
                .hasMessageContaining("position 14")
                .hasMessageContaining("hmi.M_45s[][][3]\n               ^");
    }
}
