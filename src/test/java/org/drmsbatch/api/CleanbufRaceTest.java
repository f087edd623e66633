package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.config.ApiToken;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /cleanbuf} (the snapshot job) against a collect of the same buffer: while the collect reads the buffer,
 * {@code /cleanbuf} is refused with 409 problem JSON naming the collect's execution and moves nothing; started at
 * the same moment, exactly one of the two goes first and the other never sees half of it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=1GB",
        FaultInjectionTestConfiguration.PROPERTY})
class CleanbufRaceTest {

    static final Path HOME = JobTests.newHome("drms-cleanbuf-race-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    ApiToken token;

    @Autowired
    DataBuffer buffer;
    @Autowired
    JobControl jobs;

    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.header("Authorization", token.bearer()).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    Answer get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    Answer post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static String chunk(int n, double t0) {
        StringBuilder b = new StringBuilder("{\"h\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(1.5e-21 * Math.cos(i * 0.1));
        }
        return b.append("], \"t\": [").append(t0).append(", 0.000244140625]}").toString();
    }

    JobRun awaitEnd(long id) throws InterruptedException {
        return JobTests.awaitEnd(jobs, id, 120);
    }

    Snapshot snapshot(String name) throws Exception {
        return buffer.snapshots().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @BeforeEach
    void empty() throws Exception {
        assertThat(post("/cleanbuf", "{\"msg\": \"reset\"}").json().get("resp").asString()).isEqualTo("CLEANED");
    }

    @Test
    void cleanbufWhileACollectRunsIsRefusedWith409NamingItAndMovesNothing() throws Exception {
        // given 40 chunks streamed in, and a collect slowed down to 50 ms a chunk reading them
        for (int i = 0; i < 40; i++) {
            assertThat(post("/streamdata", chunk(300, i * 300 / 4096.0)).json().get("resp").asString())
                    .isEqualTo("CREATED");
        }
        List<String> names = new ArrayList<>();
        get("/dumpbuf").json().get("nmlist").forEach(n -> names.add(n.asString()));
        assertThat(names).hasSize(40);
        long collect = jobs.start("collect", Map.of("run", "busy", "series", "gw.strain_busy", "chunkSize", "5",
                "delay", "50,java.lang.Long,false")).executionId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.view(collect).steps().isEmpty() || jobs.view(collect).steps().get(0).commit() < 1) {
            assertThat(System.nanoTime()).as("a first commit within a minute").isLessThan(deadline);
            Thread.sleep(20);
        }

        // when /cleanbuf is called in the middle of it
        Answer refused = post("/cleanbuf", "{\"msg\": \"now\"}");

        // then it is refused with 409 problem JSON naming the collect, and nothing moved
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        JsonNode problem = refused.json();
        assertThat(problem.get("detail").asString()).contains("collect execution " + collect);
        assertThat(problem.get("holders")).extracting(JsonNode::asString)
                .containsExactly("collect execution " + collect);
        assertThat(get("/desc").json().get("resp").asString()).isEqualTo("OPERATIONAL");

        // and the collect reads every chunk, skipping none
        JobRun done = awaitEnd(collect);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).read()).isEqualTo(40);
        assertThat(done.steps().get(0).write()).isEqualTo(40);
        assertThat(done.steps().get(0).readSkip()).isZero();
        List<String> after = new ArrayList<>();
        get("/dumpbuf").json().get("nmlist").forEach(n -> after.add(n.asString()));
        assertThat(after).containsExactlyElementsOf(names);

        // and once it has ended /cleanbuf takes them all
        Answer cleaned = post("/cleanbuf", "{\"msg\": \"later\"}");
        assertThat(cleaned.status()).isEqualTo(200);
        assertThat(cleaned.json().get("resp").asString()).isEqualTo("CLEANED");
        assertThat(snapshot(cleaned.json().get("snapshot").asString()).files()).extracting(Snapshot.Entry::name)
                .containsExactlyElementsOf(names);
    }

    @Test
    void cleanbufAndACollectStartedTogetherNeverOverlap() throws Exception {
        for (int round = 0; round < 6; round++) {
            // given 20 buffered chunks
            for (int i = 0; i < 20; i++) {
                buffer.store(new Chunk(new double[] {round, i, -i}, 100.0 * round + i, 0.25));
            }
            // when /cleanbuf comes in as a collect starts (launched one after the other: concurrent launches
            // are another matter; the two jobs then run at the same moment)
            long collect = jobs.start("collect", Map.of("run", "together-" + round, "series",
                    "gw.strain_together", "chunkSize", "4", "delay", "5,java.lang.Long,false")).executionId();
            Answer cleaned = post("/cleanbuf", "{\"msg\": \"together\"}");
            JobRun read = awaitEnd(collect);

            // then the collect never misses a chunk: it ends COMPLETED having skipped nothing
            JobRun.Step step = read.steps().get(0);
            assertThat(read.status()).as("round %s: %s", round, read).isEqualTo("COMPLETED");
            assertThat(step.readSkip()).as("round %s: %s", round, read).isZero();
            assertThat(step.write()).isEqualTo(step.read());
            if (cleaned.status() == 409) {
                // the collect went first: it read all 20, and /cleanbuf moved nothing
                assertThat(cleaned.json().get("detail").asString())
                        .contains("collect execution " + read.executionId());
                assertThat(step.read()).as("round %s", round).isEqualTo(20);
                assertThat(buffer.fileNames()).hasSize(20);
                assertThat(post("/cleanbuf", "{\"msg\": \"after\"}").json().get("resp").asString())
                        .isEqualTo("CLEANED");
            } else {
                // the snapshot went first: it took all 20, and the collect found none
                assertThat(cleaned.status()).as(cleaned.body()).isEqualTo(200);
                assertThat(cleaned.json().get("resp").asString()).as(cleaned.body()).isEqualTo("CLEANED");
                assertThat(snapshot(cleaned.json().get("snapshot").asString()).files()).hasSize(20);
                assertThat(step.read()).as("round %s", round).isZero();
            }
            assertThat(buffer.fileNames()).isEmpty();
        }
    }
}
