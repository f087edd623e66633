package org.drmsbatch.readers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.RecordSets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * The record-set reader over a real catalog: every record of the query once, in recnum order per record set,
 * resuming from a saved ExecutionContext, blind to records written after it first opened (new versions of the
 * same prime keys included), restricted to a recnum range for partitions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordSetReaderTest extends CatalogTestSupport {

    static final String A = "rsreader.a";
    static final String B = "rsreader.b";

    static String jsd(String name) {
        return """
                Seriesname: %s
                Unitsize: 1
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Keyword: QUALITY, int, variable, record, 0, %%d, none, "quality"
                """.formatted(name);
    }

    @BeforeAll
    void series() {
        drms.createSeries(new JsdParser().parse("a.jsd", jsd(A)), true);
        drms.createSeries(new JsdParser().parse("b.jsd", jsd(B)), true);
        // A: FSN 1..25, quality = FSN % 3; FSN 5 and 7 get a second version (the latest counts)
        insert(A, 1, 25);
        drms.inSession(s -> {
            List<Record> again = new ArrayList<>();
            for (int fsn : new int[] {5, 7}) {
                Record r = s.create(A);
                r.set("FSN", fsn);
                r.set("QUALITY", 100 + fsn);
                again.add(r);
            }
            s.close(again, DrmsSession.Action.INSERT);
            return null;
        });
        insert(B, 1, 4);
    }

    void insert(String series, int first, int last) {
        drms.inSession(s -> {
            List<Record> rs = s.create(series, last - first + 1);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", first + i);
                rs.get(i).set("QUALITY", (first + i) % 3);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    static List<Record> readAll(RecordSetReader reader, ExecutionContext ctx, int max) {
        List<Record> out = new ArrayList<>();
        Record r;
        while (out.size() < max && (r = reader.read()) != null) {
            out.add(r);
        }
        reader.update(ctx);
        return out;
    }

    static List<Integer> fsns(List<Record> rs) {
        return rs.stream().map(r -> r.getInt("FSN")).toList();
    }

    @Test
    void readsEveryRecordOfEveryRecordSetOnceInRecnumOrderAcrossPages() {
        String q = A + "[1-25]," + B;
        RecordSetReader reader = reader(q, 4, 1, Long.MAX_VALUE);
        ExecutionContext ctx = new ExecutionContext();
        reader.open(ctx);
        List<Record> all = readAll(reader, ctx, Integer.MAX_VALUE);
        reader.close();

        List<Record> expected = sets().open(q, 0);
        assertThat(all).hasSize(25 + 4).hasSize(expected.size());
        assertThat(all.stream().map(Record::recnum).toList())
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(Record::recnum).toList());
        // record set A in recnum order: the re-inserted FSN 5 and 7 come last, as their latest versions
        List<Record> a = all.subList(0, 25);
        assertThat(a).isSortedAccordingTo((x, y) -> Long.compare(x.recnum(), y.recnum()));
        assertThat(fsns(a).subList(23, 25)).containsExactly(5, 7);
        assertThat(a.get(23).getInt("QUALITY")).isEqualTo(105);
        assertThat(all.subList(25, 29)).allMatch(r -> r.seriesName().equals(B));
    }

    @Test
    void aConditionOnNonPrimeKeysIsTestedOnTheLatestVersion() {
        RecordSetReader reader = reader(A + "[? QUALITY = 2 ?]", 3, 1, Long.MAX_VALUE);
        ExecutionContext ctx = new ExecutionContext();
        reader.open(ctx);
        List<Integer> got = fsns(readAll(reader, ctx, Integer.MAX_VALUE));
        // FSN 5 had quality 2 but its latest version has 105
        assertThat(got).containsExactlyInAnyOrderElementsOf(fsns(sets().open(A + "[? QUALITY = 2 ?]", 0)))
                .doesNotContain(5).contains(2, 8, 11);
    }

    @Test
    void aRestartFromTheSavedContextResumesAfterTheLastRecordHandedOutAndIgnoresNewVersions() {
        String c = "rsreader.c";
        drms.createSeries(new JsdParser().parse("c.jsd", jsd(c)), true);
        insert(c, 1, 25);
        String q = c + "[10-20]";
        RecordSetReader first = reader(q, 3, 1, Long.MAX_VALUE);
        ExecutionContext ctx = new ExecutionContext();
        first.open(ctx);
        List<Record> before = readAll(first, ctx, 4);
        first.close();
        // clones of what was read, as a job writing into the same series would make: new versions, larger recnums
        drms.inSession(s -> {
            List<Record> clones = new ArrayList<>();
            for (Record r : before) {
                clones.add(s.clone(r, DrmsSession.CloneMode.SHARE));
            }
            s.close(clones, DrmsSession.Action.INSERT);
            return null;
        });

        RecordSetReader again = reader(q, 3, 1, Long.MAX_VALUE);
        again.open(new ExecutionContext(ctx.toMap()));
        List<Record> after = readAll(again, ctx, Integer.MAX_VALUE);
        again.close();

        assertThat(fsns(before)).containsExactly(10, 11, 12, 13);
        assertThat(fsns(after)).containsExactly(14, 15, 16, 17, 18, 19, 20);
        // a fresh reader sees the clones as the latest versions of 10..13
        RecordSetReader fresh = reader(q, 100, 1, Long.MAX_VALUE);
        ExecutionContext c2 = new ExecutionContext();
        fresh.open(c2);
        List<Record> now = readAll(fresh, c2, Integer.MAX_VALUE);
        assertThat(fsns(now)).hasSize(11).endsWith(10, 11, 12, 13);
    }

    @Test
    void recnumRangesSplitTheRecordSetWithoutOverlap() {
        long[] span = sets().recnumSpan(sets().parse(A + "[1-9]"));
        long mid = (span[0] + span[1]) / 2;
        List<Long> got = new ArrayList<>();
        for (long[] range : new long[][] {{span[0], mid}, {mid + 1, span[1]}}) {
            RecordSetReader reader = reader(A + "[1-9]", 2, range[0], range[1]);
            ExecutionContext ctx = new ExecutionContext();
            reader.open(ctx);
            List<Record> part = readAll(reader, ctx, Integer.MAX_VALUE);
            assertThat(part).allMatch(r -> r.recnum() >= range[0] && r.recnum() <= range[1]);
            part.forEach(r -> got.add(r.recnum()));
        }
        assertThat(got).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(
                sets().open(A + "[1-9]", 0).stream().map(Record::recnum).toList());
    }

    private RecordSets sets() {
        return new RecordSets(drms);
    }

    /** A reader of the query's records whose recnum lies in {@code [from, to]}, pages of {@code pageSize}. */
    private RecordSetReader reader(String query, int pageSize, long from, long to) {
        return new RecordSetReader(sets(), sets().parseWithoutFiles(query), pageSize, from, to);
    }
}
