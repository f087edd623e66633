package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.types.DrmsType;
import org.junit.jupiter.api.Test;

class RecordsTest extends CatalogTestSupport {

    @Test
    void keywordsOfEveryTypeRoundTripThroughTheCatalogWithStatuses() {
        drms.createSeries(TestSeries.allTypes("test.types"), false);
        long recnum = drms.inSession(s -> {
            Record r = s.create("test.types");
            assertThat(r.set("FSN", 42)).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("C", 300)).isEqualTo(KeywordStatus.RANGE);
            assertThat(r.set("S", 2.4)).isEqualTo(KeywordStatus.INEXACT);
            assertThat(r.set("I", "0x10")).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("L", "12x")).isEqualTo(KeywordStatus.BAD_STRING);
            assertThat(r.set("F", 1.5)).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("D", 0.1)).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("T", 1000.25)).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("STR", "tab\there\nnewline")).isEqualTo(KeywordStatus.EXACT);
            assertThat(r.set("NOPE", 1)).isEqualTo(KeywordStatus.UNKNOWN_KEYWORD);
            assertThatThrownBy(() -> r.set("ORIGIN", "x")).isInstanceOf(DrmsException.class)
                    .hasMessageContaining("constant");
            s.close(r, DrmsSession.Action.INSERT);
            return r.recnum();
        });
        Record back = drms.read(s -> s.open("test.types", recnum).orElseThrow());
        assertThat(back.get("FSN")).isEqualTo(42);
        assertThat(back.get("C")).isEqualTo(Byte.MIN_VALUE);        // RANGE stored MISSING
        assertThat(back.get("S")).isEqualTo((short) 2);
        assertThat(back.get("I")).isEqualTo(16);
        assertThat(back.get("L")).isEqualTo(Long.MIN_VALUE);        // BAD_STRING stored MISSING
        assertThat(back.get("F")).isEqualTo(1.5f);
        assertThat(back.get("D")).isEqualTo(0.1);
        assertThat(back.get("T")).isEqualTo(1000.25);
        assertThat(back.get("STR")).isEqualTo("tab\there\nnewline");
        assertThat(back.get("ORIGIN")).isEqualTo("SDO/HMI");
        assertThat(back.get("F", DrmsType.INT)).isEqualTo(new Converted(2, KeywordStatus.INEXACT));
        assertThat(back.get("NOPE", DrmsType.INT).status()).isEqualTo(KeywordStatus.UNKNOWN_KEYWORD);
        assertThat(back.writable()).isFalse();
    }

    @Test
    void aRecordWithTheSamePrimeKeysIsANewVersionAndReadsReturnTheLatest() {
        drms.createSeries(TestSeries.allTypes("test.versions"), false);
        for (int version = 1; version <= 3; version++) {
            int v = version;
            drms.inSession(s -> {
                List<Record> rs = s.create("test.versions", 100); // 100 crosses the COPY threshold
                for (int i = 0; i < rs.size(); i++) {
                    rs.get(i).set("FSN", i);
                    rs.get(i).set("I", v);
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
        }
        List<Record> latest = drms.read(s -> s.open("test.versions", 0));
        assertThat(latest).hasSize(100);
        assertThat(latest).allSatisfy(r -> assertThat(r.get("I")).isEqualTo(3));
        assertThat(latest.stream().map(r -> r.get("FSN")).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, 100).boxed().toList());
        List<Record> last2 = drms.read(s -> s.open("test.versions", -2));
        assertThat(last2.stream().map(r -> r.get("FSN")).toList()).containsExactly(98, 99);
        long n = drms.read(s -> s.count("test.versions"));
        assertThat(n).isEqualTo(100);
    }

    @Test
    void seriesNamesMayHaveDotsAndQuotesInTheirName() {
        drms.createSeries(TestSeries.allTypes("test.with.dot"), false);
        drms.inSession(s -> {
            Record r = s.create("test.with.dot");
            r.set("FSN", 7);
            s.close(r, DrmsSession.Action.INSERT);
            return null;
        });
        assertThat(drms.read(s -> s.open("TEST.With.Dot", 0)).get(0).get("FSN")).isEqualTo(7);
        assertThatThrownBy(() -> drms.createSeries(TestSeries.allTypes("test.o'neil"), false))
                .isInstanceOf(DrmsException.class).hasMessageContaining("Bad series name");
    }

    @Test
    void aKeywordNamedLikeARecordColumnIsRefused() {
        SeriesDefinition def = TestSeries.allTypes("test.clash");
        java.util.List<KeywordDef> kws = new java.util.ArrayList<>(def.keywords());
        kws.add(TestSeries.kw("SUNUM", DrmsType.LONGLONG, "0"));
        SeriesDefinition bad = new SeriesDefinition(def.name(), def.author(), def.owner(), def.unitSize(),
                def.archive(), def.retention(), def.stagingRetention(), def.tapeGroup(), def.primeKeys(),
                def.dbIndex(), def.description(), def.version(), def.createShadow(), kws, def.links(),
                def.segments());
        assertThatThrownBy(() -> drms.createSeries(bad, false)).isInstanceOf(DrmsException.class)
                .hasMessageContaining("would collide with the record column 'sunum'");
    }

    @Test
    void theSlotIndexFollowsItsSlottedKeyword() {
        drms.createSeries(new JsdParser().parse("slots.jsd", """
                Seriesname: test.slots
                PrimeKeys: T_REC, CAMERA
                Keyword: T_REC, time, ts_eq, record, 1993.01.01_00:00:45_TAI, 0, TAI, "slot time"
                Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, "epoch"
                Keyword: T_REC_step, float, constant, record, 45, "%f", secs, "step"
                Keyword: CAMERA, int, variable, record, 1, "%d", none, "camera"
                """), false);
        // 2010.05.01_00:00:00_TAI is 546 825 600 s after the 1993 epoch: 12 151 680 steps of 45 s
        double t = 504921600.0 + 546825600.0;
        List<Long> indexes = drms.inSession(s -> {
            List<Record> rs = s.create("test.slots", 4);
            rs.get(0).set("T_REC", t);
            rs.get(1).set("T_REC", t + 22.49);
            rs.get(2).set("T_REC", "2010.05.01_00:00:22.5_TAI");
            rs.get(3).set("CAMERA", 2); // T_REC left at its default: one step after the epoch
            assertThatThrownBy(() -> rs.get(0).set("T_REC_index", 5)).isInstanceOf(DrmsException.class)
                    .hasMessageContaining("index keyword");
            s.close(rs, DrmsSession.Action.INSERT);
            return rs.stream().map(r -> (Long) r.get("T_REC_index")).toList();
        });
        assertThat(indexes).containsExactly(12151680L, 12151680L, 12151681L, 1L);
        // the first two share a slot and a camera, so the second is a new version of the first
        List<Record> latest = drms.read(s -> s.open("test.slots", 0));
        assertThat(latest.stream().map(r -> r.get("T_REC_index")).toList())
                .containsExactly(1L, 12151680L, 12151681L);
        assertThat(latest.get(1).format("T_REC")).isEqualTo("2010.05.01_00:00:22_TAI");
    }

    @Test
    void aFailedSessionLeavesNoRecord() {
        drms.createSeries(TestSeries.allTypes("test.rollback"), false);
        assertThatThrownBy(() -> drms.inSession(s -> {
            Record r = s.create("test.rollback");
            r.set("FSN", 1);
            s.close(r, DrmsSession.Action.INSERT);
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        long n = drms.read(s -> s.count("test.rollback"));
        assertThat(n).isZero();
    }
}
