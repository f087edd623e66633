package org.drmsbatch.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The ingest job: good files become records, unsettled and incomplete files wait, malformed ones are refused. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class IngestJobTest {

    static final Path HOME = JobTests.newHome("drms-ingest-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.ingest.settle", () -> "1s");
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    Path newInbox(String name) throws Exception {
        return Files.createDirectories(HOME.resolve("inboxes").resolve(name));
    }

    JobRun ingest(Path inbox, String series, String run) throws Exception {
        JobRun r = JobTests.awaitEnd(jobs, jobs.start("ingest", Map.of("run", run, "inbox", inbox.toString(),
                "series", series, "chunkSize", "2")).executionId(), 60);
        assertThat(r.status()).as("%s", r).isEqualTo("COMPLETED");
        return r;
    }

    List<Record> records(String series) {
        return drms.read(s -> s.open(series, 0));
    }

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void goodFilesBecomeRecordsWithTheirKeywordsAndTheFileMovedIntoTheStorageUnit() throws Exception {
        String series = "test.ingest_good";
        IngestFiles.ensureSeries(drms, series);
        Path inbox = newInbox("good");
        byte[][] content = new byte[5][];
        for (int i = 0; i < 5; i++) {
            content[i] = IngestFiles.fits(i, true, null);
            IngestFiles.drop(inbox, "img" + i + ".fits", content[i], 5000);
        }

        JobRun run = ingest(inbox, series, "good");

        assertThat(run.steps().get(0).write()).isEqualTo(5);
        assertThat(run.steps().get(0).skip()).isZero();
        assertThat(names(inbox)).isEmpty(); // moved, not copied
        List<Record> records = records(series).stream()
                .sorted(Comparator.comparingDouble(r -> r.getTime("T_OBS"))).toList();
        assertThat(records).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Record r = records.get(i);
            assertThat(r.getTime("T_OBS")).isEqualTo(DrmsTime.parse(String.format("2026.12.06_00:%02d:00_TAI", i)));
            assertThat(r.getInt("WAVELNTH")).isEqualTo(171 + i);
            assertThat(r.getDouble("EXPTIME")).isEqualTo(2.5);
            assertThat(r.get("TELESCOP")).isEqualTo("SDO/AIA");
            assertThat(r.get("HISTORY")).as("a FITS reserved card is never a keyword value").isEqualTo("");
            assertThat(r.dimensions("image")).containsExactly(4, 3);
            // the stored file is the dropped file, byte for byte, and reads back as the image
            assertThat(Files.readAllBytes(r.segmentPath("image"))).isEqualTo(content[i]);
            float[] data = (float[]) r.read("image", DrmsType.FLOAT).data();
            float[] expected = new float[12];
            float[][] img = IngestFiles.image(i);
            for (int y = 0; y < 3; y++) {
                System.arraycopy(img[y], 0, expected, 4 * y, 4);
            }
            assertThat(data).containsExactly(expected);
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM drms_ingested_file WHERE inbox = ?", Long.class,
                inbox.toRealPath().toString())).isEqualTo(5);

        // a second run finds nothing to do, and forgets the ledger rows of the files gone
        JobRun again = ingest(inbox, series, "good-again");
        assertThat(again.steps().get(0).read()).isZero();
        assertThat(records(series)).hasSize(5);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM drms_ingested_file WHERE inbox = ?", Long.class,
                inbox.toRealPath().toString())).isZero();
    }

    @Test
    void anInboxOnAnotherFilesystemIsCopiedThenDeletedAfterTheCommit() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(HOME)), "needs /dev/shm on another filesystem");
        String series = "test.ingest_otherfs";
        IngestFiles.ensureSeries(drms, series);
        Path inbox = Files.createTempDirectory(shm, "drms-ingest-inbox");
        try {
            byte[] content = IngestFiles.fits(3, true, null);
            IngestFiles.drop(inbox, "far.fits", content, 5000);

            ingest(inbox, series, "otherfs");

            assertThat(names(inbox)).isEmpty();
            List<Record> records = records(series);
            assertThat(records).hasSize(1);
            assertThat(Files.readAllBytes(records.get(0).segmentPath("image"))).isEqualTo(content);
            assertThat(records.get(0).getInt("WAVELNTH")).isEqualTo(174);
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(inbox);
        }
    }

    @Test
    void aFileBeingWrittenIsNotTakenUntilItIsComplete() throws Exception {
        String series = "test.ingest_partial";
        IngestFiles.ensureSeries(drms, series);
        Path inbox = newInbox("partial");
        byte[] whole = IngestFiles.fits(7, true, null);
        // half written long ago (a stalled writer), just written (not settled), and a .part file
        Path half = IngestFiles.drop(inbox, "half.fits", Arrays.copyOf(whole, 2880 + 20), 5000);
        IngestFiles.drop(inbox, "fresh.fits", IngestFiles.fits(8, true, null), 0);
        IngestFiles.drop(inbox, "later.fits.part", IngestFiles.fits(9, true, null), 5000);
        IngestFiles.drop(inbox, "header-only.fits", Arrays.copyOf(whole, 1000), 5000);

        JobRun run = ingest(inbox, series, "partial-1");

        assertThat(run.steps().get(0).write()).isZero();
        assertThat(run.steps().get(0).skip()).isZero();
        assertThat(records(series)).isEmpty();
        assertThat(names(inbox)).containsExactly("fresh.fits", "half.fits", "header-only.fits", "later.fits.part");

        // when the writers finish (the rest written, the .part renamed) and the files settle
        Files.write(half, whole);
        Files.setLastModifiedTime(half, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 5000));
        Files.move(inbox.resolve("later.fits.part"), inbox.resolve("later.fits"));
        Files.setLastModifiedTime(inbox.resolve("fresh.fits"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 5000));

        JobRun second = ingest(inbox, series, "partial-2");
        assertThat(second.steps().get(0).write()).isEqualTo(3);
        assertThat(records(series)).extracting(r -> r.getInt("WAVELNTH")).containsExactlyInAnyOrder(178, 179, 180);
        assertThat(names(inbox)).containsExactly("header-only.fits");
    }

    @Test
    void malformedFilesAreRefusedWithTheReasonAndTheRestGoesOn() throws Exception {
        String series = "test.ingest_bad";
        IngestFiles.ensureSeries(drms, series);
        Path inbox = newInbox("bad");
        Path outside = Files.writeString(HOME.resolve("outside.fits"), "secret", StandardCharsets.UTF_8);
        IngestFiles.drop(inbox, "a-good.fits", IngestFiles.fits(1, true, null), 5000);
        IngestFiles.drop(inbox, "b-text.fits", "hello, not FITS".getBytes(StandardCharsets.UTF_8), 5000);
        IngestFiles.drop(inbox, "c-noprime.fits", IngestFiles.fits(2, false, null), 5000);
        IngestFiles.drop(inbox, "d-badtype.fits", IngestFiles.fits(3, true, "blue"), 5000);
        Files.createSymbolicLink(inbox.resolve("e-link.fits"), outside);
        IngestFiles.drop(inbox, "f-good.fits", IngestFiles.fits(4, true, null), 5000);

        JobRun run = ingest(inbox, series, "bad");

        JobRun.Step step = run.steps().get(0);
        assertThat(step.write()).isEqualTo(2);
        assertThat(step.readSkip()).isEqualTo(4);
        assertThat(records(series)).extracting(r -> r.getInt("WAVELNTH")).containsExactlyInAnyOrder(172, 175);
        assertThat(names(inbox)).containsExactly("rejected");
        Path rejected = inbox.resolve("rejected");
        assertThat(names(rejected)).containsExactly("b-text.fits", "b-text.fits.reason", "c-noprime.fits",
                "c-noprime.fits.reason", "d-badtype.fits", "d-badtype.fits.reason", "e-link.fits",
                "e-link.fits.reason");
        assertThat(Files.readString(rejected.resolve("b-text.fits.reason"))).contains("not a FITS file");
        assertThat(Files.readString(rejected.resolve("c-noprime.fits.reason"))).contains("prime key WAVELNTH");
        assertThat(Files.readString(rejected.resolve("d-badtype.fits.reason"))).contains("WAVELNTH", "blue", "int");
        assertThat(Files.readString(rejected.resolve("e-link.fits.reason"))).contains("symbolic link");
        assertThat(Files.readString(outside)).isEqualTo("secret"); // the link's target is untouched
    }

    @Test
    void badParametersAreRefusedWithTheReason() throws Exception {
        IngestFiles.ensureSeries(drms, "test.ingest_params");
        Path file = Files.writeString(HOME.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> jobs.start("ingest", Map.of("run", "p1", "inbox", file.toString(),
                "series", "test.ingest_params"))).isInstanceOf(JobRequestException.class)
                .hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> jobs.start("ingest", Map.of("run", "p2", "inbox", HOME.toString(),
                "series", "test.no_such_series"))).isInstanceOf(JobRequestException.class)
                .hasMessageContaining("no_such_series");
        assertThatThrownBy(() -> jobs.start("ingest", Map.of("run", "p3", "inbox", HOME.toString(),
                "series", "test.ingest_params", "segment", "nope"))).isInstanceOf(JobRequestException.class)
                .hasMessageContaining("no segment 'nope'");
    }
}
