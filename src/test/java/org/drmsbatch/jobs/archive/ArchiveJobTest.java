package org.drmsbatch.jobs.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The archive job against a real catalog, real storage-unit directories and real tar volumes. What is on tape is
 * checked independently of the code under test: GNU tar extracts the volumes and the units' files are compared byte
 * for byte with the online copies; each tape file's bytes, read from the volume at the catalog's position, hash to
 * the catalog's MD5. Each test archives its own series ({@code series=}) except the first, which archives all.
 */
@SpringBootTest(properties = FaultInjectionTestConfiguration.PROPERTY)
class ArchiveJobTest {

    /** A context of its own (it has a tape library), so a database and home of its own. */
    static final Path HOME = JobTests.newHome("drms-archive-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @Autowired
    Drms drms;

    static final Path TAPES = newDirectory("drms-archive-test-tapes");

    @DynamicPropertySource
    static void tapes(DynamicPropertyRegistry registry) {
        registry.add("drms.tape.directory", TAPES::toString);
        registry.add("drms.tape.time-scale", () -> "0");
    }

    @Autowired
    JobControl jobs;
    @Autowired
    JobRepository repository;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TarTapeLibrary library;

    static Path newDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String jsd(String name, int archive, int tapeGroup) {
        return """
                Seriesname: %s
                Archive: %d
                Tapegroup: %d
                Unitsize: 1
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: image, variable, float, 2, 8, 6, DN, fits, "", 0.0, 1.0, "image"
                Data: mask, variable, short, 1, 16, none, bin.gz, 0, 1, "mask"
                """.formatted(name, archive, tapeGroup);
    }

    /** A series of {@code records} records, one storage unit each, with two segment files per unit. */
    void series(String name, int archive, int tapeGroup, int records) {
        drms.createSeries(new JsdParser().parse(name + ".jsd", jsd(name, archive, tapeGroup)), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(name, records);
            for (int i = 0; i < rs.size(); i++) {
                float[] image = new float[48];
                for (int k = 0; k < image.length; k++) {
                    image[k] = (float) Math.sin(0.1 * k * (i + 1)) * 1000;
                }
                short[] mask = new short[16];
                mask[i % 16] = (short) (i + 1);
                rs.get(i).set("FSN", i + 1);
                rs.get(i).write("image", SegmentArray.ofFloats(image, 8, 6));
                rs.get(i).write("mask", SegmentArray.ofShorts(mask, 16));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    List<Long> units(String series) {
        return jdbc.queryForList("SELECT ds_index FROM sums.sum_main WHERE owning_series = ? ORDER BY ds_index",
                Long.class, series);
    }

    JobRun archive(Map<String, String> parameters) throws InterruptedException {
        JobRun run = jobs.runToEnd(ArchiveJobConfiguration.JOB, parameters, Duration.ofSeconds(120));
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        return run;
    }

    long archived(JobRun run) {
        return repository.getJobExecution(run.executionId()).getExecutionContext()
                .getLong(TapeArchiveWriter.UNITS);
    }

    @Test
    void archivesEveryWaitingUnitOfAnArchivedSeriesToItsTapeGroupAndLeavesTheOthers() throws Exception {
        // given a series that archives (tape group 3) and one that does not
        series("arc.img", 1, 3, 4);
        series("arc.noarc", 0, 3, 3);
        List<Long> units = units("arc.img");
        List<Long> others = units("arc.noarc");
        assertThat(units).hasSize(4);
        assertThat(jdbc.queryForList("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)",
                Integer.class, (Object) units.toArray(Long[]::new))).containsOnly(SumsStatus.DAAP);

        // when archive runs
        JobRun run = archive(Map.of());

        // then every unit of the first is archived: one first-copy tape file on a volume of group 3, alloc DADP
        assertThat(archived(run)).isGreaterThanOrEqualTo(4);
        assertThat(run.exitDescription()).contains("units").contains("archived in this execution");
        for (long u : units) {
            Map<String, Object> m = jdbc.queryForMap("""
                    SELECT m.archive_status, m.arch_tape, m.arch_tape_fn, m.md5cksum, m.safe_tape, a.status,
                           t.group_id
                    FROM sums.sum_main m JOIN sums.sum_partn_alloc a USING (ds_index)
                    JOIN sums.sum_tape t ON t.tapeid = m.arch_tape WHERE ds_index = ?""", u);
            assertThat(m.get("archive_status")).as("unit %d", u).isEqualTo("Y");
            assertThat(m.get("status")).as("unit %d", u).isEqualTo(SumsStatus.DADP);
            assertThat(m.get("group_id")).as("unit %d", u).isEqualTo(3);
            assertThat(m.get("safe_tape")).isNull();
            List<Map<String, Object>> files = jdbc.queryForList(
                    "SELECT tapeid, filenum, md5cksum, copy FROM sums.sum_file WHERE ds_index = ?", u);
            assertThat(files).as("unit %d", u).hasSize(1);
            assertThat(files.get(0).get("tapeid")).isEqualTo(m.get("arch_tape"));
            assertThat(files.get(0).get("filenum")).isEqualTo(m.get("arch_tape_fn"));
            assertThat(files.get(0).get("md5cksum")).isEqualTo(m.get("md5cksum"));
            assertThat(((Number) files.get(0).get("copy")).intValue()).isEqualTo(1);
        }
        // and those of the other series are untouched
        for (long u : others) {
            assertThat(jdbc.queryForObject("SELECT archive_status FROM sums.sum_main WHERE ds_index = ?",
                    String.class, u)).isEqualTo("N");
            assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_file WHERE ds_index = ?", Long.class, u))
                    .isZero();
        }

        // and GNU tar reads the volumes back into byte-identical copies of each unit directory
        Path out = Files.createTempDirectory("drms-archive-extract");
        for (String volume : jdbc.queryForList("SELECT DISTINCT arch_tape FROM sums.sum_main WHERE ds_index = ANY (?)",
                String.class, (Object) units.toArray(Long[]::new))) {
            gnuTarExtract(library.file(volume), out);
        }
        for (long u : units) {
            Path online = Path.of(jdbc.queryForObject("SELECT online_loc FROM sums.sum_main WHERE ds_index = ?",
                    String.class, u));
            Map<String, byte[]> expected = tree(online);
            assertThat(expected).as("unit %d has its segment files", u).hasSizeGreaterThanOrEqualTo(2);
            Map<String, byte[]> restored = tree(out.resolve("D" + u));
            assertThat(restored.keySet()).as("unit %d", u).isEqualTo(expected.keySet());
            for (String f : expected.keySet()) {
                assertThat(restored.get(f)).as("unit %d file %s", u, f).isEqualTo(expected.get(f));
            }
        }

        // and the MD5 of each tape file's bytes, read from the volume at its position, is the catalog's
        for (Map<String, Object> f : jdbc.queryForList(
                "SELECT tapeid, position, bytes, md5cksum FROM sums.sum_file WHERE ds_index = ANY (?)",
                (Object) units.toArray(Long[]::new))) {
            assertThat(md5(library.file((String) f.get("tapeid")), ((Number) f.get("position")).longValue(),
                    ((Number) f.get("bytes")).longValue())).isEqualTo(f.get("md5cksum"));
        }

        // and a second run archives nothing more
        long tapeFiles = jdbc.queryForObject("SELECT count(*) FROM sums.sum_file", Long.class);
        JobRun again = archive(Map.of("series", "arc.img"));
        assertThat(archived(again)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_file", Long.class)).isEqualTo(tapeFiles);
    }

    @Test
    void twoCopiesPutTheSecondOnAVolumeOfTheGroupPlusTheOffset() throws Exception {
        series("arc.two", 1, 5, 3);
        List<Long> units = units("arc.two");

        JobRun run = archive(Map.of("series", "arc.two", "copies", "2"));

        assertThat(archived(run)).isEqualTo(3);
        for (long u : units) {
            List<Map<String, Object>> files = jdbc.queryForList("""
                    SELECT f.tapeid, f.copy, t.group_id FROM sums.sum_file f JOIN sums.sum_tape t USING (tapeid)
                    WHERE f.ds_index = ? ORDER BY f.copy""", u);
            assertThat(files).as("unit %d", u).hasSize(2);
            assertThat(files.get(0).get("group_id")).isEqualTo(5);
            assertThat(files.get(1).get("group_id")).isEqualTo(1005);
            assertThat(jdbc.queryForObject("SELECT safe_tape FROM sums.sum_main WHERE ds_index = ?", String.class, u))
                    .isEqualTo(files.get(1).get("tapeid"));
            for (Map<String, Object> f : jdbc.queryForList(
                    "SELECT tapeid, position, bytes, md5cksum FROM sums.sum_file WHERE ds_index = ?", u)) {
                assertThat(md5(library.file((String) f.get("tapeid")), ((Number) f.get("position")).longValue(),
                        ((Number) f.get("bytes")).longValue())).isEqualTo(f.get("md5cksum"));
            }
        }
    }

    @Test
    void fiveUnitsInChunksOfTwoCommitInThreeChunks() throws Exception {
        series("arc.five", 1, 7, 5);
        List<Long> units = units("arc.five");

        JobRun run = archive(Map.of("series", "arc.five", "chunkSize", "2"));

        assertThat(archived(run)).isEqualTo(5);
        assertThat(run.steps()).hasSize(1);
        assertThat(run.steps().get(0).write()).isEqualTo(5);
        // sum_file.written is the time its transaction started: one value per chunk commit
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT written) FROM sums.sum_file WHERE ds_index = ANY (?)",
                Long.class, (Object) units.toArray(Long[]::new))).isEqualTo(3);
        assertThat(jdbc.queryForList("SELECT filenum FROM sums.sum_file WHERE ds_index = ANY (?) ORDER BY ds_index",
                Integer.class, (Object) units.toArray(Long[]::new))).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void badParametersAreRefusedBeforeTheJobStarts() {
        refused(Map.of("copies", "3"), "copies: 3 is not 1 or 2");
        refused(Map.of("copies", "0"), "copies: 0 is not 1 or 2");
        refused(Map.of("chunkSize", "0"), "chunkSize");
        refused(Map.of("chunkSize", "many"), "chunkSize: 'many' is not a whole number");
        refused(Map.of("series", "no.such"), "series: no series 'no.such'");
        refused(Map.of("chunksize", "5"), "unknown parameter(s) chunksize");
    }

    void refused(Map<String, String> p, String reason) {
        assertThatThrownBy(() -> jobs.start(ArchiveJobConfiguration.JOB, p)).as("%s", p)
                .isInstanceOf(JobRequestException.class).hasMessageContaining(reason);
    }

    static void gnuTarExtract(Path volume, Path into) throws Exception {
        Process tar = new ProcessBuilder("tar", "-xf", volume.toString(), "-C", into.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar -xf %s: %s", volume, output).isZero();
    }

    /** The regular files under a directory, by relative path, with their bytes. */
    static Map<String, byte[]> tree(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    static String md5(Path file, long position, long bytes) throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(position);
            byte[] buf = new byte[8192];
            long left = bytes;
            while (left > 0) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, left));
                assertThat(n).as("%s ends before byte %d", file, position + bytes).isPositive();
                md5.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }
}
