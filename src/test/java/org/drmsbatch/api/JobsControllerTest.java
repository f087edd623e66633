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
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.drmsbatch.config.ApiToken;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.CountingJobChild;
import org.drmsbatch.ChildJvm;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Job control over a real socket: start, watch, fail and restart, stop, recover after a killed process. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.test.counting-job=true"})
class JobsControllerTest {

    static final String URL = TestDatabase.newDatabase();
    static final Path HOME = newHome();

    static Path newHome() {
        try {
            return Files.createTempDirectory("drms-jobs-test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> URL);
        registry.add("spring.datasource.username", TestDatabase::user);
        registry.add("drms.home", HOME::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ApiToken token;
    final JsonMapper json = JsonMapper.builder().build();

    record Reply(int status, String contentType, String location, JsonNode body) {
    }

    Reply send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (!method.equals("GET")) {
            b.header("Authorization", token.bearer());
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node = r.body().isEmpty() ? null : json.readTree(r.body());
        return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                r.headers().firstValue("Location").orElse(null), node);
    }

    Reply post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    JsonNode get(String path) throws Exception {
        Reply r = send("GET", path, null);
        assertThat(r.status()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return r.body();
    }

    /** Polls the execution until the condition holds (deadline 60 s). */
    JsonNode await(long id, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode e;
        do {
            e = get("/api/jobs/executions/" + id);
            if (condition.test(e)) {
                return e;
            }
            Thread.onSpinWait();
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("execution " + id + " did not get there in time: " + e);
    }

    JsonNode awaitEnd(long id) throws Exception {
        // the job's end is stored a moment before its last step's: wait for both
        return await(id, e -> List.of("COMPLETED", "FAILED", "STOPPED", "ABANDONED", "UNKNOWN")
                .contains(e.get("status").asString())
                && e.get("steps").valueStream().allMatch(s -> !s.get("endTime").isNull()));
    }

    static JsonNode step(JsonNode execution) {
        assertThat(execution.get("steps")).hasSize(1);
        return execution.get("steps").get(0);
    }

    long started(Reply r) {
        assertThat(r.status()).as("%s", r.body()).isEqualTo(202);
        long id = r.body().get("executionId").asLong();
        assertThat(r.location()).isEqualTo("/api/jobs/executions/" + id);
        assertThat(r.body().get("job").asString()).isEqualTo("counting");
        // the status when the answer was made: a short run may have ended already, either way
        assertThat(r.body().get("status").asString()).isIn("STARTING", "STARTED", "COMPLETED", "FAILED");
        return id;
    }

    List<Integer> counted(String key) {
        return jdbc.queryForList("SELECT item FROM counted WHERE key = ? ORDER BY item", Integer.class, key);
    }

    static List<Integer> oneTo(int n) {
        return java.util.stream.IntStream.rangeClosed(1, n).boxed().toList();
    }

    @Test
    void startRunsAsynchronouslyToCompletionWithTheStepCounts() throws Exception {
        long id = started(post("/api/jobs/counting", "{\"key\": \"complete\", \"items\": 95}"));
        JsonNode e = awaitEnd(id);
        assertThat(e.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(e.get("exitCode").asString()).isEqualTo("COMPLETED");
        assertThat(e.get("parameters").get("items").asString()).isEqualTo("95");
        assertThat(e.get("startTime").isNull()).isFalse();
        assertThat(e.get("endTime").isNull()).isFalse();
        JsonNode s = step(e);
        assertThat(s.get("name").asString()).isEqualTo("count");
        assertThat(s.get("read").asLong()).isEqualTo(95);
        assertThat(s.get("write").asLong()).isEqualTo(95);
        assertThat(s.get("skip").asLong()).isZero();
        assertThat(s.get("rollback").asLong()).isZero();
        assertThat(s.get("commit").asLong()).isBetween(10L, 11L); // 9 full chunks, 1 of 5 (+ the end)
        assertThat(counted("complete")).isEqualTo(oneTo(95));
        assertThat(e.get("output").isNull()).as("counting names no records it made").isTrue();

        // the same identifying parameters again: already complete, and the answer names the execution that completed
        Reply again = post("/api/jobs/counting?key=complete&items=95", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.body().get("detail").asString()).contains("already completed");
        assertThat(again.body().get("executionId").asLong()).isEqualTo(id);
        // and its execution cannot be restarted
        Reply restart = post("/api/jobs/executions/" + id + "/restart", null);
        assertThat(restart.status()).isEqualTo(409);
        assertThat(restart.body().get("detail").asString()).contains("completed");
    }

    @Test
    void aFailedRunRestartedWithTheFixResumesAfterTheLastCommittedChunk() throws Exception {
        long id = started(post("/api/jobs/counting",
                "{\"key\": \"restart\", \"items\": 50, \"failAt\": \"25,java.lang.Long,false\"}"));
        JsonNode failed = awaitEnd(id);
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("exitDescription").asString()).contains("failing at item 25");
        JsonNode fs = step(failed);
        assertThat(fs.get("write").asLong()).isEqualTo(20);
        assertThat(fs.get("commit").asLong()).isEqualTo(2);
        assertThat(fs.get("rollback").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(counted("restart")).isEqualTo(oneTo(20));

        Reply r = post("/api/jobs/executions/" + id + "/restart", "{\"failAt\": 0}");
        long restarted = started(r);
        assertThat(restarted).isNotEqualTo(id);
        assertThat(r.body().get("instanceId").asLong()).isEqualTo(failed.get("instanceId").asLong());
        JsonNode done = awaitEnd(restarted);
        assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(done.get("parameters").get("failAt").asString()).isEqualTo("0");
        JsonNode ds = step(done);
        assertThat(ds.get("read").asLong()).isEqualTo(30); // items 21..50 only
        assertThat(ds.get("write").asLong()).isEqualTo(30);
        assertThat(counted("restart")).isEqualTo(oneTo(50)); // none twice, none lost
    }

    @Test
    void aStoppedRunEndsStoppedAndRestarts() throws Exception {
        long id = started(post("/api/jobs/counting",
                "{\"key\": \"stop\", \"items\": 2000, \"delay\": \"5,java.lang.Long,false\"}"));
        await(id, e -> e.get("status").asString().equals("STARTED") && e.get("steps").size() == 1
                && step(e).get("commit").asLong() >= 1);
        // the same identifying parameters while it runs: refused, naming the running execution
        Reply running = post("/api/jobs/counting", "{\"key\": \"stop\", \"items\": 2000}");
        assertThat(running.status()).isEqualTo(409);
        assertThat(running.body().get("detail").asString()).contains("already running");
        assertThat(running.body().get("executionId").asLong()).isEqualTo(id);
        Reply stop = post("/api/jobs/executions/" + id + "/stop", null);
        assertThat(stop.status()).as("%s", stop.body()).isEqualTo(202);
        JsonNode stopped = awaitEnd(id);
        // Spring Batch ends a run stopped in the middle of a chunk commit as UNKNOWN rather than STOPPED (it cannot
        // tell whether the chunk committed); either way every committed item is there exactly once
        String status = stopped.get("status").asString();
        assertThat(status).isIn("STOPPED", "UNKNOWN");
        long written = step(stopped).get("write").asLong();
        assertThat(written).isLessThan(2000);
        // Spring Batch 6.0.6 can store a stopped step's counts without its last committed chunk (the same stop
        // handling that makes a restart after a stop begin again, see below): the items are a prefix, none twice,
        // and at most one chunk more than the count says
        List<Integer> counted = counted("stop");
        assertThat(counted).isEqualTo(oneTo(counted.size()));
        assertThat(counted.size()).isBetween((int) written, (int) written + 10);

        Reply again = post("/api/jobs/executions/" + id + "/stop", null);
        assertThat(again.status()).isEqualTo(409);

        if (status.equals("UNKNOWN")) {
            return; // an UNKNOWN run is not restartable until an operator abandons it (Spring Batch's rule)
        }
        Reply restart = post("/api/jobs/executions/" + id + "/restart", "{\"delay\": 0}");
        long restarted = started(restart);
        assertThat(restart.body().get("instanceId").asLong()).isEqualTo(stopped.get("instanceId").asLong());
        awaitEnd(restarted);
    }

    /**
     * A stopped run restarts after its last committed chunk. With a step-scoped reader, Spring Batch 6.0.6 stores
     * the reader's position as 0 when the step is stopped (the restart began again: a duplicate key, FAILED); the
     * counting job, like the application's jobs, makes its reader inside a job-scoped step.
     */
    @Test
    void aStoppedRunRestartsAfterItsLastCommittedChunk() throws Exception {
        long id = started(post("/api/jobs/counting",
                "{\"key\": \"stop-resume\", \"items\": 2000, \"delay\": \"5,java.lang.Long,false\"}"));
        await(id, e -> e.get("steps").size() == 1 && step(e).get("commit").asLong() >= 1);
        post("/api/jobs/executions/" + id + "/stop", null);
        long written = step(awaitEnd(id)).get("write").asLong();
        long restarted = started(post("/api/jobs/executions/" + id + "/restart", "{\"delay\": 0}"));
        JsonNode done = awaitEnd(restarted);
        assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(step(done).get("read").asLong()).isEqualTo(2000 - written);
        assertThat(counted("stop-resume")).isEqualTo(oneTo(2000));
    }

    @Test
    void unknownJobsExecutionsAndBadParametersAreProblems() throws Exception {
        Reply unknown = post("/api/jobs/no-such-job", "{\"a\": 1}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.body().get("status").asInt()).isEqualTo(404);
        assertThat(unknown.body().get("detail").asString()).contains("no job named 'no-such-job'").contains("counting");

        Reply missing = post("/api/jobs/counting", "{\"key\": \"bad\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.body().get("detail").asString()).contains("items");


        Reply badType = post("/api/jobs/counting", "{\"key\": \"bad\", \"items\": \"x,java.lang.Long\"}");
        assertThat(badType.status()).isEqualTo(400);

        Reply notJson = post("/api/jobs/counting", "[1, 2");
        assertThat(notJson.status()).isEqualTo(400);

        Reply noExecution = send("GET", "/api/jobs/executions/987654", null);
        assertThat(noExecution.status()).isEqualTo(404);
        assertThat(noExecution.contentType()).startsWith("application/problem+json");
        assertThat(post("/api/jobs/executions/987654/restart", null).status()).isEqualTo(404);
        assertThat(post("/api/jobs/executions/987654/stop", null).status()).isEqualTo(404);
    }

    @Test
    void recentExecutionsNewestFirst() throws Exception {
        long a = started(post("/api/jobs/counting", "{\"key\": \"recent-a\", \"items\": 3}"));
        long b = started(post("/api/jobs/counting", "{\"key\": \"recent-b\", \"items\": 3}"));
        awaitEnd(a);
        awaitEnd(b);
        JsonNode list = get("/api/jobs/executions?limit=2");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("executionId").asLong()).isEqualTo(Math.max(a, b));
        assertThat(list.get(1).get("executionId").asLong()).isEqualTo(Math.min(a, b));
        assertThat(get("/api/jobs/executions?job=counting&limit=100").size()).isGreaterThanOrEqualTo(2);
        assertThat(get("/api/jobs").get("jobs").toString()).contains("counting");
    }

    @Test
    void aJobDescribesTheParametersItTakes() throws Exception {
        JsonNode rescale = get("/api/jobs/rescale");
        assertThat(rescale.get("name").asString()).isEqualTo("rescale");
        assertThat(rescale.get("required")).isEmpty();
        assertThat(rescale.get("optional").valueStream().map(JsonNode::asString).toList())
                .contains("ds", "out", "alpha", "run").isSorted();
        JsonNode snapshot = get("/api/jobs/snapshot");
        assertThat(snapshot.get("required").valueStream().map(JsonNode::asString).toList()).containsExactly("run");
        // counting's validator (Spring Batch's) does not say which names it takes
        JsonNode counting = get("/api/jobs/counting");
        assertThat(counting.get("name").asString()).isEqualTo("counting");
        assertThat(counting.get("required").isNull()).isTrue();
        assertThat(counting.get("optional").isNull()).isTrue();
        Reply unknown = send("GET", "/api/jobs/no-such-job", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("detail").asString()).contains("no job named 'no-such-job'");
        // the executions' list is still what /api/jobs/executions names
        assertThat(get("/api/jobs/executions?limit=1").isArray()).isTrue();
    }

    @Test
    void anExecutionLeftStartedByAKilledProcessIsRecoveredAndRestarted() throws Exception {
        int items = 400;
        Path stderr = HOME.resolve("child.err");
        ChildJvm jvm = ChildJvm.start(CountingJobChild.class, stderr, URL, TestDatabase.user(), HOME.toString(), "killed",
                String.valueOf(items), "20");
        Process child = jvm.process();
        try {
            BlockingQueue<String> lines = jvm.lines();
            long id = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(l).as("child output (stderr: %s)", Files.exists(stderr) ? Files.readString(stderr) : "")
                        .isNotNull().isNotEqualTo("EOF");
                if (l.startsWith("EXECUTION ")) {
                    id = Long.parseLong(l.substring(10).trim());
                } else if (l.startsWith("COMMITTED ")) {
                    break;
                }
            }
            JsonNode running = get("/api/jobs/executions/" + id);
            assertThat(running.get("status").asString()).isEqualTo("STARTED");
            assertThat(running.get("owner").asString()).endsWith(":" + child.pid());
            // alive: neither recovered nor restarted
            Reply refused = post("/api/jobs/executions/" + id + "/recover", null);
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.body().get("detail").asString()).contains("still running");
            assertThat(post("/api/jobs/executions/" + id + "/restart", null).status()).isEqualTo(409);

            child.destroyForcibly(); // SIGKILL: no shutdown hook, the execution stays STARTED
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            JsonNode left = get("/api/jobs/executions/" + id);
            assertThat(left.get("status").asString()).isEqualTo("STARTED");
            long committed = step(left).get("write").asLong();
            assertThat(committed).isGreaterThanOrEqualTo(20).isLessThan(items);
            assertThat(counted("killed")).isEqualTo(oneTo((int) committed));

            Reply recovered = post("/api/jobs/executions/" + id + "/recover", null);
            assertThat(recovered.status()).as("%s", recovered.body()).isEqualTo(200);
            assertThat(recovered.body().get("status").asString()).isEqualTo("FAILED");

            long restarted = started(post("/api/jobs/executions/" + id + "/restart", "{\"delay\": 0}"));
            JsonNode done = awaitEnd(restarted);
            assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(step(done).get("read").asLong()).isEqualTo(items - committed);
            assertThat(step(done).get("write").asLong()).isEqualTo(items - committed);
            assertThat(counted("killed")).isEqualTo(oneTo(items));
        } finally {
            child.destroyForcibly();
        }
    }
}
