package org.drmsbatch.jobs.stagingexpiry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The staging-expiry job on staging requests for online units, without a monitor running (no web server): a
 * request past its expiry is ended and its pins go, a live one keeps its own, a lapsed pin and an expired failure
 * report are removed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class StagingExpiryJobTest {

    static final Path HOME = JobTests.newHome("drms-staging-expiry-test");

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
    StagingService staging;

    static final String JSD = """
            Seriesname: expiry.files
            Unitsize: 1
            Archive: 0
            Retention: 5
            PrimeKeys: FSN
            Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
            Data: blob, variable, string, 0, none, generic, "a file"
            """;

    static String path(long sunum) {
        return "/download/sums/SUM0/D" + sunum + "/S00000/blob.txt";
    }

    long pins(String holder) {
        return jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder = ?", Long.class, holder);
    }

    JobRun expiry() throws Exception {
        JobRun run = JobTests.awaitEnd(jobs, jobs.start(StagingExpiryJobConfiguration.JOB, Map.of()).executionId(),
                60);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        return run;
    }

    @Test
    void aRequestPastItsExpiryIsEndedAndItsPinsGo() throws Exception {
        drms.createSeries(new JsdParser().parse("e.jsd", JSD), false);
        Path blob = Files.writeString(HOME.resolve("blob.txt"), "staged bytes");
        List<Long> units = drms.inSession(s -> {
            List<Long> sunums = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                Record r = s.create("expiry.files");
                r.set("FSN", i);
                r.storeFile("blob", blob);
                s.close(r, DrmsSession.Action.INSERT);
                sunums.add(r.sunum());
            }
            return sunums;
        });
        // a request with one file ready and one naming no unit, past its expiry; a live one for the other unit
        StagingRequest expiring = staging.submit(new StagingStore.NewRequest("mwa", 9001L, null, null,
                StagingService.files(List.of(path(units.get(0)), "/no/unit/here.fits"))));
        StagingRequest live = staging.submit(new StagingStore.NewRequest("mwa", 9002L, null, null,
                StagingService.files(List.of(path(units.get(1))))));
        jdbc.update("UPDATE staging.request SET expires = now() - interval '1 minute' WHERE id = ?", expiring.id());
        assertThat(pins(StagingStore.holder(expiring.id()))).isOne();
        assertThat(pins(StagingStore.holder(live.id()))).isOne();
        // a pin that lapsed (of a request long gone) and a failure report past its expiry
        jdbc.update("INSERT INTO sums.sum_pin (ds_index, holder, expires) VALUES (?, 'staging:987654',"
                + " now() - interval '1 hour')", units.get(1));
        jdbc.update("INSERT INTO staging.report (request_id, job_id, expires, text) VALUES (?, 9002,"
                + " now() - interval '1 day', 'an old report')", live.id());

        JobRun run = expiry();

        assertThat(run.exitDescription()).isEqualTo("1 request expired, 2 pins dropped, 1 failure report removed");
        StagingRequest ended = staging.store().request(expiring.id()).orElseThrow();
        assertThat(ended.state()).isEqualTo("expired");
        assertThat(pins(StagingStore.holder(expiring.id()))).isZero();
        assertThat(pins("staging:987654")).isZero();
        assertThat(staging.store().request(live.id()).orElseThrow().state()).isEqualTo("active");
        assertThat(pins(StagingStore.holder(live.id()))).isOne();
        // the expired request is reported once (a file in error); the old report is gone
        assertThat(staging.reports()).extracting(StagingService.Report::requestId).containsExactly(expiring.id());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.report WHERE request_id = ?", Long.class,
                live.id())).isZero();
        assertThat(staging.settings().reportDirectory().resolve("9001.txt")).isRegularFile();
        ExecutionContext ec = repository.getJobExecution(run.executionId()).getStepExecutions().iterator().next()
                .getExecutionContext();
        assertThat(ec.getInt(StagingExpiryJobConfiguration.EXPIRED)).isOne();
        assertThat(ec.getInt(StagingExpiryJobConfiguration.PINS)).isEqualTo(2);
        assertThat(ec.getInt(StagingExpiryJobConfiguration.REPORTS)).isOne();

        // a second run finds nothing more to do
        assertThat(expiry().exitDescription()).isEqualTo("0 requests expired, 0 pins dropped, 0 failure reports"
                + " removed");
        assertThat(staging.store().request(live.id()).orElseThrow().state()).isEqualTo("active");
    }

    @Test
    void itTakesNoParameterButRun() {
        assertThatThrownBy(() -> jobs.start(StagingExpiryJobConfiguration.JOB, Map.of("expiry", "1d")))
                .isInstanceOf(JobRequestException.class).hasMessageContaining("unknown parameter(s) expiry");
    }
}
