package org.drmsbatch.jobs.scrub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The scrub job on two partitions with a capacity of 10000 bytes each: units made through DRMS sessions (no tape
 * library, so their archived state is set by SQL) fill one of them past the high water.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ScrubJobTest {

    static final Path HOME = JobTests.newHome("drms-scrub-test");
    static final long CAPACITY = 10_000;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.partitions", () -> "sums/SUM0,sums/SUM1");
        registry.add("drms.sums.capacity", () -> CAPACITY + "B");
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JobRepository repository;

    static String jsd(String name, int archive) {
        return """
                Seriesname: %s
                Unitsize: 1
                Archive: %d
                Retention: 5
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: blob, variable, string, 0, none, generic, "a file"
                """.formatted(name, archive);
    }

    long unit(String series, Path file) {
        return drms.inSession(s -> {
            Record r = s.create(series);
            r.set("FSN", 1);
            r.storeFile("blob", file);
            s.close(r, DrmsSession.Action.INSERT);
            return r.sunum();
        });
    }

    static String daysAgo(int days) {
        return LocalDateTime.now(ZoneOffset.UTC).minusDays(days).format(DateTimeFormatter.ofPattern("yyyyMMddHHmm"));
    }

    static String percent(double p) {
        return String.format(Locale.ROOT, "%.1f%%", p);
    }

    @Test
    void theScrubTakesTheOldestUnitsOfAFullPartitionDownToTheLowWaterAndLeavesTheOtherAlone() throws Exception {
        // given ten units on SUM0 (SUM1 disabled for writing meanwhile), past the 95% high water of 10000 bytes:
        // the oldest never archived, the others archived, all with their retention ended, and one pinned
        drms.createSeries(new JsdParser().parse("a.jsd", jsd("scrubjob.arch", 1)), false);
        drms.createSeries(new JsdParser().parse("t.jsd", jsd("scrubjob.temp", 0)), false);
        Path sum0 = HOME.resolve("sums/SUM0");
        Path sum1 = HOME.resolve("sums/SUM1");
        Path file = Files.write(HOME.resolve("blob.bin"), new byte[1000]);
        jdbc.update("UPDATE sums.sum_partn_avail SET pds_set_num = -1 WHERE partn_name = ?", sum1.toString());
        long temporary = unit("scrubjob.temp", file);
        jdbc.update("UPDATE sums.sum_partn_alloc SET effective_date = ? WHERE ds_index = ?", daysAgo(30), temporary);
        long pinned = unit("scrubjob.arch", file);
        List<Long> archived = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            archived.add(unit("scrubjob.arch", file));
        }
        jdbc.update("UPDATE sums.sum_partn_avail SET pds_set_num = 0 WHERE partn_name = ?", sum1.toString());
        for (long u : archived) {
            jdbc.update("UPDATE sums.sum_main SET archive_status = 'Y' WHERE ds_index = ?", u);
            jdbc.update("UPDATE sums.sum_partn_alloc SET effective_date = ? WHERE ds_index = ?",
                    daysAgo(20 - archived.indexOf(u)), u);
        }
        jdbc.update("UPDATE sums.sum_main SET archive_status = 'Y' WHERE ds_index = ?", pinned);
        jdbc.update("UPDATE sums.sum_partn_alloc SET effective_date = ? WHERE ds_index = ?", daysAgo(25), pinned);
        jdbc.update("INSERT INTO sums.sum_pin (ds_index, holder, expires) VALUES (?, 'request:1', now() + interval"
                + " '1 day')", pinned);
        long unitBytes = jdbc.queryForObject("SELECT bytes FROM sums.sum_main WHERE ds_index = ?", Long.class,
                temporary);
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT bytes) FROM sums.sum_main", Long.class)).isOne();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE starts_with(online_loc, ?)",
                Long.class, sum0 + "/")).isEqualTo(10);
        double before = 100.0 * 10 * unitBytes / CAPACITY;
        assertThat(before).isGreaterThan(95);

        // when SUM1 alone is scrubbed, nothing happens
        JobRun one = JobTests.awaitEnd(jobs, jobs.start("scrub", Map.of("partition", "SUM1")).executionId(), 60);
        assertThat(one.status()).as("%s", one).isEqualTo("COMPLETED");
        assertThat(one.exitDescription()).isEqualTo("sums/SUM1: 0.0%, below the high water (95.0%), nothing to do");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE online_status = 'Y'", Long.class))
                .isEqualTo(10);

        // when every partition is scrubbed, one unit per transaction
        JobRun run = JobTests.awaitEnd(jobs, jobs.start("scrub", Map.of("chunkSize", "1")).executionId(), 60);

        // then the unit never archived (oldest) is deleted, the pinned one stays, and the oldest archived one goes
        // offline: ten units are above 90%, eight are not
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        double after = 100.0 * 8 * unitBytes / CAPACITY;
        assertThat(after).isLessThanOrEqualTo(90);
        assertThat(run.exitDescription()).isEqualTo("sums/SUM0: " + percent(before) + " → " + percent(after)
                + ", 1 unit taken offline, 1 deleted, " + 2 * unitBytes + " bytes freed; sums/SUM1: 0.0%, below the"
                + " high water (95.0%), nothing to do");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE ds_index = ?", Long.class,
                temporary)).isZero();
        assertThat(sum0.resolve("D" + temporary)).doesNotExist();
        assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                archived.get(0))).isEqualTo("N");
        assertThat(sum0.resolve("D" + archived.get(0))).doesNotExist();
        assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                pinned)).isEqualTo("Y");
        assertThat(sum0.resolve("D" + pinned)).isDirectory();
        for (long u : archived.subList(1, archived.size())) {
            assertThat(sum0.resolve("D" + u)).isDirectory();
        }
        StepExecution step = repository.getJobExecution(run.executionId()).getStepExecutions().iterator().next();
        ExecutionContext ec = step.getExecutionContext();
        assertThat(ec.getLong(ScrubJobConfiguration.OFFLINE)).isOne();
        assertThat(ec.getLong(ScrubJobConfiguration.DELETED)).isOne();
        assertThat(ec.getLong(ScrubJobConfiguration.BYTES_FREED)).isEqualTo(2 * unitBytes);
        assertThat(JobTests.orphanedUnits(drms, jdbc, true)).isEmpty();
    }

    @Test
    void badParametersAreRefusedBeforeTheJobStarts() {
        refused(Map.of("force", "maybe"), "force: 'maybe' is not true or false");
        refused(Map.of("partition", "SUM9"), "partition: 'SUM9' is not one of drms.partitions (sums/SUM0, sums/SUM1)");
        refused(Map.of("chunkSize", "0"), "chunkSize: 0 is outside 1..100000");
        refused(Map.of("chunksize", "10"), "unknown parameter(s) chunksize");
    }

    void refused(Map<String, String> p, String reason) {
        assertThatThrownBy(() -> jobs.start("scrub", p)).as("%s", p).isInstanceOf(JobRequestException.class)
                .hasMessageContaining(reason);
    }
}
