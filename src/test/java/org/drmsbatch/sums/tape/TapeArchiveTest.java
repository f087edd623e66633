package org.drmsbatch.sums.tape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.sums.StorageUnit;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TapeArchive.Unit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Archiving on a real PostgreSQL and real tar files: a committed chunk is in the catalog (sum_main, sum_file,
 * sum_tape, the allocation) exactly where the tar files have it; a rolled-back chunk leaves nothing a later chunk
 * does not cut off; volumes fill and close, second copies go to another group, and a full library says so.
 */
class TapeArchiveTest {

    @TempDir
    Path home;

    DriverManagerDataSource ds;
    Sums sums;
    TarTapeLibrary library;
    final Random random = new Random(11);

    @BeforeEach
    void database() {
        ds = new DriverManagerDataSource(TestDatabase.newDatabase(), TestDatabase.user(), "");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        sums = new Sums(ds, List.of(home.resolve("SUM0")),
                Clock.fixed(Instant.parse("2026-01-10T12:00:00Z"), ZoneOffset.UTC), true);
        sums.registerPartitions();
    }

    @AfterEach
    void closeLibrary() {
        if (library != null) {
            library.close();
        }
    }

    TapeArchive archive(long capacity, int slots) {
        library = new TarTapeLibrary(home.resolve("tapes"), 2, TapeModel.lto9().withCapacity(capacity), 0);
        return new TapeArchive(library, slots, capacity);
    }

    /** A committed unit of an archived series (so DAAP: archive pending) with a few files. */
    Unit unit(int group, int bytes) throws Exception {
        StorageUnit su = sums.alloc(1, 0, group);
        Path seg = Files.createDirectories(su.slotDirectory(0));
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        Files.write(seg.resolve("image.fits"), data);
        Files.writeString(seg.resolve("record.txt"), "sunum " + su.sunum() + "\n", StandardCharsets.US_ASCII);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            sums.put(c, su, 1, "test.archived", 1, 30, group, "me");
            c.commit();
        }
        assertThat(query("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = " + su.sunum()))
                .isEqualTo(String.valueOf(SumsStatus.DAAP));
        return new Unit(su.sunum(), su.directory(), group, bytes);
    }

    Map<Long, List<TapeFile>> archiveCommitted(TapeArchive archive, List<Unit> units, int copies, int offset)
            throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            Map<Long, List<TapeFile>> files = archive.archive(c, units, copies, offset);
            c.commit();
            return files;
        }
    }

    @Test
    void aCommittedChunkIsInTheCatalogWhereTheTarHasIt() throws Exception {
        TapeArchive archive = archive(1_000_000_000L, 10);
        List<Unit> units = List.of(unit(1, 20_000), unit(1, 0), unit(1, 70_000));
        execute("UPDATE sums.sum_partn_alloc SET archive_substatus = " + SumsStatus.DAAPERM
                + " WHERE ds_index = " + units.get(1).sunum()); // a permanent unit
        Map<Long, List<TapeFile>> files = archiveCommitted(archive, units, 1, 0);

        assertThat(files.keySet()).containsExactly(units.get(0).sunum(), units.get(1).sunum(), units.get(2).sunum());
        Path tar = home.resolve("tapes/V00001L9.tar");
        byte[] volume = Files.readAllBytes(tar);
        long position = 0;
        for (int k = 0; k < units.size(); k++) {
            long sunum = units.get(k).sunum();
            assertThat(files.get(sunum)).hasSize(1);
            TapeFile f = files.get(sunum).get(0);
            assertThat(f.volume()).isEqualTo("V00001L9");
            assertThat(f.fileNumber()).isEqualTo(k + 1);
            assertThat(f.position()).isEqualTo(position);
            String md5 = TarTapeLibraryTest.md5(TarTapeLibraryTest.slice(volume, f.position(), f.bytes()));
            assertThat(f.md5()).isEqualTo(md5);
            assertThat(row("SELECT archive_status, arch_tape, arch_tape_fn, md5cksum, arch_tape_date IS NOT NULL,"
                    + " safe_tape FROM sums.sum_main WHERE ds_index = " + sunum))
                    .containsExactly("Y", "V00001L9", String.valueOf(k + 1), md5, "t", null);
            assertThat(row("SELECT tapeid, filenum, position, bytes, md5cksum, copy FROM sums.sum_file"
                    + " WHERE ds_index = " + sunum)).containsExactly("V00001L9", String.valueOf(k + 1),
                    String.valueOf(position), String.valueOf(f.bytes()), md5, "1");
            assertThat(query("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = " + sunum))
                    .isEqualTo(String.valueOf(k == 1 ? SumsStatus.DAPERM : SumsStatus.DADP));
            position += f.bytes();
        }
        assertThat(row("SELECT group_id, nxtwrtfn, end_bytes, closed, damaged FROM sums.sum_tape"))
                .containsExactly("1", "4", String.valueOf(position), "f", null);
        assertThat(volume).hasSize((int) position + 1024);
        List<String> expected = new ArrayList<>();
        for (Unit u : units) {
            expected.addAll(TarTapeLibraryTest.entries(u.directory()));
        }
        assertThat(TarTapeLibraryTest.run("tar", "-tf", tar.toString()).lines().toList())
                .containsExactlyElementsOf(expected);

        // what locations() answers reads the unit back byte for byte
        try (Connection c = ds.getConnection()) {
            Unit u = units.get(2);
            TapeFile where = archive.locations(c, List.of(u.sunum(), 999_999L)).get(u.sunum()).get(0);
            assertThat(archive.locations(c, List.of(999_999L))).isEmpty();
            assertThat(archive.contents(c, "V00001L9")).containsExactly(Map.entry(1, units.get(0).sunum()),
                    Map.entry(2, units.get(1).sunum()), Map.entry(3, u.sunum()));
            Path target = Files.createDirectories(home.resolve("restored"));
            try (TapeLibrary.Drive d = library.mount(where.volume())) {
                d.read(where, TapeArchive.tapeName(u.sunum()), target);
            }
            assertThat(TarTapeLibraryTest.tree(target)).isEqualTo(TarTapeLibraryTest.tree(u.directory()));
        }
    }

    @Test
    void aRolledBackChunkIsCutOffByTheNextWriteToTheVolume() throws Exception {
        TapeArchive archive = archive(1_000_000_000L, 10);
        Unit u1 = unit(3, 5_000);
        Unit u2 = unit(3, 30_000);
        Unit u3 = unit(3, 1_000);
        Unit u4 = unit(3, 8_000);
        archiveCommitted(archive, List.of(u1), 1, 0);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            archive.archive(c, List.of(u2, u3), 1, 0);
            c.rollback(); // the process died before the chunk committed
        }
        Path tar = home.resolve("tapes/V00001L9.tar");
        assertThat(TarTapeLibraryTest.run("tar", "-tf", tar.toString())).contains("D" + u3.sunum() + "/");
        assertThat(query("SELECT count(*) FROM sums.sum_file")).isEqualTo("1");
        assertThat(query("SELECT archive_status FROM sums.sum_main WHERE ds_index = " + u2.sunum())).isEqualTo("N");
        assertThat(query("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = " + u2.sunum()))
                .isEqualTo(String.valueOf(SumsStatus.DAAP));

        archiveCommitted(archive, List.of(u2, u3, u4), 1, 0);
        List<String> expected = new ArrayList<>();
        for (Unit u : List.of(u1, u2, u3, u4)) {
            expected.addAll(TarTapeLibraryTest.entries(u.directory()));
        }
        assertThat(TarTapeLibraryTest.run("tar", "-tf", tar.toString()).lines().toList())
                .as("no unit twice").containsExactlyElementsOf(expected);
        byte[] volume = Files.readAllBytes(tar);
        long position = 0;
        int fn = 1;
        for (Unit u : List.of(u1, u2, u3, u4)) {
            List<String> r = row("SELECT tapeid, filenum, position, bytes, md5cksum FROM sums.sum_file"
                    + " WHERE ds_index = " + u.sunum());
            assertThat(r.subList(0, 3)).containsExactly("V00001L9", String.valueOf(fn++), String.valueOf(position));
            long bytes = Long.parseLong(r.get(3));
            assertThat(r.get(4)).isEqualTo(TarTapeLibraryTest.md5(TarTapeLibraryTest.slice(volume, position, bytes)));
            position += bytes;
        }
        assertThat(volume).hasSize((int) position + 1024);
        assertThat(query("SELECT end_bytes FROM sums.sum_tape")).isEqualTo(String.valueOf(position));
    }

    @Test
    void aFullVolumeClosesAndTheGroupsNextVolumeIsUsed() throws Exception {
        List<Unit> units = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            units.add(unit(2, 10_000));
        }
        long one = new TarTapeLibrary(home.resolve("probe"), 1, TapeModel.lto9(), 0)
                .tapeBytes(TapeArchive.tapeName(units.get(0).sunum()), units.get(0).directory());
        TapeArchive archive = archive(2 * one + 1024 + one / 2, 10); // two units a volume, not three
        archiveCommitted(archive, units, 1, 0);

        assertThat(rows("SELECT tapeid, group_id, nxtwrtfn, closed FROM sums.sum_tape ORDER BY tapeid"))
                .containsExactly(List.of("V00001L9", "2", "3", "t"), List.of("V00002L9", "2", "3", "t"),
                        List.of("V00003L9", "2", "2", "f"));
        assertThat(rows("SELECT tapeid, filenum FROM sums.sum_file ORDER BY ds_index")).containsExactly(
                List.of("V00001L9", "1"), List.of("V00001L9", "2"), List.of("V00002L9", "1"),
                List.of("V00002L9", "2"), List.of("V00003L9", "1"));
        for (int v = 0; v < 3; v++) {
            List<String> expected = new ArrayList<>();
            for (Unit u : units.subList(2 * v, Math.min(2 * v + 2, units.size()))) {
                expected.addAll(TarTapeLibraryTest.entries(u.directory()));
            }
            Path tar = home.resolve("tapes/V0000" + (v + 1) + "L9.tar");
            assertThat(TarTapeLibraryTest.run("tar", "-tf", tar.toString()).lines().toList())
                    .containsExactlyElementsOf(expected);
            assertThat(Files.size(tar)).isLessThanOrEqualTo(2 * one + 1024 + one / 2);
        }

        Unit sixth = unit(2, 10_000);
        archiveCommitted(archive, List.of(sixth), 1, 0);
        assertThat(row("SELECT tapeid, filenum FROM sums.sum_file WHERE ds_index = " + sixth.sunum()))
                .containsExactly("V00003L9", "2");

        Unit big = unit(2, 100_000);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> archive.archive(c, List.of(big), 1, 0)).isInstanceOf(TapeException.class)
                    .hasMessageContaining("Storage unit " + big.sunum())
                    .hasMessageContaining("more than a volume holds").hasMessageContaining("drms.tape.volume-capacity");
            c.rollback();
        }
        assertThat(query("SELECT count(*) FROM sums.sum_tape")).isEqualTo("3");
    }

    @Test
    void secondCopiesGoToVolumesOfTheGroupPlusTheOffset() throws Exception {
        TapeArchive archive = archive(1_000_000_000L, 10);
        Unit a = unit(1, 4_000);
        Unit b = unit(2, 6_000);
        Unit c = unit(1, 2_000);
        Map<Long, List<TapeFile>> files = archiveCommitted(archive, List.of(a, b, c), 2, 100);

        Map<String, String> groups = new java.util.HashMap<>();
        for (List<String> r : rows("SELECT tapeid, group_id FROM sums.sum_tape")) {
            groups.put(r.get(0), r.get(1));
        }
        assertThat(groups.values()).containsExactlyInAnyOrder("1", "2", "101", "102");
        for (Unit u : List.of(a, b, c)) {
            List<TapeFile> f = files.get(u.sunum());
            assertThat(f).hasSize(2);
            assertThat(groups.get(f.get(0).volume())).isEqualTo(String.valueOf(u.group()));
            assertThat(groups.get(f.get(1).volume())).isEqualTo(String.valueOf(u.group() + 100));
            assertThat(row("SELECT arch_tape, arch_tape_fn, safe_tape, safe_tape_fn, safe_tape_date IS NOT NULL,"
                    + " md5cksum FROM sums.sum_main WHERE ds_index = " + u.sunum())).containsExactly(
                    f.get(0).volume(), String.valueOf(f.get(0).fileNumber()), f.get(1).volume(),
                    String.valueOf(f.get(1).fileNumber()), "t", f.get(0).md5());
            assertThat(rows("SELECT tapeid, copy FROM sums.sum_file WHERE ds_index = " + u.sunum()
                    + " ORDER BY copy")).containsExactly(List.of(f.get(0).volume(), "1"),
                    List.of(f.get(1).volume(), "2"));
            assertThat(f.get(1).md5()).as("the same tar bytes on both copies").isEqualTo(f.get(0).md5());
            try (Connection conn = ds.getConnection()) {
                assertThat(archive.locations(conn, List.of(u.sunum())).get(u.sunum())).containsExactlyElementsOf(f);
            }
        }
        for (String volume : groups.keySet()) {
            assertThat(TarTapeLibraryTest.run("tar", "-tf", home.resolve("tapes/" + volume + ".tar").toString()))
                    .isNotEmpty();
        }
    }

    @Test
    void noBlankVolumeLeftSaysDrmsTapeSlots() throws Exception {
        List<Unit> units = List.of(unit(1, 10_000), unit(1, 10_000), unit(1, 10_000));
        long one = new TarTapeLibrary(home.resolve("probe"), 1, TapeModel.lto9(), 0)
                .tapeBytes(TapeArchive.tapeName(units.get(0).sunum()), units.get(0).directory());
        TapeArchive archive = archive(one + 1024, 2); // one unit a volume, two volumes
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> archive.archive(c, units, 1, 0)).isInstanceOf(TapeException.class)
                    .hasMessage("The tape library has no blank volume left: its 2 slots hold 2 volumes"
                            + " (drms.tape.slots)");
            c.rollback();
        }
        assertThat(query("SELECT count(*) FROM sums.sum_tape")).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM sums.sum_main WHERE archive_status = 'Y'")).isEqualTo("0");
        // with the chunk rolled back, two units fit again and reuse the labels the failed chunk made
        archiveCommitted(archive, units.subList(0, 2), 1, 0);
        assertThat(rows("SELECT tapeid, filenum FROM sums.sum_file ORDER BY ds_index"))
                .containsExactly(List.of("V00001L9", "1"), List.of("V00002L9", "1"));
    }

    String query(String sql) throws Exception {
        List<String> r = row(sql);
        return r.get(0);
    }

    List<String> row(String sql) throws Exception {
        List<List<String>> all = rows(sql);
        assertThat(all).as(sql).hasSize(1);
        return all.get(0);
    }

    List<List<String>> rows(String sql) throws Exception {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> r = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    r.add(rs.getString(i));
                }
                out.add(r);
            }
        }
        return out;
    }

    void execute(String sql) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.executeUpdate();
        }
    }
}
