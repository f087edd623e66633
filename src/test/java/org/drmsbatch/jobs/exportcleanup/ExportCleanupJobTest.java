package org.drmsbatch.jobs.exportcleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.export.ExportCleanup;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The export-cleanup job on a real export directory: exports made by the export job (one under a given request id,
 * one under the id the job makes), aged by setting their executions' end in the job repository; directories no
 * execution knows, aged by their files' times; an export whose execution is queued; a symbolic link out of the root;
 * a leftover of an interrupted removal.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ExportCleanupJobTest {

    static final Path HOME = JobTests.newHome("drms-export-cleanup-test");
    static final String SERIES = "cleanup.files";

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JobRepository repository;
    @Autowired
    ExportRoot root;

    static final String JSD = """
            Seriesname: cleanup.files
            Unitsize: 1
            Archive: 0
            Retention: 5
            PrimeKeys: FSN
            Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
            Data: blob, variable, string, 0, none, generic, "a file"
            """;

    /** Runs an export of the series' records (as-is); returns its execution, completed. */
    JobRun export(Map<String, String> more) throws Exception {
        Map<String, String> p = new java.util.HashMap<>(Map.of("ds", SERIES + "[]", "protocol", "as-is"));
        p.putAll(more);
        JobRun run = JobTests.awaitEnd(jobs, jobs.start("export", p).executionId(), 120);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        return run;
    }

    /** Sets the end of an execution {@code days} days ago, as if it had ended then. */
    void endedDaysAgo(long executionId, int days) {
        LocalDateTime then = LocalDateTime.now().minusDays(days);
        assertThat(jdbc.update("UPDATE batch_job_execution SET end_time = ?, last_updated = ?"
                + " WHERE job_execution_id = ?", then, then, executionId)).isOne();
    }

    /** A directory with a file, both last modified {@code days} days ago. */
    static Path directory(Path dir, int days) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("data.fits"), "0123456789");
        touch(dir, days);
        return dir;
    }

    static void touch(Path dir, int days) throws IOException {
        FileTime t = FileTime.from(Instant.now().minus(days, ChronoUnit.DAYS));
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, t);
            }
        }
    }

    static long bytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    JobRun cleanup(Map<String, String> p) throws Exception {
        JobRun run = JobTests.awaitEnd(jobs, jobs.start(ExportCleanupJobConfiguration.JOB, p).executionId(), 60);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        return run;
    }

    ExecutionContext stepContext(JobRun run) {
        return repository.getJobExecution(run.executionId()).getStepExecutions().iterator().next()
                .getExecutionContext();
    }

    @Test
    void exportsPastTheirRetentionGoAndTheOthersStay() throws Exception {
        drms.createSeries(new JsdParser().parse("c.jsd", JSD), false);
        Path blob = Files.writeString(HOME.resolve("blob.txt"), "some exported bytes");
        drms.inSession(s -> {
            for (int i = 1; i <= 2; i++) {
                Record r = s.create(SERIES);
                r.set("FSN", i);
                r.storeFile("blob", blob);
                s.close(r, DrmsSession.Action.INSERT);
            }
            return null;
        });

        // exports made by the export job: one ended 8 days ago, one under the id the job made ended 10 days ago
        // (found through its directory's marker), one ended yesterday
        JobRun old = export(Map.of("requestId", "JSOC_20261101_1"));
        JobRun made = export(Map.of());
        JobRun young = export(Map.of("requestId", "JSOC_20261205_2"));
        String madeId = repository.getJobExecution(made.executionId()).getExecutionContext().getString("requestId");
        assertThat(madeId).endsWith("_IN");
        endedDaysAgo(old.executionId(), 8);
        endedDaysAgo(made.executionId(), 10);
        endedDaysAgo(young.executionId(), 1);
        Path oldDir = root.directory("JSOC_20261101_1");
        Path madeDir = root.directory(madeId);
        Path youngDir = root.directory("JSOC_20261205_2");
        assertThat(oldDir.resolve("index.json")).isRegularFile();
        assertThat(madeDir.resolve("index.json")).isRegularFile();
        // a link in the old export to a file outside the root: removed as a link, the file stays
        Path outside = Files.createDirectories(HOME.resolve("outside"));
        Path outsideFile = Files.writeString(outside.resolve("precious.fits"), "not an export's");
        Files.createSymbolicLink(oldDir.resolve("precious.fits"), outsideFile);
        long oldBytes = bytes(oldDir); // the link is not followed
        long madeBytes = bytes(madeDir);

        // directories no execution knows: one old by its files' times, one young
        Path copiedOld = directory(root.directory("copied_old"), 30);
        Path copiedYoung = directory(root.directory("copied_young"), 0);
        long copiedBytes = bytes(copiedOld);
        // an old directory whose export is queued (an execution STARTING, never begun)
        Path queuedDir = directory(root.directory("JSOC_20261101_9"), 30);
        JobParameters queuedParameters = new JobParameters(java.util.Set.<JobParameter<?>>of(
                new JobParameter<>("requestId", "JSOC_20261101_9", String.class, true)));
        JobInstance queuedInstance = repository.createJobInstance("export", queuedParameters);
        JobExecution queued = repository.createJobExecution(queuedInstance, queuedParameters, new ExecutionContext());
        // a link in the root, old, to a directory outside: not an export, never followed
        Path linkedTarget = directory(HOME.resolve("linked-target"), 30);
        Path link = Files.createSymbolicLink(root.path().resolve("JSOC_20261101_7"), linkedTarget);
        // the leftover of a removal a killed run began
        Path leftover = directory(root.path().resolve(ExportCleanup.REMOVING_PREFIX + "JSOC_20261001_3-42"), 40);
        long leftoverBytes = bytes(leftover);

        // a dry run removes nothing and says what would go, oldest first
        JobRun dry = cleanup(Map.of("dryRun", "true"));
        assertThat(dry.exitDescription()).isEqualTo("dry run: 3 exports older than 7 day would be removed, "
                + (copiedBytes + madeBytes + oldBytes) + " bytes: copied_old, " + madeId
                + ", JSOC_20261101_1; 3 kept (1 running or queued)");
        assertThat(oldDir).isDirectory();
        assertThat(madeDir).isDirectory();
        assertThat(copiedOld).isDirectory();
        assertThat(leftover).isDirectory();

        // when the clean-up runs with the default retention (7 days)
        JobRun run = cleanup(Map.of());

        // then the old exports are gone, the others stay, and nothing outside the root was touched
        assertThat(run.exitDescription()).isEqualTo("removed 3 exports older than 7 day, "
                + (copiedBytes + madeBytes + oldBytes + leftoverBytes) + " bytes freed: copied_old, " + madeId
                + ", JSOC_20261101_1; finished 1 interrupted removal; 3 kept (1 running or queued)");
        assertThat(oldDir).doesNotExist();
        assertThat(madeDir).doesNotExist();
        assertThat(copiedOld).doesNotExist();
        assertThat(leftover).doesNotExist();
        assertThat(youngDir.resolve("index.json")).isRegularFile();
        assertThat(copiedYoung).isDirectory();
        assertThat(queuedDir.resolve("data.fits")).isRegularFile();
        assertThat(outsideFile).hasContent("not an export's");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(linkedTarget.resolve("data.fits")).hasContent("0123456789");
        try (Stream<Path> s = Files.list(root.path())) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "JSOC_20261101_7", "JSOC_20261101_9", "JSOC_20261205_2", "copied_young");
        }
        ExecutionContext ec = stepContext(run);
        assertThat(ec.getLong(ExportCleanupJobConfiguration.REMOVED)).isEqualTo(3);
        assertThat(ec.getLong(ExportCleanupJobConfiguration.LEFTOVERS)).isOne();
        assertThat(ec.getLong(ExportCleanupJobConfiguration.BYTES_FREED))
                .isEqualTo(copiedBytes + madeBytes + oldBytes + leftoverBytes);
        assertThat(ec.getLong(ExportCleanupJobConfiguration.KEPT)).isEqualTo(3);

        // once its export has ended (here: failed, 8 days ago), the queued one goes too; a shorter retention takes
        // the one that ended yesterday
        queued.setStatus(BatchStatus.FAILED);
        queued.setEndTime(LocalDateTime.now().minusDays(8));
        repository.update(queued);
        JobRun shorter = cleanup(Map.of("retention", "12h"));
        assertThat(shorter.exitDescription()).startsWith("removed 2 exports older than 12 hour, ")
                .contains(": JSOC_20261101_9, JSOC_20261205_2; 1 kept (0 running or queued)");
        assertThat(queuedDir).doesNotExist();
        assertThat(youngDir).doesNotExist();
        assertThat(copiedYoung).isDirectory();
        assertThat(linkedTarget.resolve("data.fits")).isRegularFile();
    }

    @Test
    void badParametersAreRefusedBeforeTheJobStarts() {
        refused(Map.of("retention", "7"), "retention: '7' is not a duration; give a number with a unit (ms, s, m,"
                + " h, d), e.g. 7d or 12h");
        refused(Map.of("retention", "-1d"), "retention: '-1d' is not a duration");
        refused(Map.of("retention", "0d"), "retention: '0d' is not longer than zero");
        refused(Map.of("retention", "P-7D"), "retention: 'P-7D' is not longer than zero");
        refused(Map.of("dryRun", "maybe"), "dryRun: 'maybe' is not true or false");
        refused(Map.of("retension", "7d"), "unknown parameter(s) retension");
    }

    @Test
    void retentionsAreReadWithTheirUnit() {
        assertThat(ExportCleanup.parseRetention("r", "7d")).hasDays(7);
        assertThat(ExportCleanup.parseRetention("r", " 12h ")).hasHours(12);
        assertThat(ExportCleanup.parseRetention("r", "90m")).hasMinutes(90);
        assertThat(ExportCleanup.parseRetention("r", "PT36H")).hasHours(36);
        assertThat(ExportCleanup.describe(ExportCleanup.parseRetention("r", "7d"))).isEqualTo("7 day");
        assertThat(ExportCleanup.describe(ExportCleanup.parseRetention("r", "36h"))).isEqualTo("36 hour");
        assertThat(ExportCleanup.describe(ExportCleanup.parseRetention("r", "90m"))).isEqualTo("PT1H30M");
        assertThat(List.of("7", "", "7 days", "d")).allSatisfy(bad -> assertThatThrownBy(
                () -> ExportCleanup.parseRetention("drms.export.retention", bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("drms.export.retention: '"));
    }

    void refused(Map<String, String> p, String reason) {
        assertThatThrownBy(() -> jobs.start(ExportCleanupJobConfiguration.JOB, p)).as("%s", p)
                .isInstanceOf(JobRequestException.class).hasMessageContaining(reason);
    }
}
