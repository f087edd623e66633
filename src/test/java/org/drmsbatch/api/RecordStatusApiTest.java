package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-record processing status: the rescale job records each input record good, with the clone it became, in the
 * chunk's transaction; a chunk that fails leaves no good status, its failing record failed with the reason; {@code GET /api/status?ds=} counts it per step over a real
 * socket, equal to the records processed, with the output's bytes; a bad query is a 400 problem.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789",
                FaultInjectionTestConfiguration.PROPERTY})
class RecordStatusApiTest {

    static final Path HOME = JobTests.newHome("drms-status-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @LocalServerPort
    int port;
    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    HttpResponse<String> get(String ds) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/status?ds="
                + URLEncoder.encode(ds, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode status(String ds) throws Exception {
        HttpResponse<String> r = get(ds);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }

    @Test
    void rescaleRecordsEachRecordGoodInItsChunksTransactionAndTheApiCountsThem() throws Exception {
        // given 5 records
        drms.createSeries(new JsdParser().parse("st.jsd", """
                Seriesname: st.in
                Unitsize: 4
                PrimeKeys: CHUNK
                Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %d, none, "chunk"
                Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("st.in", 5);
            for (int i = 0; i < 5; i++) {
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(new double[] {i, i + 1, i + 2}, 3));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        assertThat(status("st.in").get("records").asLong()).isEqualTo(5);
        assertThat(status("st.in").get("steps")).isEmpty();

        // when rescale fails at the 4th record (chunks of 2: the second chunk rolls back)
        JobRun failed = jobs.runToEnd("rescale", Map.of("ds", "st.in", "out", "st.out", "chunkSize", "2",
                "failAt", "4,java.lang.Long,false"), Duration.ofSeconds(60));
        assertThat(failed.status()).isEqualTo("FAILED");

        // then only the committed chunk's 2 records are good, the 4th failed with the reason, none half recorded; the
        // 3rd (in the failed chunk, not at fault) and the 5th (never reached) are queued
        JsonNode after = status("st.in");
        assertThat(after.get("steps")).hasSize(1);
        JsonNode step = after.get("steps").get(0);
        assertThat(step.get("step").asString()).isEqualTo("rescale");
        assertThat(step.get("states").get("good").asLong()).isEqualTo(2);
        assertThat(step.get("states").get("failed").asLong()).isEqualTo(1);
        assertThat(step.get("states").get("queued").asLong()).isEqualTo(2);
        assertThat(step.get("states").get("in_progress").asLong()).isZero();
        assertThat(jdbc.queryForObject("SELECT reason FROM status.record_step WHERE series = 'st.in'"
                + " AND state = 'failed'", String.class)).contains("failing at item 4", "failAt");

        // and once restarted to completion all 5 are good, each with its clone, host and execution
        JobRun done = JobTests.awaitEnd(jobs, jobs.restart(failed.executionId(), Map.of("failAt", "0")).executionId(),
                60);
        assertThat(done.status()).isEqualTo("COMPLETED");
        step = status("st.in").get("steps").get(0);
        assertThat(step.get("states").get("good").asLong()).isEqualTo(5);
        assertThat(step.get("states").get("queued").asLong()).isZero();
        assertThat(step.get("states").get("failed").asLong()).as("the failed record done since").isZero();
        assertThat(step.get("states").get("in_progress").asLong()).isZero();
        long bytes = 0;
        for (Record c : drms.read(s -> s.open("st.out", 0))) {
            bytes += Files.size(c.segmentPath("strain"));
        }
        assertThat(step.get("bytes").asLong()).isEqualTo(bytes).isPositive();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM status.record_step r JOIN st.out o"
                + " ON o.recnum = r.output_recnum WHERE r.series = 'st.in' AND o.src_recnum = r.recnum"
                + " AND r.job_execution IN (?, ?) AND r.host IS NOT NULL", Long.class,
                failed.executionId(), done.executionId())).isEqualTo(5);
        // a record set of 2 of them counts 2
        assertThat(status("st.in[? CHUNK < 2 ?]").get("steps").get(0).get("states").get("good").asLong())
                .isEqualTo(2);

        // and a bad query is refused with the reason
        HttpResponse<String> bad = get("no.such[]");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(bad.body()).contains("no.such");
    }

    /** {@code n} records of series {@code series}, record i holding the samples i, i+1, i+2. */
    void records(String series, int n) throws Exception {
        drms.createSeries(new JsdParser().parse(series + ".jsd", """
                Seriesname: %s
                Unitsize: 4
                PrimeKeys: CHUNK
                Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "chunk"
                Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
                """.formatted(series)), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(series, n);
            for (int i = 0; i < n; i++) {
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(new double[] {i, i + 1, i + 2}, 3));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    long state(JsonNode status, String state) {
        return status.get("steps").isEmpty() ? 0 : status.get("steps").get(0).get("states").get(state).asLong();
    }

    @Test
    void whileAJobRunsItsRecordsAreQueuedThenInProgressChunkByChunk() throws Exception {
        // given 8 records
        records("run.in", 8);

        // when rescale runs slowly (chunks of 2, 300 ms a record)
        JobRun started = jobs.start("rescale", Map.of("ds", "run.in", "out", "run.out", "chunkSize", "2",
                "delay", "300,java.lang.Long,false"));

        // then while it runs the API shows one chunk of 2 in progress, the rest queued or good, all 8 accounted for
        JsonNode seen = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode now = status("run.in");
            if (state(now, "in_progress") == 2 && state(now, "queued") >= 2) {
                seen = now;
                break;
            }
            Thread.sleep(20);
        }
        assertThat(seen).as("a moment with a chunk in progress and records queued").isNotNull();
        assertThat(state(seen, "queued") + state(seen, "in_progress") + state(seen, "good")).isEqualTo(8);
        assertThat(state(seen, "failed")).isZero();

        // and at the end all 8 are good
        JobRun done = JobTests.awaitEnd(jobs, started.executionId(), 60);
        assertThat(done.status()).isEqualTo("COMPLETED");
        JsonNode end = status("run.in");
        assertThat(state(end, "good")).isEqualTo(8);
        assertThat(state(end, "queued") + state(end, "in_progress")).isZero();
    }

    @Test
    void aRecordThatFailsInProcessingIsFailedWithTheReasonTheOthersOfItsChunkQueued() throws Exception {
        // given 6 records, the 4th one's segment file gone from its storage unit
        records("pf.in", 6);
        Record broken = drms.read(s -> s.open("pf.in", 0)).stream().filter(r -> r.getLong("CHUNK") == 3)
                .findFirst().orElseThrow();
        Files.delete(broken.segmentPath("strain"));

        // when rescale runs in chunks of 3 (the failing record is the first of the second chunk)
        JobRun failed = jobs.runToEnd("rescale", Map.of("ds", "pf.in", "out", "pf.out", "chunkSize", "3"),
                Duration.ofSeconds(60));

        // then the job failed; the records of the committed first chunk are good, the broken one failed naming its
        // file, the other two of its chunk are queued again
        assertThat(failed.status()).isEqualTo("FAILED");
        JsonNode st = status("pf.in");
        assertThat(state(st, "good")).isEqualTo(3);
        assertThat(state(st, "failed")).isEqualTo(1);
        assertThat(state(st, "queued")).isEqualTo(2);
        assertThat(state(st, "in_progress")).isZero();
        assertThat(jdbc.queryForObject("SELECT recnum FROM status.record_step WHERE series = 'pf.in'"
                + " AND state = 'failed'", Long.class)).isEqualTo(broken.recnum());
        assertThat(jdbc.queryForObject("SELECT reason FROM status.record_step WHERE series = 'pf.in'"
                + " AND state = 'failed'", String.class)).contains("strain");

        // and the API lists the failed record's status: its reason, execution and host
        HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/status?ds=pf.in&state=failed")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonNode entries = json.readTree(listed.body()).get("entries");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).get("recnum").asLong()).isEqualTo(broken.recnum());
        assertThat(entries.get(0).get("step").asString()).isEqualTo("rescale");
        assertThat(entries.get(0).get("jobExecution").asLong()).isEqualTo(failed.executionId());
        assertThat(entries.get(0).get("reason").asString()).contains("strain");
        assertThat(entries.get(0).get("host").asString()).isNotBlank();
        // the three good ones, each with the clone it became; without a filter, no rows
        JsonNode good = json.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/status?ds=pf.in&state=good&step=rescale")).build(), HttpResponse.BodyHandlers.ofString())
                .body()).get("entries");
        assertThat(good).hasSize(3);
        assertThat(good.get(0).get("outputSeries").asString()).isEqualTo("pf.out");
        assertThat(status("pf.in").get("entries")).isEmpty();
        // a state that is none is refused with the reason
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/status?ds=pf.in&state=broken")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("state: 'broken' is not one of queued, in_progress, good, failed");
    }
}
