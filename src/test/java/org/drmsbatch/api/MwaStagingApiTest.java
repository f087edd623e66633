package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * MWA's staging contract (specs staging-and-buffer.md A.3) served by {@code drms serve} over a real socket, with its
 * monitor turning every 200 ms, a real tape library of tar files (no modelled waits) and a callback receiver on
 * 127.0.0.1: a job from POST to callback with its files' states, jobs naming a record-set query, a cancelled job
 * that shares a unit with another, file errors and their report, the statistics, every endpoint's bad input (both
 * slash forms), and writes refused without credentials. The monitor is held still where a test must see a job
 * before it moves (the advisory lock its turns take).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=" + MwaStagingApiTest.TOKEN,
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB",
        "drms.staging.check-interval=200ms", "drms.staging.callback-hosts=127.0.0.1",
        "drms.staging.callback-retry=1s", "drms.staging.callbacks-per-minute=6000"})
class MwaStagingApiTest {

    static final String TOKEN = "mwa-test-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-mwa-test");

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
    StagingService staging;
    @Autowired
    DataSource dataSource;

    static MwaClient mwa;

    @BeforeEach
    void client() throws Exception {
        if (mwa == null) {
            mwa = new MwaClient("http://127.0.0.1:" + port, TOKEN);
        }
    }

    @AfterAll
    static void close() {
        if (mwa != null) {
            mwa.close();
            mwa = null;
        }
    }

    /** The file each taped unit holds, relative to its directory (S00000/image.fits). */
    static final String FILE = "S00000/image.fits";

    /** {@code n} units of a new archived series, put on tape and taken offline. */
    List<Long> taped(String series, int tapeGroup, int n) {
        List<Long> sunums = TapedUnits.create(drms, series, tapeGroup, n);
        assertThat(TapedUnits.files(drms, sunums).values()).allSatisfy(f -> assertThat(f).containsKey(FILE));
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        return sunums;
    }

    static String download(long sunum) {
        return "/download/sums/SUM0/D" + sunum + "/" + FILE;
    }

    boolean online(long sunum) {
        return "Y".equals(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?",
                String.class, sunum));
    }

    /** Holds the staging monitor still (its turns find the advisory lock taken) until closed. */
    AutoCloseable holdMonitor() throws Exception {
        Connection c = dataSource.getConnection();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(hashtext('staging.monitor'))")) {
            ps.execute();
        }
        return () -> {
            try (c; PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_advisory_unlock(hashtext('staging.monitor'))")) {
                ps.execute();
            }
        };
    }

    /** Waits (at most 30 s) until the monitor has made {@code n} more turns. */
    void awaitTurns(int n) throws InterruptedException {
        long target = staging.heartbeat().turns() + n;
        await(() -> staging.heartbeat().turns() >= target, "the monitor turns " + n + " times");
    }

    static void await(BooleanSupplier done, String what) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 30 s").isLessThan(end);
            Thread.sleep(20);
        }
    }

    JsonNode status(long job, boolean files) throws Exception {
        MwaClient.Answer a = mwa.get("/staging?job_id=" + job + "&include_files=" + files);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    @Test
    void aJobGoesFromPostToItsCallbackAndItsFilesStatesAreShown() throws Exception {
        List<Long> units = taped("mwa.full", 31, 3);
        List<String> paths = List.of(download(units.get(0)), download(units.get(1)),
                "/SUM0/D" + units.get(2) + "/" + FILE);
        long job = 1001;
        long before = Instant.now().getEpochSecond();

        try (AutoCloseable held = holdMonitor()) {
            MwaClient.Answer posted = mwa.post("/staging/", mwa.newJob(job, paths));
            assertThat(posted.status()).as(posted.body()).isEqualTo(202);
            assertThat(posted.body()).isEqualTo("null");

            // stored before the answer, every file waiting
            JsonNode s = status(job, true);
            assertThat(s.get("job_id").asLong()).isEqualTo(job);
            assertThat(s.get("created").asLong()).isBetween(before - 1, Instant.now().getEpochSecond() + 1);
            assertThat(s.get("completed").asBoolean()).isFalse();
            assertThat(s.get("total_files").asInt()).isEqualTo(3);
            assertThat(s.get("ready_files").asInt()).isZero();
            assertThat(s.get("error_files").asInt()).isZero();
            assertThat(s.get("last_readytime").asLong()).isZero();
            assertThat(s.get("files").propertyNames()).containsExactlyInAnyOrderElementsOf(paths);
            for (String p : paths) {
                assertThat(s.get("files").get(p).toString()).isEqualTo("[false,false,null]");
            }
            // without include_files: no files
            assertThat(status(job, false).get("files").isEmpty()).isTrue();

            // a second job with a live job's id
            MwaClient.Answer again = mwa.post("/staging", mwa.newJob(job, paths));
            assertThat(again.status()).isEqualTo(403);
            assertThat(again.errormsg()).isEqualTo("Job 1001 already exists");

            // the live job list: [id, created, staged, total, completed, last_readytime, errors, a file]
            JsonNode listed = mwa.get("/get_joblist").json().get("jobs").get("1001");
            assertThat(listed.size()).isEqualTo(8);
            assertThat(listed.get(0).asLong()).isEqualTo(job);
            assertThat(listed.get(1).asLong()).isEqualTo(s.get("created").asLong());
            assertThat(listed.get(2).asInt()).isZero();
            assertThat(listed.get(3).asInt()).isEqualTo(3);
            assertThat(listed.get(4).asBoolean()).isFalse();
            assertThat(listed.get(5).asLong()).isZero();
            assertThat(listed.get(6).asInt()).isZero();
            assertThat(paths).contains(listed.get(7).asString());

            // offline: not on disk
            JsonNode offline = mwa.post("/filestatus", MwaClient.JSON.writeValueAsString(Map.of("files", paths)))
                    .json();
            for (String p : paths) {
                assertThat(offline.get(p).asBoolean()).as(p).isFalse();
            }
        }

        JsonNode result = mwa.awaitResult(job, 60);
        assertThat(result.toString()).isEqualTo("{\"job_id\":1001,\"return_code\":0,\"total_files\":3,"
                + "\"ready_files\":3,\"error_files\":0,\"comment\":\"All 3 files staged successfully\"}");
        units.forEach(u -> assertThat(online(u)).as("unit %d online", u).isTrue());

        JsonNode s = status(job, true);
        long now = Instant.now().getEpochSecond();
        assertThat(s.get("completed").asBoolean()).isTrue();
        assertThat(s.get("ready_files").asInt()).isEqualTo(3);
        long latest = 0;
        for (String p : paths) {
            JsonNode f = s.get("files").get(p);
            assertThat(f.get(0).asBoolean()).as(p).isTrue();
            assertThat(f.get(1).asBoolean()).as(p).isFalse();
            assertThat(f.get(2).asLong()).as(p).isBetween(s.get("created").asLong(), now + 1);
            latest = Math.max(latest, f.get(2).asLong());
        }
        assertThat(s.get("last_readytime").asLong()).isEqualTo(latest);
        assertThat(status(job, false).get("last_readytime").asLong()).isEqualTo(latest);
        // notified: no longer a live job
        assertThat(mwa.get("/get_joblist/").json().get("jobs").has("1001")).isFalse();

        // on disk now; a file the unit lacks, a way out of it, and paths naming no known unit are not
        List<String> asked = new ArrayList<>(paths);
        String lacking = download(units.get(0)).replace("image.fits", "other.fits");
        String escaping = "/download/sums/SUM0/D" + units.get(0) + "/S00000/../../../../../etc/hostname";
        asked.addAll(List.of(lacking, escaping, "/no/unit/here.fits", download(999_999_999L), "D" + units.get(1)));
        JsonNode onDisk = mwa.post("/filestatus/", MwaClient.JSON.writeValueAsString(Map.of("files", asked))).json();
        assertThat(onDisk.propertyNames()).containsExactlyElementsOf(asked);
        for (String p : paths) {
            assertThat(onDisk.get(p).asBoolean()).as(p).isTrue();
        }
        assertThat(onDisk.get("D" + units.get(1)).asBoolean()).as("a unit named alone").isTrue();
        for (String p : List.of(lacking, escaping, "/no/unit/here.fits", download(999_999_999L))) {
            assertThat(onDisk.get(p).asBoolean()).as(p).isFalse();
        }
    }

    @Test
    void aJobNamesARecordSetQueryInsteadOfFiles() throws Exception {
        List<Long> units = taped("mwa.query", 32, 3);

        assertThat(mwa.post("/staging", mwa.newQueryJob(2001, "mwa.query[2-3]")).status()).isEqualTo(202);
        assertThat(mwa.post("/staging", mwa.newQueryJob(2002, "mwa.query[99]")).status()).isEqualTo(202);
        // files, when given, win over the query
        String both = MwaClient.JSON.writeValueAsString(Map.of("job_id", 2003, "notify_url", mwa.notifyUrl(),
                "files", List.of(download(units.get(0))), "query", "mwa.query[]"));
        assertThat(mwa.post("/staging/", both).status()).isEqualTo(202);

        JsonNode two = mwa.awaitResult(2001, 60);
        assertThat(two.get("return_code").asInt()).isZero();
        assertThat(two.get("total_files").asInt()).isEqualTo(2);
        assertThat(status(2001, true).get("files").propertyNames())
                .containsExactlyInAnyOrder("D" + units.get(1), "D" + units.get(2));
        JsonNode none = mwa.awaitResult(2002, 30);
        assertThat(none.toString()).isEqualTo("{\"job_id\":2002,\"return_code\":101,\"total_files\":0,"
                + "\"ready_files\":0,\"error_files\":0,\"comment\":\"No files to stage.\"}");
        assertThat(mwa.awaitResult(2003, 60).get("total_files").asInt()).isEqualTo(1);
        // a job of no files is no failure: no report
        assertThat(mwa.get("/get_failed_job?job_id=2002").status()).isEqualTo(404);

        // a query that does not parse, or names an unknown series: 400 with the parser's message, nothing stored
        MwaClient.Answer bad = mwa.post("/staging", mwa.newQueryJob(2004, "mwa.query[2"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.errormsg()).startsWith("query: ");
        MwaClient.Answer unknown = mwa.post("/staging/", mwa.newQueryJob(2005, "no.such.series[]"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.errormsg()).contains("unknown series 'no.such.series'");
        assertThat(staging.store().latestMwa(2004)).isEmpty();
        assertThat(staging.store().latestMwa(2005)).isEmpty();
    }

    @Test
    void aCancelledJobSharingAUnitWithAnotherGetsNoCallbackWhileTheOtherCompletes() throws Exception {
        List<Long> units = taped("mwa.shared", 33, 3);
        long a = 3001;
        long b = 3002;
        try (AutoCloseable held = holdMonitor()) {
            assertThat(mwa.post("/staging", mwa.newJob(a, List.of(download(units.get(0)), download(units.get(1)))))
                    .status()).isEqualTo(202);
            assertThat(mwa.post("/staging", mwa.newJob(b, List.of(download(units.get(1)), download(units.get(2)))))
                    .status()).isEqualTo(202);
            StagingRequest stored = staging.store().latestMwa(a).orElseThrow();
            assertThat(pins(stored.id())).isEqualTo(2);

            MwaClient.Answer deleted = mwa.delete("/staging/?job_id=" + a);
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            assertThat(deleted.body()).isEqualTo("null");
            assertThat(pins(stored.id())).as("its pins go").isZero();
            assertThat(mwa.get("/staging?job_id=" + a).errormsg()).isEqualTo("Job 3001 not found");
            assertThat(mwa.delete("/staging?job_id=" + a).status()).isEqualTo(404);
        }

        JsonNode other = mwa.awaitResult(b, 60);
        assertThat(other.get("return_code").asInt()).isZero();
        assertThat(other.get("ready_files").asInt()).isEqualTo(2);
        awaitTurns(3);
        assertThat(mwa.results(a)).as("the cancelled job is not called back").isEmpty();
        assertThat(staging.store().latestMwa(a).orElseThrow().state()).isEqualTo("cancelled");
        // the unit only the cancelled job wanted was not asked of the tape
        assertThat(online(units.get(0))).isFalse();
        assertThat(online(units.get(1))).isTrue();
        assertThat(online(units.get(2))).isTrue();
        // a job id is free again once its job has ended
        assertThat(mwa.post("/staging", mwa.newJob(a, List.of(download(units.get(1))))).status()).isEqualTo(202);
        assertThat(mwa.awaitResult(a, 30).get("return_code").asInt()).isZero();
    }

    long pins(long requestId) {
        return jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder = ?", Long.class,
                StagingStore.holder(requestId));
    }

    @Test
    void fileErrorsEndWithCode5AndAReportTheFailedJobEndpointsRead() throws Exception {
        List<Long> units = taped("mwa.errors", 34, 1);
        String missing = download(888_888_888L);
        long job = 4001;
        assertThat(mwa.post("/staging", mwa.newJob(job, List.of(download(units.get(0)), missing))).status())
                .isEqualTo(202);

        JsonNode result = mwa.awaitResult(job, 60);
        assertThat(result.get("return_code").asInt()).isEqualTo(5);
        assertThat(result.get("comment").asString())
                .isEqualTo("Out of 2 files in total, 1 were staged successfully, but 1 files had errors");
        JsonNode s = status(job, true);
        assertThat(s.get("files").get(missing).get(0).asBoolean()).isFalse();
        assertThat(s.get("files").get(missing).get(1).asBoolean()).isTrue();
        assertThat(s.get("error_files").asInt()).isEqualTo(1);

        JsonNode failed = mwa.get("/get_failed_joblist").json().get("jobs").get("4001");
        assertThat(failed.size()).isEqualTo(7);
        assertThat(failed.get(0).asLong()).isEqualTo(job);
        long reported = failed.get(1).asLong();
        assertThat(reported).isBetween(s.get("created").asLong(), Instant.now().getEpochSecond() + 1);
        assertThat(failed.toString()).endsWith(",0,0,0,0,0]");
        for (String path : new String[] {"/get_failed_job?job_id=4001", "/get_failed_job/?job_id=4001"}) {
            JsonNode rebuilt = mwa.get(path).json();
            assertThat(rebuilt.toString()).isEqualTo("{\"job_id\":4001,\"created\":0,\"completed\":false,"
                    + "\"total_files\":2,\"ready_files\":0,\"error_files\":1,\"last_readytime\":" + reported
                    + ",\"files\":{\"" + missing + "\":[false,true," + reported + "]}}");
        }
        assertThat(Files.readString(staging.settings().reportDirectory().resolve("4001.txt")))
                .startsWith("Job failure report for job 4001: Out of a total of 2 files, 1 had errors and 1 failed"
                        + " to transfer.\n\nFiles with errors:\n  " + missing + "\n");
    }

    @Test
    void statisticsShowTheMonitorTheCountsAndTheDiskCache() throws Exception {
        List<Long> units = taped("mwa.stats", 35, 2);
        long job = 5001;
        awaitTurns(1);
        try (AutoCloseable held = holdMonitor()) {
            assertThat(mwa.post("/staging", mwa.newJob(job, List.of(download(units.get(0)), download(units.get(1)))))
                    .status()).isEqualTo(202);
            for (String path : new String[] {"/get_stats", "/get_stats/"}) {
                JsonNode s = mwa.get(path).json();
                long now = Instant.now().getEpochSecond();
                assertThat(s.get("kafkad_heartbeat").asLong()).isBetween(now - 2, now + 1);
                assertThat(s.get("kafka_alive").asBoolean()).isTrue();
                // the counts over the live requests, counted here independently
                assertThat(s.get("waiting_files").asLong()).isEqualTo(count("waiting")).isGreaterThanOrEqualTo(2);
                assertThat(s.get("ready_files").asLong()).isEqualTo(count("ready"));
                assertThat(s.get("error_files").asLong()).isEqualTo(count("error"));
                assertThat(s.get("pending").asLong()).isEqualTo(s.get("waiting_files").asLong());
                assertThat(s.get("incomplete_jobs").asLong()).isEqualTo(jdbc.queryForObject(
                        "SELECT count(*) FROM staging.request WHERE state = 'active'", Long.class));
                // the disk: the partition's file system, and the online units' bytes
                FileStore fs = Files.getFileStore(HOME.resolve("sums/SUM0"));
                assertThat(s.get("totdatasz").asLong()).isEqualTo(fs.getTotalSpace());
                assertThat(s.get("availdatasz").asLong()).isPositive().isLessThanOrEqualTo(fs.getTotalSpace());
                assertThat(s.get("releaseable").asLong() + s.get("nonreleaseable").asLong()).isEqualTo(
                        jdbc.queryForObject("SELECT coalesce(sum(bytes), 0) FROM sums.sum_main"
                                + " WHERE online_status = 'Y'", Long.class));
                assertThat(s.get("health").asInt()).isEqualTo(1);
                assertThat(s.get("healthstatus").asString()).isEqualTo("ok");
            }
        }
        mwa.awaitResult(job, 60);
        JsonNode s = mwa.get("/get_stats").json();
        // last_message: when a file last became ready or failed
        long lastReady = status(job, false).get("last_readytime").asLong();
        assertThat(s.get("last_message").asLong()).isGreaterThanOrEqualTo(lastReady);
        // the staged units are pinned by the job until it expires: not releasable
        long stagedBytes = jdbc.queryForObject("SELECT sum(bytes) FROM sums.sum_main WHERE ds_index = ANY (?)",
                Long.class, (Object) units.toArray(Long[]::new));
        assertThat(s.get("nonreleaseable").asLong()).isGreaterThanOrEqualTo(stagedBytes);
    }

    long count(String state) {
        return jdbc.queryForObject("SELECT count(*) FROM staging.file f JOIN staging.request r ON r.id = f.request_id"
                + " WHERE r.state IN ('active', 'completed') AND f.state = ?", Long.class, state);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/"})
    void badInputIsRefusedWithAnErrormsgAndNothingIsStored(String slash) throws Exception {
        String staging = "/staging" + slash;
        String url = mwa.notifyUrl();
        Map<String, String> bodies = new java.util.LinkedHashMap<>();
        bodies.put("", "the body is empty");
        bodies.put("{\"job_id\": 6001, ", "the body is not JSON");
        bodies.put("[6001]", "the body must be a JSON object");
        bodies.put("{\"notify_url\": \"" + url + "\", \"files\": [\"/D1/x\"]}", "job_id is required");
        bodies.put("{\"job_id\": \"6001\", \"notify_url\": \"" + url + "\", \"files\": [\"/D1/x\"]}",
                "job_id must be an integer, not a string");
        bodies.put("{\"job_id\": 6001.5, \"notify_url\": \"" + url + "\", \"files\": [\"/D1/x\"]}",
                "job_id must be an integer, not a number with a fraction");
        bodies.put("{\"job_id\": 6001, \"files\": [\"/D1/x\"]}", "notify_url is required");
        bodies.put("{\"job_id\": 6001, \"notify_url\": 7, \"files\": [\"/D1/x\"]}", "notify_url must be a string");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"files\": \"/D1/x\"}",
                "files must be a list of strings, not a string");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"files\": [\"/D1/x\", 2]}",
                "files[1] must be a string, not an integer");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"query\": [\"a[]\"]}",
                "query must be a string");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\"}",
                "Error for job 6001: Must specify either a record-set query, or a list of files");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"files\": []}",
                "Error for job 6001: Must specify either a record-set query, or a list of files");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"obs\": {\"obs_id\": 1}}",
                "Error for job 6001: obs is not supported here");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"http://169.254.169.254/latest\", \"files\": [\"/D1/x\"]}",
                "notify_url's host 169.254.169.254 is not one callbacks may go to (drms.staging.callback-hosts)");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"file:///etc/passwd\", \"files\": [\"/D1/x\"]}",
                "notify_url must be an http or https URL");
        bodies.put("{\"job_id\": 6001, \"notify_url\": \"" + url + "\", \"files\": [\"  \"]}",
                "a file path is empty");
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            MwaClient.Answer a = mwa.post(staging, e.getKey());
            assertThat(a.status()).as(e.getKey() + " -> " + a.body()).isEqualTo(400);
            assertThat(a.errormsg()).as(e.getKey()).startsWith(e.getValue());
        }
        assertThat(this.staging.store().latestMwa(6001)).isEmpty();

        // the job id and the flag of GET, DELETE and get_failed_job
        for (String method : new String[] {"GET", "DELETE"}) {
            for (String query : new String[] {"", "?job_id=", "?job_id=abc", "?job_id=1.5"}) {
                MwaClient.Answer a = mwa.send(method, staging + query, null, true);
                assertThat(a.status()).as(method + " " + query).isEqualTo(400);
                assertThat(a.errormsg()).startsWith("job_id ");
            }
            MwaClient.Answer unknown = mwa.send(method, staging + "?job_id=6002", null, true);
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.errormsg()).isEqualTo("Job 6002 not found");
        }
        MwaClient.Answer flag = mwa.get(staging + "?job_id=6002&include_files=maybe");
        assertThat(flag.status()).isEqualTo(400);
        assertThat(flag.errormsg()).isEqualTo("include_files must be a boolean (true or false)");
        MwaClient.Answer noReport = mwa.get("/get_failed_job" + slash + "?job_id=6002");
        assertThat(noReport.status()).isEqualTo(404);
        assertThat(noReport.errormsg()).isEqualTo("No failure report for job 6002");
        assertThat(mwa.get("/get_failed_job" + slash + "?job_id=x").status()).isEqualTo(400);

        // filestatus
        String filestatus = "/filestatus" + slash;
        for (String body : new String[] {"", "nope", "[]", "{}", "{\"files\": \"/D1/x\"}", "{\"files\": [1]}"}) {
            MwaClient.Answer a = mwa.post(filestatus, body);
            assertThat(a.status()).as(body).isEqualTo(400);
            assertThat(a.errormsg()).isNotBlank();
        }
        MwaClient.Answer empty = mwa.post(filestatus, "{\"files\": []}");
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.body()).isEqualTo("{}");

        // and the simple ones, both forms
        MwaClient.Answer ping = mwa.get("/ping" + slash);
        assertThat(ping.status()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("null");
        assertThat(mwa.get("/get_joblist" + slash).json().has("jobs")).isTrue();
        assertThat(mwa.get("/get_failed_joblist" + slash).json().has("jobs")).isTrue();
        assertThat(mwa.get("/get_stats" + slash).json().has("kafkad_heartbeat")).isTrue();
    }

    @Test
    void writesWithoutCredentialsAre401AndChangeNothing() throws Exception {
        List<Long> units = taped("mwa.auth", 36, 1);
        String body = mwa.newJob(7001, List.of(download(units.get(0))));
        for (String path : new String[] {"/staging", "/staging/"}) {
            MwaClient.Answer a = mwa.send("POST", path, body, false);
            assertThat(a.status()).isEqualTo(401);
            assertThat(a.errormsg()).isEqualTo("Unauthorized: POST " + path + " needs credentials: the API token"
                    + " (Authorization: Bearer …) or a user's (HTTP Basic)");
        }
        MwaClient wrong = new MwaClient("http://127.0.0.1:" + port, TOKEN + "-wrong");
        try {
            MwaClient.Answer a = wrong.post("/staging", body);
            assertThat(a.status()).isEqualTo(401);
            assertThat(a.errormsg()).startsWith("Unauthorized: ").doesNotContain(TOKEN);
        } finally {
            wrong.close();
        }
        assertThat(staging.store().latestMwa(7001)).isEmpty();
        assertThat(mwa.send("POST", "/filestatus", "{\"files\": []}", false).status()).isEqualTo(401);

        try (AutoCloseable held = holdMonitor()) {
            assertThat(mwa.post("/staging", body).status()).isEqualTo(202);
            for (String path : new String[] {"/staging?job_id=7001", "/staging/?job_id=7001"}) {
                assertThat(mwa.send("DELETE", path, null, false).status()).isEqualTo(401);
            }
            assertThat(staging.store().latestMwa(7001).orElseThrow().state()).isEqualTo("active");
            // reads are open
            assertThat(mwa.get("/staging?job_id=7001").status()).isEqualTo(200);
        }
        assertThat(mwa.awaitResult(7001, 60).get("return_code").asInt()).isZero();
    }
}
