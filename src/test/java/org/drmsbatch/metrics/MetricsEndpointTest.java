package org.drmsbatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.SeriesCounts;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Actuator on a real server over real HTTP, reads closed: {@code /actuator/health} answers anyone, its details (the
 * database, each partition) only to the role read; {@code /actuator/prometheus} needs credentials; no other actuator
 * endpoint is served. The Prometheus text parses, and its numbers move with the work: a chunk streamed into the
 * buffer, a rescale run (Spring Batch's job and step timers, records per series), a volume mounted to archive, a
 * staging callback that fails. A partition given less room than {@code drms.health.min-free} turns the health DOWN
 * with the reason, and UP again once the room is back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=" + MetricsEndpointTest.TOKEN,
        "drms.security.open-reads=false", "drms.metrics.interval=200ms",
        // the partition's room: 4 MB for SUMS, healthy while 1 MB of it is free
        "drms.sums.capacity=4MB", "drms.health.min-free=1MB",
        "drms.staging.callback-hosts=127.0.0.1", "drms.staging.monitor=false",
        "drms.tape.time-scale=0", "drms.tape.volume-capacity=400KB"})
class MetricsEndpointTest {

    static final String TOKEN = "metrics-test-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-metrics-test");
    static final String READER_SECRET = "reader-secret-passphrase";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
        registry.add("drms.security.users.reader.password",
                () -> "{bcrypt}" + new BCryptPasswordEncoder(4).encode(READER_SECRET));
        registry.add("drms.security.users.reader.roles", () -> "read");
    }

    @LocalServerPort
    int port;
    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    StagingService staging;
    @Autowired
    TapeArchive archive;
    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String bearer() {
        return "Bearer " + TOKEN;
    }

    static String reader() {
        return "Basic " + Base64.getEncoder().encodeToString(("reader:" + READER_SECRET)
                .getBytes(StandardCharsets.UTF_8));
    }

    PrometheusText scrape() throws Exception {
        HttpResponse<String> r = send("GET", "/actuator/prometheus", bearer(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return PrometheusText.parse(r.body());
    }

    double metric(String name, Map<String, String> labels) throws Exception {
        return scrape().valueOr0(name, labels);
    }

    JsonNode health(String authorization) throws Exception {
        HttpResponse<String> r = send("GET", "/actuator/health", authorization, null);
        JsonNode h = json.readTree(r.body());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(h.get("status").asString().equals("UP") ? 200 : 503);
        return h;
    }

    @Test
    void healthIsOpenItsDetailsAndPrometheusNeedReadAndNoOtherActuatorEndpointIsServed() throws Exception {
        // health: the status to anyone, no details
        JsonNode open = health(null);
        assertThat(open.has("status")).isTrue();
        assertThat(open.has("components")).as(open.toString()).isFalse();
        // with the role read (a user, or the token): the database and the partition
        for (String who : List.of(reader(), bearer())) {
            JsonNode h = health(who);
            assertThat(h.at("/components/db/status").asString()).isEqualTo("UP");
            assertThat(h.at("/components/db/details/database").asString()).isEqualTo("PostgreSQL");
            JsonNode sum0 = h.at("/components/partitions/components/SUM0");
            assertThat(sum0.get("status").asString()).as(h.toString()).isIn("UP", "DOWN");
            assertThat(sum0.at("/details/totalBytes").asLong()).isEqualTo(4L << 20);
            assertThat(sum0.at("/details/minFreeBytes").asLong()).isEqualTo(1L << 20);
            assertThat(sum0.at("/details/highWaterPercent").asDouble()).isEqualTo(95.0);
        }
        assertThat(health(bearer()).has("components")).isTrue();
        // a component alone only to the role read; the readiness and liveness probes (no partitions) to anyone
        assertThat(send("GET", "/actuator/health/db", null, null).statusCode()).isEqualTo(404);
        assertThat(json.readTree(send("GET", "/actuator/health/partitions", reader(), null).body())
                .at("/components/SUM0/details/minFreeBytes").asLong()).isEqualTo(1L << 20);
        for (String probe : List.of("readiness", "liveness")) {
            HttpResponse<String> r = send("GET", "/actuator/health/" + probe, null, null);
            assertThat(r.statusCode()).as(probe).isEqualTo(200);
            assertThat(json.readTree(r.body()).get("status").asString()).isEqualTo("UP");
        }

        // prometheus: reads are closed, so no credentials is 401, any role 200; a POST is not a read: 403
        HttpResponse<String> anonymous = send("GET", "/actuator/prometheus", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("drms_");
        assertThat(send("GET", "/actuator/prometheus", reader(), null).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/actuator/prometheus", reader(), "{}").statusCode()).isEqualTo(403);
        assertThat(send("GET", "/actuator/info", reader(), null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/info", null, null).statusCode()).isEqualTo(401);

        // nothing else of Actuator is served, even to the token
        for (String endpoint : List.of("env", "beans", "heapdump", "threaddump", "configprops", "loggers",
                "metrics", "mappings", "shutdown", "scheduledtasks")) {
            assertThat(send("GET", "/actuator/" + endpoint, bearer(), null).statusCode())
                    .as("/actuator/" + endpoint).isEqualTo(404);
        }
        assertThat(send("POST", "/actuator/shutdown", bearer(), "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void prometheusTextParsesAndItsNumbersMoveWithTheWork() throws Exception {
        PrometheusText before = scrape();
        assertThat(before.samples()).hasSizeGreaterThan(50);
        assertThat(before.value("drms_scrub_high_water_percent", Map.of())).hasValue(95);
        assertThat(before.value("drms_scrub_low_water_percent", Map.of())).hasValue(90);
        assertThat(before.value("drms_partition_capacity_bytes", Map.of("partition", "SUM0")))
                .hasValue(4 << 20);
        assertThat(before.value("drms_tape_drives", Map.of())).hasValue(2);
        for (String state : StagingStore.REQUEST_STATES) {
            assertThat(before.value("drms_staging_requests", Map.of("state", state))).as(state).isPresent();
        }

        // a chunk streamed into the buffer: one more chunk, its bytes
        double chunks = before.valueOr0("drms_buffer_chunks", Map.of());
        double bytes = before.valueOr0("drms_buffer_bytes", Map.of());
        HttpResponse<String> streamed = send("POST", "/streamdata", bearer(),
                "{\"h\": [1.0e-21, 2.0e-21, 3.0e-21], \"t\": [100.0, 0.000244140625]}");
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        PrometheusText afterChunk = scrape();
        assertThat(afterChunk.valueOr0("drms_buffer_chunks", Map.of())).isEqualTo(chunks + 1);
        assertThat(afterChunk.valueOr0("drms_buffer_bytes", Map.of())).isGreaterThan(bytes);

        // a rescale of 5 records in chunks of 2: Spring Batch's job, step, chunk and item timers count it (the
        // partition's worker included); the input and output series have 5 records each
        Map<String, String> job = Map.of("spring_batch_job_name", "rescale", "spring_batch_job_status", "COMPLETED");
        Map<String, String> worker = Map.of("spring_batch_step_job_name", "rescale",
                "spring_batch_step_name", "rescaleWorker:partition0");
        Map<String, String> writes = Map.of("spring_batch_chunk_write_job_name", "rescale",
                "spring_batch_chunk_write_status", "SUCCESS");
        Map<String, String> processed = Map.of("spring_batch_item_process_job_name", "rescale");
        double runs = before.valueOr0("spring_batch_job_seconds_count", job);
        double workerRuns = before.valueOr0("spring_batch_step_seconds_count", worker);
        double chunkWrites = before.valueOr0("spring_batch_chunk_write_seconds_count", writes);
        double items = before.valueOr0("spring_batch_item_process_seconds_count", processed);
        records("mt.in", 5);
        JobRun done = jobs.runToEnd("rescale", Map.of("ds", "mt.in", "out", "mt.out", "chunkSize", "2"),
                Duration.ofSeconds(60));
        assertThat(done.status()).isEqualTo("COMPLETED");
        PrometheusText afterRun = scrape();
        assertThat(afterRun.valueOr0("spring_batch_job_seconds_count", job)).isEqualTo(runs + 1);
        assertThat(afterRun.valueOr0("spring_batch_job_seconds_sum", job)).isPositive();
        assertThat(afterRun.valueOr0("spring_batch_step_seconds_count", worker)).isEqualTo(workerRuns + 1);
        assertThat(afterRun.valueOr0("spring_batch_chunk_write_seconds_count", writes)).isEqualTo(chunkWrites + 3);
        assertThat(afterRun.valueOr0("spring_batch_item_process_seconds_count", processed)).isEqualTo(items + 5);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            PrometheusText after = scrape();
            assertThat(after.value("drms_series_records", Map.of("series", "mt.in"))).hasValue(5);
            assertThat(after.value("drms_series_records", Map.of("series", "mt.out"))).hasValue(5);
        });

        // a unit archived: the tape library mounted a volume
        double mounts = scrape().valueOr0("drms_tape_mounts_total", Map.of());
        List<Long> sunums = TapedUnits.create(drms, "mt.taped", 3, 1);
        TapedUnits.archive(drms, archive, sunums, 1);
        assertThat(metric("drms_tape_mounts_total", Map.of())).isGreaterThan(mounts);

        // a staging callback answered 503: the failure counter moves by one, the request is completed (not notified)
        double failed = scrape().valueOr0("drms_staging_callbacks_failed_total", Map.of());
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/jobresult", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/jobresult";
            staging.submit(new StagingStore.NewRequest("mwa", 9001L, url, null,
                    StagingService.files(List.of("/no/unit/here.fits"))));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                staging.tick();
                assertThat(metric("drms_staging_callbacks_failed_total", Map.of())).isEqualTo(failed + 1);
            });
        } finally {
            receiver.stop(0);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(metric("drms_staging_requests", Map.of("state", "completed"))).isGreaterThanOrEqualTo(1));
    }

    @Test
    void aPartitionWithLessFreeRoomThanMinFreeIsDownWithTheReasonAndUpAgainOnceFreed() throws Exception {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(health(bearer()).at("/components/partitions/components/SUM0/status").asString())
                        .isEqualTo("UP"));

        // 3.2 MB of units on a partition of 4 MB: 0.8 MB free, under the 1 MB drms.health.min-free
        drms.createSeries(new JsdParser().parse("full.jsd", """
                Seriesname: mt.full
                Unitsize: 1
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %d, none, "n"
                Data: big, vardim, double, 1, 0, none, fits, "", 0.0, 1.0, "samples"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("mt.full", 1);
            rs.get(0).set("N", 1);
            rs.get(0).write("big", SegmentArray.ofDoubles(new double[400_000], 400_000));
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonNode h = health(bearer());
            assertThat(h.get("status").asString()).isEqualTo("DOWN");
            JsonNode sum0 = h.at("/components/partitions/components/SUM0");
            assertThat(sum0.get("status").asString()).isEqualTo("DOWN");
            assertThat(sum0.at("/details/reason").asString()).contains("below drms.health.min-free=1048576B");
            assertThat(sum0.at("/details/freeBytes").asLong()).isLessThan(1L << 20);
            assertThat(h.at("/components/db/status").asString()).isEqualTo("UP");
        });
        // anyone sees that it is down (503), not why
        HttpResponse<String> anonymous = send("GET", "/actuator/health", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(503);
        assertThat(anonymous.body()).doesNotContain("min-free");
        assertThat(metric("drms_partition_free_bytes", Map.of("partition", "SUM0"))).isLessThan(1 << 20);

        // the series deleted, its unit with it: room again
        drms.deleteSeries("mt.full", false);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(health(bearer()).at("/components/partitions/components/SUM0/status").asString())
                        .isEqualTo("UP"));
    }

    @Test
    void seriesAreCountedExactlyWhenSmallElseByPostgresEstimateOrTheirHighestRecordNumber() throws Exception {
        records("mt.counted", 7);
        // 2 rows deleted: record numbers up to 7, 5 records
        assertThat(jdbc.update("DELETE FROM mt.counted WHERE chunk < 2")).isEqualTo(2);
        SeriesCounts.Count exact = count(new SeriesCounts(drms.dataSource(), SeriesCounts.DEFAULT_EXACT_BELOW_BYTES));
        assertThat(exact.records()).isEqualTo(5);
        assertThat(exact.method()).isEqualTo(SeriesCounts.Method.EXACT);

        // "large" (every table, here): never analysed, the highest record number; analysed, PostgreSQL's estimate
        SeriesCounts large = new SeriesCounts(drms.dataSource(), 0);
        SeriesCounts.Count highest = count(large);
        if (highest.method() == SeriesCounts.Method.HIGHEST_RECNUM) { // unless autovacuum analysed it meanwhile
            assertThat(highest.records()).isEqualTo(jdbc.queryForObject("SELECT max(recnum) FROM mt.counted",
                    Long.class));
        }
        jdbc.execute("ANALYZE mt.counted");
        SeriesCounts.Count estimate = count(large);
        assertThat(estimate.method()).isEqualTo(SeriesCounts.Method.ESTIMATE);
        assertThat(estimate.records()).isEqualTo(5);
    }

    SeriesCounts.Count count(SeriesCounts counts) {
        return counts.counts().stream().filter(c -> c.series().equals("mt.counted")).findFirst().orElseThrow();
    }

    /** {@code n} records of a series, record i holding the samples i, i+1, i+2. */
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
}

