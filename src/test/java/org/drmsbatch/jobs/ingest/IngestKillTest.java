package org.drmsbatch.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * ingest killed (SIGKILL) in a child JVM mid-run, then restarted here: each file ingested exactly once, none left in
 * the inbox, no storage unit left behind; and a file whose record committed but whose delete never happened is not
 * ingested again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {FaultInjectionTestConfiguration.PROPERTY, "drms.ingest.settle=0s"})
class IngestKillTest {

    static final KillHarness HARNESS = KillHarness.create("drms-ingest-kill-test");
    static final int FILES = 24;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest(name = "killed after {0} commits")
    @ValueSource(ints = {0, 3})
    void aKilledIngestIsRestartedAndEachFileIsIngestedExactlyOnce(int commits) throws Exception {
        String series = "test.ingest_kill" + commits;
        IngestFiles.ensureSeries(drms, series);
        Path inbox = Files.createDirectories(HARNESS.home().resolve("inbox-" + commits));
        for (int i = 0; i < FILES; i++) {
            IngestFiles.drop(inbox, String.format("img%02d.fits", i), IngestFiles.fits(i, true, null), 5000);
        }

        // a slow ingest (3 files a commit, 40 ms a file) killed after `commits` commits
        long killed = HARNESS.killAt(KillHarness.COMMITTED, IngestJobChild.class, "kill-" + commits,
                inbox.toString(), series, "3", "40", Integer.toString(commits));

        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().get(0).write();
        assertThat(committed).isGreaterThanOrEqualTo(3L * commits).isLessThan(FILES);
        assertThat(drms.<Long>read(s -> s.count(series))).isEqualTo(committed);
        assertThat(names(inbox)).hasSize(FILES - (int) committed); // the committed files left the inbox

        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).write()).isEqualTo(FILES - committed);

        List<Record> records = drms.read(s -> s.open(series, 0));
        assertThat(records).extracting(r -> r.getInt("WAVELNTH"))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, FILES).map(i -> 171 + i).boxed().toList());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class)).isEqualTo(FILES);
        assertThat(names(inbox)).isEmpty();
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }

    @Test
    void aFileCommittedButNotYetDeletedIsNotIngestedAgain() throws Exception {
        String series = "test.ingest_window";
        IngestFiles.ensureSeries(drms, series);
        Path inbox = Files.createDirectories(HARNESS.home().resolve("inbox-window"));
        byte[] content = IngestFiles.fits(1, true, null);
        Path file = IngestFiles.drop(inbox, "one.fits", content, 5000);
        FileTime mtime = Files.getLastModifiedTime(file);
        JobRun first = JobTests.awaitEnd(jobs, jobs.start("ingest", Map.of("run", "window-1", "inbox",
                inbox.toString(), "series", series)).executionId(), 60);
        assertThat(first.status()).isEqualTo("COMPLETED");
        assertThat(names(inbox)).isEmpty();

        // as if the process had died after the commit, before deleting the file: it is back, unchanged
        Files.write(file, content);
        Files.setLastModifiedTime(file, mtime);
        JobRun second = JobTests.awaitEnd(jobs, jobs.start("ingest", Map.of("run", "window-2", "inbox",
                inbox.toString(), "series", series)).executionId(), 60);
        assertThat(second.status()).isEqualTo("COMPLETED");
        assertThat(second.steps().get(0).read()).isZero();
        assertThat(names(inbox)).isEmpty();
        assertThat(drms.<Long>read(s -> s.count(series))).isEqualTo(1);

        // while a new file of the same name (other content) is ingested
        IngestFiles.drop(inbox, "one.fits", IngestFiles.fits(2, true, null), 5000);
        JobRun third = JobTests.awaitEnd(jobs, jobs.start("ingest", Map.of("run", "window-3", "inbox",
                inbox.toString(), "series", series)).executionId(), 60);
        assertThat(third.steps().get(0).write()).isEqualTo(1);
        assertThat(drms.<Long>read(s -> s.count(series))).isEqualTo(2);
    }
}
