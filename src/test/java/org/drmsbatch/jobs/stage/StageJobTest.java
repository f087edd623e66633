package org.drmsbatch.jobs.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The stage job against a real catalog, real unit directories and a tape library of real tar files (no modelled
 * waiting): units archived with {@link TapeArchive} and taken offline as the scrub does come back online, read-only
 * for the retention asked, with the very bytes that were archived and the records' values readable again; the
 * reads mount each volume once and go forward; a damaged tape file, a second copy and a missing volume do what an
 * operator expects; bad requests are refused before the job starts. Each test has its own series and tape group, so
 * its own volumes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        FaultInjectionTestConfiguration.PROPERTY, "drms.tape.time-scale=0", "drms.tape.drives=2",
        "drms.tape.volume-capacity=40KB"})
class StageJobTest {

    static final Path HOME = JobTests.newHome("drms-stage-test");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    TarTapeLibrary library;

    JobRun stage(Map<String, String> parameters) throws InterruptedException {
        Map<String, String> p = new LinkedHashMap<>(parameters);
        p.put("run", Long.toString(System.nanoTime()));
        return JobTests.awaitEnd(jobs, jobs.launch(StageJobConfiguration.JOB, p).getId(), 60);
    }

    static String join(List<Long> sunums) {
        return sunums.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    String onlineStatus(long sunum) {
        return jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class, sunum);
    }

    /** The units' allocation rows: status and effective date. */
    Map<Long, String> allocations(List<Long> sunums) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (long sunum : sunums) {
            jdbc.query("SELECT status, effective_date FROM sums.sum_partn_alloc WHERE ds_index = ?",
                    rs -> {
                        out.put(sunum, rs.getInt(1) + " " + rs.getString(2).substring(0, 8));
                    }, sunum);
        }
        return out;
    }

    static String daro(int days) {
        return SumsStatus.DARO + " " + LocalDate.now(ZoneOffset.UTC).plusDays(days)
                .format(DateTimeFormatter.BASIC_ISO_DATE);
    }

    /** Whether any partition holds a directory of the unit. */
    boolean hasDirectory(long sunum) {
        return drms.sums().partitions().stream().anyMatch(p -> Files.exists(p.resolve("D" + sunum)));
    }

    /** Flips one byte inside a unit's tape file (copy 1 or 2), in the last file it holds (the image's data). */
    void damage(long sunum, int copy) throws Exception {
        Map<String, Object> f = jdbc.queryForMap(
                "SELECT tapeid, position, bytes FROM sums.sum_file WHERE ds_index = ? AND copy = ?", sunum, copy);
        long at = (Long) f.get("position") + (Long) f.get("bytes") - 200;
        try (RandomAccessFile raf = new RandomAccessFile(library.file((String) f.get("tapeid")).toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x5a);
        }
    }

    void assertRestored(Map<Long, Map<String, byte[]>> archived, List<Long> sunums) {
        Map<Long, Map<String, byte[]>> now = TapedUnits.files(drms, sunums);
        for (long sunum : sunums) {
            assertThat(onlineStatus(sunum)).as("unit %d online", sunum).isEqualTo("Y");
            assertThat(now.get(sunum).keySet()).as("files of %d", sunum)
                    .containsExactlyElementsOf(archived.get(sunum).keySet());
            archived.get(sunum).forEach((name, bytes) ->
                    assertThat(now.get(sunum).get(name)).as("%s of %d", name, sunum).isEqualTo(bytes));
        }
    }

    void assertValues(String series, int n) {
        Map<Integer, float[]> images = TapedUnits.images(drms, series);
        assertThat(images.keySet()).hasSize(n);
        images.forEach((fsn, values) -> assertThat(values).as("FSN %d", fsn).isEqualTo(TapedUnits.image(fsn)));
    }

    @Test
    void unitsNamedByNumberComeBackOnlineReadOnlyForTheRetentionWithTheArchivedBytesAndPinned() throws Exception {
        // given three archived units taken offline, and a fourth archived but still online
        List<Long> sunums = TapedUnits.create(drms, "stg.num", 1, 4);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        List<Long> offline = sunums.subList(0, 3);
        TapedUnits.takeOffline(drms, jdbc, offline);
        assertThat(onlineStatus(offline.get(0))).isEqualTo("N");

        // when all four are staged by number for 4 days, pinned for a parent job
        JobRun run = stage(Map.of("sunum", join(sunums), "retention", "4", "pin", "job:4242"));

        // then the three come back with the archived bytes, DARO until 4 days from now, and the values read back
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(run.exitDescription()).startsWith("4 storage units requested: 3 staged from tape, 1 online already");
        assertRestored(archived, sunums);
        assertThat(allocations(offline)).containsOnlyKeys(offline).allSatisfy((k, v) -> assertThat(v).isEqualTo(daro(4)));
        assertValues("stg.num", 4);
        // and every unit of the request is pinned for the parent job
        assertThat(jdbc.queryForList("SELECT ds_index FROM sums.sum_pin WHERE holder = 'job:4242'", Long.class))
                .containsExactlyInAnyOrderElementsOf(sunums);
        // and no directory is left without its unit
        assertThat(JobTests.orphanedUnits(drms, jdbc, false)).isEmpty();

        // when the same request runs again: nothing is read
        long read = library.counters().bytesRead();
        JobRun again = stage(Map.of("sunum", join(sunums)));
        assertThat(again.status()).isEqualTo("COMPLETED");
        assertThat(again.exitDescription()).startsWith("4 storage units requested: 0 staged from tape, 4 online");
        assertThat(library.counters().bytesRead()).isEqualTo(read);
    }

    @Test
    void unitsOfARecordSetComeBackForTheSeriesStagingRetention() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stg.ds", 2, 3);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);

        JobRun run = stage(Map.of("ds", "stg.ds"));

        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertRestored(archived, sunums);
        // StagingRetention: 6 in the series' definition
        assertThat(allocations(sunums)).allSatisfy((k, v) -> assertThat(v).isEqualTo(daro(6)));
        assertValues("stg.ds", 3);
    }

    @Test
    void unitsNamedBySumsPathsComeBack() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stg.paths", 3, 3);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        List<String> paths = new ArrayList<>();
        for (long sunum : sunums.subList(0, 2)) {
            paths.add("/SUM7/D" + sunum + "/S00000/image.fits");
        }
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);

        JobRun run = stage(Map.of("paths", String.join(",", paths)));

        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertRestored(archived, sunums.subList(0, 2));
        assertThat(onlineStatus(sunums.get(2))).as("the unit no path named").isEqualTo("N");
    }

    @Test
    void unitsOverThreeVolumesAskedInRandomOrderMountEachVolumeOnceAndReadForward() throws Exception {
        // given 9 units archived over 3 volumes (a unit's tape file is about 11 KB: 3 fit a 40 KB volume)
        List<Long> sunums = TapedUnits.create(drms, "stg.vols", 4, 9);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        List<String> volumes = jdbc.queryForList("SELECT DISTINCT tapeid FROM sums.sum_file WHERE ds_index = ANY (?)",
                String.class, (Object) sunums.toArray(Long[]::new));
        assertThat(volumes).hasSize(3);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        library.close(); // every drive unloaded: each volume needs a mount
        TapeLibrary.TapeCounters before = library.counters();

        // when they are asked for in random order
        List<Long> shuffled = new ArrayList<>(sunums);
        Collections.shuffle(shuffled, new Random(7));
        JobRun run = stage(Map.of("sunum", join(shuffled), "chunkSize", "2"));

        // then each volume was mounted once, and read forward without one seek (each file starts where the last
        // ended: position order)
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        TapeLibrary.TapeCounters after = library.counters();
        assertThat(after.mounts() - before.mounts()).isEqualTo(3);
        assertThat(after.seeks() - before.seeks()).isZero();
        assertRestored(archived, sunums);
        assertValues("stg.vols", 9);
    }

    @Test
    void aFlippedByteFailsThatUnitWithChecksumMismatchAndTheOthersAreStaged() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stg.flip", 5, 3);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        long bad = sunums.get(1);
        damage(bad, 1);

        JobRun run = stage(Map.of("sunum", join(sunums)));

        // the job fails (drms run exits non-zero), saying which unit and why
        assertThat(run.status()).as("%s", run).isEqualTo("FAILED");
        assertThat(run.exitDescription()).startsWith("3 storage units requested: 2 staged from tape, 0 online already,"
                + " 1 failed: storage unit " + bad + ": Checksum mismatch");
        // the others are online, the bad one offline with no allocation and no directory left
        assertRestored(archived, List.of(sunums.get(0), sunums.get(2)));
        assertThat(onlineStatus(bad)).isEqualTo("N");
        assertThat(allocations(List.of(bad))).isEmpty();
        assertThat(hasDirectory(bad)).isFalse();
        // a bad tape file does not condemn its volume
        assertThat(jdbc.queryForObject("SELECT damaged FROM sums.sum_tape t JOIN sums.sum_file f USING (tapeid)"
                + " WHERE f.ds_index = ?", String.class, bad)).isNull();
    }

    @Test
    void withTwoCopiesAUnitWhoseFirstCopyIsBadIsStagedFromItsSecond() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stg.copies", 6, 3);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 2);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        long bad = sunums.get(1);
        damage(bad, 1);
        long read = library.counters().bytesRead();

        JobRun run = stage(Map.of("sunum", join(sunums)));

        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertRestored(archived, sunums);
        assertValues("stg.copies", 3);
        // the bad unit was read twice: its first copy (failing) and its second
        long secondCopy = jdbc.queryForObject("SELECT bytes FROM sums.sum_file WHERE ds_index = ? AND copy = 2",
                Long.class, bad);
        long firstCopies = jdbc.queryForObject("SELECT sum(bytes) FROM sums.sum_file WHERE ds_index = ANY (?)"
                + " AND copy = 1", Long.class, (Object) sunums.toArray(Long[]::new));
        assertThat(library.counters().bytesRead() - read).isEqualTo(firstCopies + secondCopy);
    }

    @Test
    void aMissingVolumeFailsItsUnitsAndIsMarkedDamaged() throws Exception {
        // given 5 units over two volumes (3 + 2), the second volume gone from the library
        List<Long> sunums = TapedUnits.create(drms, "stg.gone", 7, 5);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        String lost = jdbc.queryForObject("SELECT tapeid FROM sums.sum_file WHERE ds_index = ?", String.class,
                sunums.get(4));
        List<Long> onLost = jdbc.queryForList("SELECT ds_index FROM sums.sum_file WHERE tapeid = ? ORDER BY ds_index",
                Long.class, lost);
        assertThat(onLost).hasSize(2);
        library.close();
        Files.delete(library.file(lost));

        JobRun run = stage(Map.of("sunum", join(sunums)));

        assertThat(run.status()).as("%s", run).isEqualTo("FAILED");
        for (long sunum : onLost) {
            assertThat(run.exitDescription()).contains("storage unit " + sunum + ": Volume " + lost
                    + " is not in the tape library");
            assertThat(onlineStatus(sunum)).isEqualTo("N");
            assertThat(hasDirectory(sunum)).isFalse();
        }
        List<Long> others = sunums.stream().filter(s -> !onLost.contains(s)).toList();
        assertRestored(archived, others);
        assertThat(jdbc.queryForObject("SELECT damaged FROM sums.sum_tape WHERE tapeid = ?", String.class, lost))
                .contains("missing");
        assertThat(allocations(onLost)).isEmpty();
    }

    @Test
    void unknownAndNeverArchivedUnitsFailWithTheReason() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stg.never", 8, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums); // never archived: its data are gone

        JobRun run = stage(Map.of("sunum", sunums.get(0) + ",987654321"));

        assertThat(run.status()).isEqualTo("FAILED");
        assertThat(run.exitDescription()).contains("storage unit " + sunums.get(0)
                + ": offline and never archived: its data are gone").contains("storage unit 987654321: unknown");
    }

    @Test
    void badRequestsAreRefusedBeforeTheJobStarts() {
        refused(Map.of("run", "1"), "exactly one of sunum, ds, paths or staging");
        refused(Map.of("sunum", "1", "ds", "stg.num"), "exactly one of sunum, ds, paths or staging (2 were given)");
        refused(Map.of("sunum", "12,x3"), "sunum: 'x3' is not a storage unit number");
        refused(Map.of("paths", "/SUM1/S00000/a.fits"), "paths: '/SUM1/S00000/a.fits' names no storage unit");
        refused(Map.of("ds", "stg.num[[["), "ds: ");
        refused(Map.of("sunum", "1", "chunkSize", "0"), "chunkSize: 0 is outside 1..10000");
        refused(Map.of("sunum", "1", "retention", "many"), "retention: 'many' is not a whole number");
        refused(Map.of("staging", "0"), "staging: 0 is outside 1..");
        // without drms.cluster.enabled there are no workers to send the drives' partitions to
        refused(Map.of("sunum", "1", "remote", "true"), "this process has no cluster: set drms.cluster.enabled=true");
    }

    private void refused(Map<String, String> p, String reason) {
        assertThatThrownBy(() -> jobs.start(StageJobConfiguration.JOB, p)).as("%s", p)
                .isInstanceOf(JobRequestException.class).hasMessageContaining(reason);
    }

    @Test
    void withoutATapeLibraryEveryRequestIsRefusedSayingSo() {
        ParsedParameters<StageParameters> noLibrary = StageParameters.parser(null, false, false);
        assertThatThrownBy(() -> noLibrary.validate(new JobParametersBuilder().addString("sunum", "1")
                .toJobParameters())).isInstanceOf(InvalidJobParametersException.class)
                .hasMessage("no tape library: set drms.tape.directory (or drms.tape.remote.url)");
    }
}
