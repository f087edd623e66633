package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An MWA job given up at its expiry (3 s here) with some files ready, some in error and one still waiting: the
 * callback says 10 with MWA's timeout comment, and the failure report is kept (get_failed_joblist, get_failed_job,
 * {@code <job_id>.txt}). The waiting file is one whose unit cannot come off tape before the expiry: the library's
 * only drive is held by the test. (A unit never archived, or on a volume that is gone, is an error at once or as
 * soon as the stage job looks, which ends a job with 5, not 10.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=" + MwaStagingExpiryTest.TOKEN,
        "drms.tape.time-scale=0", "drms.tape.drives=1", "drms.tape.volume-capacity=40KB",
        "drms.staging.check-interval=200ms", "drms.staging.expiry=3s", "drms.staging.callback-hosts=127.0.0.1",
        "drms.staging.callbacks-per-minute=6000"})
class MwaStagingExpiryTest {

    static final String TOKEN = "mwa-expiry-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-mwa-expiry-test");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @LocalServerPort
    int port;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    TarTapeLibrary library;
    @Autowired
    StagingService staging;

    @Test
    void aJobPastItsExpiryIsReportedWith10AndItsFailureReportIsKept() throws Exception {
        // an online unit (archived), an archived unit taken offline, a unit never archived and taken offline
        List<Long> units = TapedUnits.create(drms, "mwa.expiry", 41, 3);
        TapedUnits.archive(drms, archive, units.subList(0, 2), 1);
        TapedUnits.takeOffline(drms, jdbc, units.subList(1, 3));
        String ready = MwaStagingApiTest.download(units.get(0));
        String waiting = MwaStagingApiTest.download(units.get(1));
        String gone = MwaStagingApiTest.download(units.get(2));
        String volume = jdbc.queryForObject("SELECT tapeid FROM sums.sum_file WHERE ds_index = ?", String.class,
                units.get(1));
        long job = 8001;

        try (MwaClient mwa = new MwaClient("http://127.0.0.1:" + port, TOKEN);
             TapeLibrary.Drive held = library.mount(volume)) {
            long before = Instant.now().getEpochSecond();
            MwaClient.Answer posted = mwa.post("/staging", mwa.newJob(job, List.of(ready, waiting, gone)));
            assertThat(posted.status()).as(posted.body()).isEqualTo(202);

            JsonNode result = mwa.awaitResult(job, 30);
            long after = Instant.now().getEpochSecond();
            assertThat(result.toString()).isEqualTo("{\"job_id\":8001,\"return_code\":10,\"total_files\":3,"
                    + "\"ready_files\":1,\"error_files\":1,\"comment\":\"Job timed out after 3 seconds. Out of 3"
                    + " files in total, 1 staged successfully, and 1 files had errors\"}");
            assertThat(after - before).as("given up at its expiry").isGreaterThanOrEqualTo(2);
            assertThat(mwa.results(job)).hasSize(1);

            JsonNode s = mwa.get("/staging?job_id=8001&include_files=true").json();
            assertThat(s.get("completed").asBoolean()).isFalse();
            assertThat(s.get("files").get(ready).toString()).startsWith("[true,false,");
            assertThat(s.get("files").get(gone).toString()).startsWith("[false,true,");
            assertThat(s.get("files").get(waiting).toString()).isEqualTo("[false,false,null]");
            assertThat(mwa.get("/get_joblist").json().get("jobs").has("8001")).as("no longer live").isFalse();

            // the report, in the database and as MWA's text file
            String text = Files.readString(staging.settings().reportDirectory().resolve("8001.txt"));
            assertThat(text).isEqualTo("Job failure report for job 8001: Out of a total of 3 files, 1 had errors and"
                    + " 2 failed to transfer.\n\nFiles with errors:\n  " + gone + "\nFiles that failed to transfer:\n"
                    + "  " + waiting + "\n  " + gone + "\n");
            JsonNode listed = mwa.get("/get_failed_joblist/").json().get("jobs").get("8001");
            long reported = listed.get(1).asLong();
            assertThat(reported).isBetween(before, after + 1);
            assertThat(listed.toString()).isEqualTo("[8001," + reported + ",0,0,0,0,0]");
            JsonNode rebuilt = mwa.get("/get_failed_job?job_id=8001").json();
            assertThat(rebuilt.get("created").asLong()).isZero();
            assertThat(rebuilt.get("completed").asBoolean()).isFalse();
            assertThat(rebuilt.get("total_files").asInt()).isEqualTo(3);
            assertThat(rebuilt.get("ready_files").asInt()).isZero();
            assertThat(rebuilt.get("error_files").asInt()).as("distinct names listed").isEqualTo(2);
            assertThat(rebuilt.get("last_readytime").asLong()).isEqualTo(reported);
            assertThat(rebuilt.get("files").propertyNames()).containsExactly(gone, waiting);
            assertThat(rebuilt.get("files").get(waiting).toString()).isEqualTo("[false,true," + reported + "]");
        }
    }
}
