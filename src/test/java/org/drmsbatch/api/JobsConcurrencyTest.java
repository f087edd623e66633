package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.TestDatabase;
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
 * Job control under concurrent callers, over real sockets: a job runs once whatever the callers do. Different
 * launches at once all start and complete (no 500, no job instance left without an execution); identical launches
 * at once start one run and refuse the others (409); parallel restarts of one failed execution run one restart; a
 * launch without {@code run} gets a fresh one; bad series names are refused before the job starts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.test.counting-job=true",
                "drms.security.token=test-token-0123456789"})
class JobsConcurrencyTest {

    static final String URL = TestDatabase.newDatabase();
    static final Path HOME = newHome();

    static Path newHome() {
        try {
            return Files.createTempDirectory("drms-races-test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, URL, HOME);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final JsonMapper json = JsonMapper.builder().build();

    record Reply(int status, JsonNode body) {
    }

    Reply send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer test-token-0123456789");
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node;
        try {
            node = r.body().isEmpty() ? null : json.readTree(r.body());
        } catch (RuntimeException e) {
            node = json.getNodeFactory().textNode(r.body());
        }
        return new Reply(r.statusCode(), node);
    }

    Reply post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    /** Polls the execution until it and its steps have ended (deadline 60 s). */
    JsonNode awaitEnd(long id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode e;
        do {
            e = send("GET", "/api/jobs/executions/" + id, null).body();
            if (List.of("COMPLETED", "FAILED", "STOPPED", "ABANDONED", "UNKNOWN").contains(e.get("status").asString())
                    && e.get("steps").valueStream().allMatch(s -> !s.get("endTime").isNull())) {
                return e;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("execution " + id + " did not end in time: " + e);
    }

    /** Runs the calls at once (released together), returns their replies in order. */
    List<Reply> atOnce(int threads, List<Callable<Reply>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Reply>> futures = new ArrayList<>();
            for (Callable<Reply> c : calls) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return c.call();
                }));
            }
            go.countDown();
            List<Reply> replies = new ArrayList<>();
            for (Future<Reply> f : futures) {
                replies.add(f.get(120, TimeUnit.SECONDS));
            }
            return replies;
        } finally {
            pool.shutdownNow();
        }
    }

    static Map<Integer, Integer> byStatus(List<Reply> replies) {
        Map<Integer, Integer> counts = new TreeMap<>();
        replies.forEach(r -> counts.merge(r.status(), 1, Integer::sum));
        return counts;
    }

    List<Integer> counted(String key) {
        return jdbc.queryForList("SELECT item FROM counted WHERE key = ? ORDER BY item", Integer.class, key);
    }

    long instancesWithoutExecution() {
        return jdbc.queryForObject("SELECT count(*) FROM batch_job_instance i WHERE NOT EXISTS"
                + " (SELECT 1 FROM batch_job_execution e WHERE e.job_instance_id = i.job_instance_id)", Long.class);
    }

    @Test
    void differentLaunchesAtOnceAllStartAndComplete() throws Exception {
        int clients = 8;
        int launches = 160;
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            String body = "{\"key\": \"different-" + i + "\", \"items\": 3}";
            calls.add(() -> post("/api/jobs/counting", body));
        }
        List<Reply> replies = atOnce(clients, calls);

        assertThat(byStatus(replies)).as("replies by status: %s", replies.stream()
                .filter(r -> r.status() != 202).map(Reply::body).limit(3).toList()).isEqualTo(Map.of(202, launches));
        for (Reply r : replies) {
            JsonNode end = awaitEnd(r.body().get("executionId").asLong());
            assertThat(end.get("status").asString()).as("%s", end).isEqualTo("COMPLETED");
            assertThat(counted(end.get("parameters").get("key").asString())).containsExactly(1, 2, 3);
        }
        assertThat(instancesWithoutExecution()).isZero();
    }

    @Test
    void identicalLaunchesAtOnceStartOneRun() throws Exception {
        String body = "{\"key\": \"identical\", \"items\": 100, \"delay\": \"2,java.lang.Long,false\"}";
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(() -> post("/api/jobs/counting", body));
        }
        List<Reply> replies = atOnce(10, calls);

        assertThat(byStatus(replies)).isEqualTo(Map.of(202, 1, 409, 9));
        Reply started = replies.stream().filter(r -> r.status() == 202).findFirst().orElseThrow();
        assertThat(awaitEnd(started.body().get("executionId").asLong()).get("status").asString())
                .isEqualTo("COMPLETED");
        assertThat(counted("identical")).isEqualTo(java.util.stream.IntStream.rangeClosed(1, 100).boxed().toList());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution e JOIN batch_job_instance i"
                + " ON i.job_instance_id = e.job_instance_id JOIN batch_job_execution_params p"
                + " ON p.job_execution_id = e.job_execution_id WHERE p.parameter_name = 'key'"
                + " AND p.parameter_value = 'identical'", Long.class)).isEqualTo(1);
    }

    @Test
    void parallelRestartsOfOneFailedExecutionRunOneRestart() throws Exception {
        Reply first = post("/api/jobs/counting",
                "{\"key\": \"restarts\", \"items\": 50, \"failAt\": \"25,java.lang.Long,false\"}");
        assertThat(first.status()).isEqualTo(202);
        long failed = first.body().get("executionId").asLong();
        assertThat(awaitEnd(failed).get("status").asString()).isEqualTo("FAILED");
        assertThat(counted("restarts")).hasSize(20);

        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(() -> post("/api/jobs/executions/" + failed + "/restart",
                    "{\"failAt\": 0, \"delay\": \"2,java.lang.Long,false\"}"));
        }
        List<Reply> replies = atOnce(10, calls);

        assertThat(byStatus(replies)).isEqualTo(Map.of(202, 1, 409, 9));
        Reply restarted = replies.stream().filter(r -> r.status() == 202).findFirst().orElseThrow();
        JsonNode end = awaitEnd(restarted.body().get("executionId").asLong());
        assertThat(end.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(end.get("steps").get(0).get("write").asLong()).isEqualTo(30);
        assertThat(counted("restarts")).isEqualTo(java.util.stream.IntStream.rangeClosed(1, 50).boxed().toList());
        // and the first execution, restarted already, is not restarted again
        Reply again = post("/api/jobs/executions/" + failed + "/restart", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body().get("detail").asString()).contains("restarted already");
    }

    @Test
    void aLaunchWithoutRunGetsAFreshRunAndRunMakesItIdempotent() throws Exception {
        Reply a = post("/api/jobs/snapshot", "{}");
        Reply b = post("/api/jobs/snapshot", null);
        assertThat(a.status()).as("%s", a.body()).isEqualTo(202);
        assertThat(b.status()).as("%s", b.body()).isEqualTo(202);
        String runA = a.body().get("parameters").get("run").asString();
        String runB = b.body().get("parameters").get("run").asString();
        assertThat(runA).isNotBlank().isNotEqualTo(runB);
        assertThat(a.body().get("instanceId").asLong()).isNotEqualTo(b.body().get("instanceId").asLong());
        awaitEnd(a.body().get("executionId").asLong());
        awaitEnd(b.body().get("executionId").asLong());

        Reply named = post("/api/jobs/snapshot", "{\"run\": \"named\"}");
        assertThat(named.status()).isEqualTo(202);
        assertThat(named.body().get("parameters").get("run").asString()).isEqualTo("named");
        awaitEnd(named.body().get("executionId").asLong());
        assertThat(post("/api/jobs/snapshot", "{\"run\": \"named\"}").status()).isEqualTo(409);
    }

    @Test
    void seriesNamesAreCheckedBeforeTheJobStarts() throws Exception {
        long executions = jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Long.class);
        for (String series : List.of("x;drop table y", "pg_catalog.pg_class", "information_schema.tables",
                "public.batch_job_instance", "drms.drms_series", "nodot")) {
            Reply r = post("/api/jobs/collect", json.writeValueAsString(Map.of("run", "bad", "series", series)));
            assertThat(r.status()).as("series=%s: %s", series, r.body()).isEqualTo(400);
            assertThat(r.body().get("detail").asString()).contains("series").contains(series);
        }
        Reply out = post("/api/jobs/rescale", "{\"ds\": \"pg_catalog.pg_class[]\"}");
        assertThat(out.status()).isEqualTo(400);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Long.class)).isEqualTo(executions);
    }

    /**
     * A stop ends a run at its next chunk boundary; a run still waiting in the executor's queue for a job thread
     * (all drms.jobs.threads busy) has none: it ends STOPPED at once, without a step, does not begin when a thread
     * frees (Spring Batch, shown it STOPPED, would run it then), and restarts.
     */
    @Test
    void aRunWaitingForAJobThreadStopsAtOnce() throws Exception {
        List<Long> busy = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // drms.jobs.threads
            Reply r = post("/api/jobs/counting",
                    "{\"key\": \"busy-" + i + "\", \"items\": 100000, \"delay\": \"5,java.lang.Long,false\"}");
            assertThat(r.status()).isEqualTo(202);
            busy.add(r.body().get("executionId").asLong());
        }
        for (long id : busy) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!send("GET", "/api/jobs/executions/" + id, null).body().get("status").asString().equals("STARTED")) {
                assertThat(System.nanoTime()).as("execution %d began", id).isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        try {
            Reply waiting = post("/api/jobs/counting", "{\"key\": \"queued\", \"items\": 5}");
            assertThat(waiting.status()).isEqualTo(202);
            assertThat(waiting.body().get("status").asString()).isEqualTo("STARTING");
            long id = waiting.body().get("executionId").asLong();

            Reply stop = post("/api/jobs/executions/" + id + "/stop", null);
            assertThat(stop.status()).as("%s", stop.body()).isEqualTo(202);
            assertThat(stop.body().get("status").asString()).isEqualTo("STOPPED");
            JsonNode stopped = send("GET", "/api/jobs/executions/" + id, null).body();
            assertThat(stopped.get("status").asString()).isEqualTo("STOPPED");
            assertThat(stopped.get("endTime").isNull()).isFalse();
            assertThat(stopped.get("steps")).isEmpty();

            for (long b : busy) {
                assertThat(post("/api/jobs/executions/" + b + "/stop", null).status()).isEqualTo(202);
            }
            for (long b : busy) {
                awaitEnd(b);
            }
            // threads are free again: the stopped run does not begin (Spring Batch alone would run it then)
            JsonNode after = send("GET", "/api/jobs/executions/" + id, null).body();
            assertThat(after.get("status").asString()).isEqualTo("STOPPED");
            assertThat(after.get("steps")).isEmpty();
            Reply restart = post("/api/jobs/executions/" + id + "/restart", null);
            assertThat(restart.status()).as("%s", restart.body()).isEqualTo(202);
            assertThat(awaitEnd(restart.body().get("executionId").asLong()).get("status").asString())
                    .isEqualTo("COMPLETED");
            assertThat(counted("queued")).containsExactly(1, 2, 3, 4, 5);
        } finally {
            for (long b : busy) {
                post("/api/jobs/executions/" + b + "/stop", null);
            }
            for (long b : busy) {
                awaitEnd(b);
            }
        }
    }
}
