package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.ingest.IngestFiles;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The triggers of {@code drms serve} (a RANDOM_PORT server): a file dropped into a watched inbox is ingested without
 * anyone calling the job; a buffer freeze runs collect then snapshot on their own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789",
                "drms.ingest.settle=300ms", "drms.buffer.max-size=1GB",
                "drms.triggers.aia.job=ingest", "drms.triggers.aia.parameters.series=test.ingest_trigger",
                "drms.triggers.aia.parameters.chunkSize=5", "drms.triggers.aia.interval=200ms",
                "drms.triggers.frozen.type=buffer-freeze", "drms.triggers.frozen.parameters.series=gw.strain_trigger",
                "drms.triggers.frozen.interval=200ms"})
class TriggersTest {

    static final Path HOME = JobTests.newHome("drms-triggers-test");
    static final Path INBOX = HOME.resolve("aia-inbox");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws Exception {
        TestDatabase.register(registry, HOME);
        Files.createDirectories(INBOX);
        registry.add("drms.triggers.aia.directory", INBOX::toString);
    }

    @Autowired
    Drms drms;
    @Autowired
    DataBuffer buffer;
    @Autowired
    JobControl jobs;

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    long count(String series) {
        return drms.listSeries(java.util.regex.Pattern.quote(series)).isEmpty() ? 0
                : drms.<Long>read(s -> s.count(series));
    }

    @Test
    void aFileDroppedIntoTheInboxIsIngestedWithoutAnyoneCallingTheJob() throws Exception {
        IngestFiles.ensureSeries(drms, "test.ingest_trigger");
        int before = jobs.recent("ingest", 100).size();

        IngestFiles.drop(INBOX, "first.fits", IngestFiles.fits(1, true, null), 0);
        await("the first file's record", () -> count("test.ingest_trigger") == 1);
        await("the inbox to empty", () -> names(INBOX).isEmpty());

        // files keep coming: each is ingested once, by as few runs as the trigger needs (never two at a time)
        for (int i = 2; i <= 6; i++) {
            IngestFiles.drop(INBOX, "img" + i + ".fits", IngestFiles.fits(i, true, null), 0);
        }
        await("six records", () -> count("test.ingest_trigger") == 6);
        await("the inbox to empty", () -> names(INBOX).isEmpty());
        List<Record> records = drms.read(s -> s.open("test.ingest_trigger", 0));
        assertThat(records).extracting(r -> r.getInt("WAVELNTH"))
                .containsExactlyInAnyOrder(172, 173, 174, 175, 176, 177);
        List<JobRun> runs = jobs.recent("ingest", 100);
        assertThat(runs.size() - before).isBetween(2, 6);
        assertThat(runs).allSatisfy(r -> assertThat(r.parameters()).containsEntry("inbox", INBOX.toString()));
        await("the last run's end", () -> jobs.recent("ingest", 100).stream().allMatch(JobRun::ended));
        List<JobRun> byStart = jobs.recent("ingest", 100).stream()
                .sorted(java.util.Comparator.comparing(JobRun::createTime)).toList();
        for (int i = 1; i < byStart.size(); i++) { // one run at a time: each created after the previous ended
            assertThat(byStart.get(i).createTime()).as("%s after %s", byStart.get(i), byStart.get(i - 1))
                    .isAfterOrEqualTo(byStart.get(i - 1).endTime());
        }
    }

    @Test
    void aBufferFreezeRunsCollectThenSnapshotOnTheirOwn() throws Exception {
        for (int i = 0; i < 3; i++) {
            buffer.store(new Chunk(new double[] {1, 2, 3, 4}, 7000.0 + i, 0.5));
        }
        int snapshots = buffer.snapshots().size();

        buffer.freeze("test", "freeze-1");

        await("collect's records", () -> count("gw.strain_trigger") == 3);
        await("the snapshot, which reopens the buffer", () -> {
            try {
                return buffer.snapshots().size() == snapshots + 1;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await("the buffer reopened", () -> buffer.state() == BufferState.OPERATIONAL);
        await("the snapshot job's end", () -> jobs.recent("snapshot", 10).stream().allMatch(JobRun::ended));
        assertThat(jobs.recent("snapshot", 10)).hasSize(1).allSatisfy(r -> assertThat(r.status()).isEqualTo("COMPLETED"));
        assertThat(jobs.recent("collect", 10)).hasSize(1).allSatisfy(r -> assertThat(r.status()).isEqualTo("COMPLETED"));
    }
}
