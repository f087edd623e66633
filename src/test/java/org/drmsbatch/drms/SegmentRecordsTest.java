package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.sums.StorageUnit;
import org.junit.jupiter.api.Test;

/** Records with segment files written and read through sessions: formats, scaling, storage units, clones, links. */
class SegmentRecordsTest extends CatalogTestSupport {

    static String segJsd(String name) {
        return """
                Seriesname: %s
                Unitsize: 3
                Archive: 0
                Retention: 5
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Keyword: NOTE, string, variable, record, "none", %%s, none, "note"
                Data: image_sm, variable, short, 2, 4, 3, DN, fits, "", 8192.0, 0.25, "small image"
                Data: tlm, variable, char, 1, 10, none, bin.gz, 0, 1, "telemetry"
                Data: notes, variable, string, 0, none, generic, "notes"
                Data: dump, vardim, short, 2, *, *, none, bin.gz, 0, 1, "vardim dump"
                """.formatted(name);
    }

    void create(String jsd) {
        drms.createSeries(new JsdParser().parse("test.jsd", jsd), false);
    }

    static float[] physical(int fsn) {
        float[] a = new float[12];
        for (int i = 0; i < a.length; i++) {
            a[i] = 8000f + 0.25f * (i * 37 + fsn); // exactly representable at bscale 0.25
        }
        return a;
    }

    static byte[] telemetry(int fsn) {
        byte[] b = new byte[10];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (fsn * 10 + i);
        }
        return b;
    }

    static short[] dump(int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) (i * 3 - 7);
        }
        return s;
    }

    @Test
    void segmentsOfEveryKindRoundTripAndTheFitsFileIsScaledAsDeclared() throws Exception {
        create(segJsd("seg.kinds"));
        Path note = home.resolve("note.txt");
        Files.writeString(note, "a generic file\n");
        long recnum = drms.inSession(s -> {
            Record r = s.create("seg.kinds");
            r.set("FSN", 1);
            r.write("image_sm", SegmentArray.ofFloats(physical(1), 4, 3));
            r.write("tlm", SegmentArray.ofChars(telemetry(1), 10));
            r.storeFile("notes", note);
            r.write("dump", SegmentArray.ofShorts(dump(15), 5, 3));
            s.close(r, DrmsSession.Action.INSERT);
            return r.recnum();
        });
        Record r = drms.read(s -> s.open("seg.kinds", recnum).orElseThrow());

        // fits: through our reader
        SegmentArray img = r.read("image_sm", DrmsType.FLOAT);
        assertThat(img.dims()).containsExactly(4, 3);
        assertThat(img.floats()).containsExactly(physical(1));
        assertThat((Double) r.get("image_sm_bzero")).isEqualTo(8192.0);
        assertThat((Double) r.get("image_sm_bscale")).isEqualTo(0.25);
        // fits: independently, with nom-tam-fits and BZERO/BSCALE applied here
        Path fitsFile = r.segmentPath("image_sm");
        assertThat(fitsFile.getFileName().toString()).isEqualTo("image_sm.fits");
        try (Fits fits = new Fits(fitsFile.toFile())) {
            BasicHDU<?> hdu = fits.readHDU();
            while (hdu != null && (hdu.getData() == null || hdu.getKernel() == null)) {
                hdu = fits.readHDU();
            }
            assertThat(hdu).isNotNull();
            Header h = hdu.getHeader();
            assertThat(h.getIntValue("BITPIX")).isEqualTo(16);
            assertThat(h.getIntValue("NAXIS")).isEqualTo(2);
            assertThat(h.getIntValue("NAXIS1")).isEqualTo(4);
            assertThat(h.getIntValue("NAXIS2")).isEqualTo(3);
            double bzero = h.getDoubleValue("BZERO", 0.0);
            double bscale = h.getDoubleValue("BSCALE", 1.0);
            assertThat(bzero).isEqualTo(8192.0);
            assertThat(bscale).isEqualTo(0.25);
            short[][] raw = (short[][]) hdu.getKernel();
            float[] expected = physical(1);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    assertThat(bzero + bscale * raw[y][x]).isCloseTo(expected[y * 4 + x], within(1e-9));
                }
            }
        }

        // bin.gz: gzip on disk, bytes back
        Path tlm = r.segmentPath("tlm");
        assertThat(tlm.getFileName().toString()).isEqualTo("tlm.bin.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tlm))) {
            assertThat(in.readAllBytes()).isNotEmpty();
        }
        assertThat(r.read("tlm", DrmsType.CHAR).bytes()).containsExactly(telemetry(1));

        // generic: the file as it was, under its own name
        assertThat(r.segmentFile("notes")).isEqualTo("note.txt");
        assertThat(Files.readString(r.segmentPath("notes"))).isEqualTo("a generic file\n");

        // vardim: the record's own dims persisted
        assertThat(r.dimensions("dump")).containsExactly(5, 3);
        SegmentArray d = r.read("dump", DrmsType.SHORT);
        assertThat(d.dims()).containsExactly(5, 3);
        assertThat(d.shorts()).containsExactly(dump(15));
    }

    @Test
    void vardimDimensionsArePerRecord() {
        create(segJsd("seg.vardim"));
        drms.inSession(s -> {
            List<Record> rs = s.create("seg.vardim", 2);
            rs.get(0).set("FSN", 1);
            rs.get(0).write("dump", SegmentArray.ofShorts(dump(6), 3, 2));
            rs.get(1).set("FSN", 2);
            rs.get(1).write("dump", SegmentArray.ofShorts(dump(20), 4, 5));
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        List<Record> back = drms.read(s -> s.open("seg.vardim", 0));
        assertThat(back).hasSize(2);
        assertThat(back.get(0).dimensions("dump")).containsExactly(3, 2);
        assertThat(back.get(1).dimensions("dump")).containsExactly(4, 5);
        assertThat(back.get(1).read("dump", DrmsType.SHORT).shorts()).containsExactly(dump(20));
    }

    @Test
    void recordsShareStorageUnitsBySlotAndRecordsTxtListsThem() throws Exception {
        create(segJsd("seg.units"));
        List<Record> written = drms.inSession(s -> {
            List<Record> rs = s.create("seg.units", 5);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", i);
                rs.get(i).write("tlm", SegmentArray.ofChars(telemetry(i), 10));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            assertThat(s.storageUnits()).hasSize(2); // unitsize 3: 3 + 2
            return rs;
        });
        List<Record> rs = drms.read(s -> s.open("seg.units", 0));
        assertThat(rs).hasSize(5);
        long first = rs.get(0).sunum();
        long second = rs.get(3).sunum();
        assertThat(second).isNotEqualTo(first);
        assertThat(rs).extracting(Record::sunum).containsExactly(first, first, first, second, second);
        assertThat(rs).extracting(Record::slotnum).containsExactly(0, 1, 2, 0, 1);
        Path u1 = rs.get(0).directory().getParent();
        Path u2 = rs.get(3).directory().getParent();
        assertThat(u1.getFileName().toString()).isEqualTo(StorageUnit.directoryName(first)).startsWith("D");
        assertThat(rs.get(0).directory()).isEqualTo(u1.resolve("S00000"));
        assertThat(rs.get(2).directory()).isEqualTo(u1.resolve("S00002"));
        for (int i = 0; i < 5; i++) {
            assertThat(rs.get(i).segmentPath("tlm")).isRegularFile();
            assertThat(rs.get(i).read("tlm", DrmsType.CHAR).bytes()).containsExactly(telemetry(i));
        }
        // the full unit names the series; the partial one also lists its slots
        assertThat(Files.readString(u1.resolve("Records.txt"))).startsWith("series=seg.units\n");
        assertThat(Files.readString(u2.resolve("Records.txt"))).isEqualTo("series=seg.units\nslot\trecord number\n"
                + "0\t" + written.get(3).recnum() + "\n1\t" + written.get(4).recnum() + "\n");
    }

    @Test
    void clonesShareOrCopySegmentsAndAreNewVersions() throws Exception {
        create(segJsd("seg.clones"));
        long orig = drms.inSession(s -> {
            Record r = s.create("seg.clones");
            r.set("FSN", 7);
            r.set("NOTE", "original");
            r.write("tlm", SegmentArray.ofChars(telemetry(7), 10));
            s.close(r, DrmsSession.Action.INSERT);
            return r.recnum();
        });
        Record source = drms.read(s -> s.open("seg.clones", orig).orElseThrow());

        Record shared = drms.inSession(s -> {
            Record src = s.open("seg.clones", orig).orElseThrow();
            Record c = s.clone(src, DrmsSession.CloneMode.SHARE);
            c.set("NOTE", "shared");
            s.close(c, DrmsSession.Action.INSERT);
            assertThat(s.storageUnits()).isEmpty(); // no new storage unit
            return c;
        });
        assertThat(shared.recnum()).isNotEqualTo(orig);
        assertThat(shared.sunum()).isEqualTo(source.sunum());
        assertThat(shared.slotnum()).isEqualTo(source.slotnum());
        List<Record> latest = drms.read(s -> s.open("seg.clones", 0));
        assertThat(latest).hasSize(1);
        assertThat(latest.get(0).recnum()).isEqualTo(shared.recnum());
        assertThat(latest.get(0).get("NOTE")).isEqualTo("shared");
        assertThat(latest.get(0).get("FSN")).isEqualTo(7);
        assertThat(latest.get(0).segmentPath("tlm")).isEqualTo(source.segmentPath("tlm"));
        assertThat(latest.get(0).read("tlm", DrmsType.CHAR).bytes()).containsExactly(telemetry(7));
        // the older version is still there
        Optional<Record> old = drms.read(s -> s.open("seg.clones", orig));
        assertThat(old).get().extracting(r -> r.get("NOTE")).isEqualTo("original");

        Record copied = drms.inSession(s -> {
            Record src = s.open("seg.clones", orig).orElseThrow();
            Record c = s.clone(src, DrmsSession.CloneMode.COPY);
            c.set("NOTE", "copied");
            s.close(c, DrmsSession.Action.INSERT);
            return c;
        });
        Record copy = drms.read(s -> s.open("seg.clones", copied.recnum()).orElseThrow());
        assertThat(copy.sunum()).isNotEqualTo(source.sunum());
        assertThat(copy.directory()).isNotEqualTo(source.directory());
        Path copyFile = copy.segmentPath("tlm");
        assertThat(copyFile).isRegularFile();
        assertThat(Files.mismatch(copyFile, source.segmentPath("tlm"))).isEqualTo(-1L);
        assertThat(source.segmentPath("tlm")).isRegularFile();
        List<Record> latest2 = drms.read(s -> s.open("seg.clones", 0));
        assertThat(latest2).extracting(Record::recnum).containsExactly(copy.recnum());
        assertThat(latest2.get(0).read("tlm", DrmsType.CHAR).bytes()).containsExactly(telemetry(7));
    }

    @Test
    void staticLinksKeepTheirVersionAndDynamicLinksFollowTheLatest() {
        create("""
                Seriesname: lnk.target
                Unitsize: 1
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
                Keyword: QUAL, int, variable, record, 0, %d, none, "quality"
                """);
        create("""
                Seriesname: lnk.source
                Unitsize: 1
                PrimeKeys: ID
                Link: STAT, lnk.target, static, "that version"
                Link: DYN, lnk.target, dynamic, "the latest version"
                Keyword: ID, int, variable, record, DRMS_MISSING_VALUE, %d, none, "id"
                Keyword: SQUAL, link, STAT, QUAL, "quality through the static link"
                Keyword: DQUAL, link, DYN, QUAL, "quality through the dynamic link"
                """);
        long v1 = target(1, 10);
        drms.inSession(s -> {
            Record t = s.open("lnk.target", v1).orElseThrow();
            Record r = s.create("lnk.source");
            r.set("ID", 1);
            r.setLink("STAT", t);
            r.setLink("DYN", t);
            s.close(r, DrmsSession.Action.INSERT);
            return null;
        });
        // linked keywords are read through the link, inside a session (the record's connection)
        Record before = drms.read(s -> s.open("lnk.source", 0).get(0));
        Object squal1 = drms.read(s -> s.open("lnk.source", 0).get(0).get("SQUAL"));
        Object dqual1 = drms.read(s -> s.open("lnk.source", 0).get(0).get("DQUAL"));
        assertThat(squal1).isEqualTo(10);
        assertThat(dqual1).isEqualTo(10);

        long v2 = target(1, 20); // a new version of the same prime key
        assertThat(v2).isNotEqualTo(v1);
        Record r = drms.read(s -> s.open("lnk.source", 0).get(0));
        assertThat(r.recnum()).isEqualTo(before.recnum()); // the source record itself did not change
        long stat = drms.read(s -> s.open("lnk.source", 0).get(0).follow("STAT").orElseThrow().recnum());
        long dyn = drms.read(s -> s.open("lnk.source", 0).get(0).follow("DYN").orElseThrow().recnum());
        assertThat(stat).isEqualTo(v1);
        assertThat(dyn).isEqualTo(v2);
        Object squal = drms.read(s -> s.open("lnk.source", 0).get(0).get("SQUAL"));
        Object dqual = drms.read(s -> s.open("lnk.source", 0).get(0).get("DQUAL"));
        assertThat(squal).isEqualTo(10);
        assertThat(dqual).isEqualTo(20);
        // a record kept after its read transaction still follows its links
        assertThat(r.get("SQUAL")).isEqualTo(10);
        assertThat(r.get("DQUAL")).isEqualTo(20);
        assertThat(r.follow("DYN")).get().extracting(Record::recnum).isEqualTo(v2);
    }

    private long target(int fsn, int qual) {
        return drms.inSession(s -> {
            Record t = s.create("lnk.target");
            t.set("FSN", fsn);
            t.set("QUAL", qual);
            s.close(t, DrmsSession.Action.INSERT);
            return t.recnum();
        });
    }

    @Test
    void handingOutPathsTouchesRetentionAsSumsGetDoes() throws Exception {
        create(segJsd("seg.touch").replace("Retention: 5", "Retention: 5\nStagingRetention: 400"));
        long sunum = drms.inSession(s -> {
            Record r = s.create("seg.touch");
            r.set("FSN", 1);
            r.write("image_sm", SegmentArray.ofFloats(physical(1), 4, 3));
            s.close(r, DrmsSession.Action.INSERT);
            return r.sunum();
        });
        String committed = effectiveDate(sunum);
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmm");
        java.time.LocalDateTime now = java.time.LocalDateTime.now(java.time.ZoneOffset.UTC);
        // put: now + Retention (5 days)
        assertThat(java.time.LocalDateTime.parse(committed, f)).isBetween(now.plusDays(5).minusMinutes(2),
                now.plusDays(5).plusMinutes(1));
        drms.inSession(s -> {
            s.touch(s.open("seg.touch", 0));
            return null;
        });
        // touch with -StagingRetention: max(current, now + 400 + 3 days)
        assertThat(java.time.LocalDateTime.parse(effectiveDate(sunum), f)).isBetween(
                now.plusDays(403).minusMinutes(2), now.plusDays(403).plusMinutes(2));
    }

    private String effectiveDate(long sunum) throws Exception {
        try (var c = dataSource.getConnection(); var ps = c.prepareStatement(
                "SELECT effective_date FROM sums.sum_partn_alloc WHERE ds_index = ?")) {
            ps.setLong(1, sunum);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void recordsNeverClosedLeaveNoFilesAndASharedCloneCannotOverwriteItsSource() throws Exception {
        create(segJsd("seg.unclosed"));
        long[] units = drms.inSession(s -> {
            List<Record> rs = s.create("seg.unclosed", 4); // unitsize 3: slots 0-2 of one unit, slot 0 of another
            for (Record r : rs) {
                r.set("FSN", (int) r.recnum());
                r.write("image_sm", SegmentArray.ofFloats(physical(1), 4, 3));
            }
            s.close(rs.subList(0, 2), DrmsSession.Action.INSERT); // the last two are dropped without a close
            return new long[] {rs.get(0).sunum(), rs.get(3).sunum()};
        });
        List<Record> kept = drms.read(s -> s.open("seg.unclosed", 0));
        assertThat(kept).hasSize(2);
        Path unit = kept.get(0).directory().getParent();
        try (var list = Files.list(unit)) {
            assertThat(list.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("Records.txt", "S00000", "S00001");
        }
        assertThat(Files.readString(unit.resolve("Records.txt")))
                .contains("0\t" + kept.get(0).recnum()).contains("1\t" + kept.get(1).recnum())
                .doesNotContain("2\t");
        // the second unit held only a record that was never closed: it is not kept
        assertThat(units[1]).isNotEqualTo(units[0]);
        assertThat(unit.getParent().resolve("D" + units[1])).doesNotExist();

        byte[] before = Files.readAllBytes(kept.get(0).segmentPath("image_sm"));
        assertThatThrownBy(() -> drms.inSession(s -> {
            Record shared = s.clone(kept.get(0), DrmsSession.CloneMode.SHARE);
            return shared.write("image_sm", SegmentArray.ofFloats(physical(9), 4, 3));
        })).isInstanceOf(DrmsException.class).hasMessageContaining("clone it with COPY");
        assertThat(Files.readAllBytes(kept.get(0).segmentPath("image_sm"))).isEqualTo(before);
    }

    @Test
    void aDeletionThatRollsBackKeepsTheFiles() throws Exception {
        create(segJsd("seg.keepfiles"));
        Record r = drms.inSession(s -> {
            Record n = s.create("seg.keepfiles");
            n.set("FSN", 1);
            n.write("image_sm", SegmentArray.ofFloats(physical(1), 4, 3));
            s.close(n, DrmsSession.Action.INSERT);
            return n;
        });
        assertThatThrownBy(() -> drms.inSession(s -> {
            s.deleteStorageUnits(List.of(r.sunum()));
            throw new IllegalStateException("changed my mind");
        })).hasMessage("changed my mind");
        assertThat(r.segmentPath("image_sm")).isRegularFile();
        float[] back = drms.read(s -> s.open("seg.keepfiles", 0).get(0).read("image_sm", DrmsType.FLOAT).floats());
        assertThat(back).containsExactly(physical(1));
    }

    @Test
    void aSessionThatThrowsAfterWritingFilesLeavesNoDirectory() throws Exception {
        create(segJsd("seg.fail"));
        List<Path> dirs = new ArrayList<>();
        assertThatThrownBy(() -> drms.inSession(s -> {
            List<Record> rs = s.create("seg.fail", 4);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", i);
                rs.get(i).write("image_sm", SegmentArray.ofFloats(physical(i), 4, 3));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            s.storageUnits().forEach(u -> dirs.add(u.directory()));
            assertThat(rs.get(0).segmentPath("image_sm")).isRegularFile();
            throw new IllegalStateException("boom after writing");
        })).hasMessage("boom after writing");
        assertThat(dirs).hasSize(2).allSatisfy(d -> assertThat(d).doesNotExist());
        long n = drms.read(s -> s.count("seg.fail"));
        assertThat(n).isZero();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sums.sum_partn_alloc WHERE status = 1")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }
}
