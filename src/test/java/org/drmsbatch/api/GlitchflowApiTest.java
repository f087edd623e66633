package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.drmsbatch.config.ApiToken;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The glitchflow HTTP contract over a real socket: what an existing gwclient and the Trainpipe DAG see. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=10000B",
        "drms.buffer.max-chunk-bytes=100KB"})
class GlitchflowApiTest {

    static final Path home = newHome();

    private static Path newHome() {
        try {
            return Files.createTempDirectory("drms-api-test-home");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ApiToken token;

    @LocalServerPort
    int port;

    @Autowired
    DataBuffer buffer;
    @Autowired
    JobControl jobs;

    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    Answer get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    Answer post(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").header("Authorization", token.bearer())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    static String chunk(int n, double t0) {
        StringBuilder b = new StringBuilder("{\"h\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(1.234567890123e-21 * Math.sin(i * 0.1));
        }
        return b.append("], \"t\": [").append(t0).append(", 0.000244140625]}").toString();
    }

    @BeforeEach
    void emptyAndOperational() throws Exception {
        assertThat(post("/cleanbuf", "{\"msg\": \"reset\"}").json().get("resp").asString()).isEqualTo("CLEANED");
    }

    @Test
    void aFreshBufferIsEmptyAndOperational() throws Exception {
        Answer stats = get("/stats");
        assertThat(stats.status()).isEqualTo(200);
        assertThat(stats.contentType()).startsWith("application/json");
        assertThat(stats.json().toString()).isEqualTo("{\"n_itm\":0,\"buff_size\":0}");
        assertThat(get("/dumpbuf").json().toString()).isEqualTo("{\"nmlist\":[]}");
        assertThat(get("/desc").json().toString()).isEqualTo("{\"resp\":\"OPERATIONAL\"}");
        assertThat(post("/train", "{\"user\":\"airflow\",\"token\":\"airflow\"}").json().toString())
                .isEqualTo("{\"resp\":\"WAITING\"}");
    }

    @Test
    void theTrainpipeFlow() throws Exception {
        // gwclient: three 300-sample chunks, concurrently
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<Answer>> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            double t0 = (11700 + 1 + 300 * i) / 4096.0;
            sent.add(pool.submit(() -> post("/streamdata", chunk(300, t0))));
        }
        List<String> names = new ArrayList<>();
        long bytes = 0;
        for (Future<Answer> f : sent) {
            Answer a = f.get();
            assertThat(a.status()).isEqualTo(200);
            JsonNode j = a.json();
            assertThat(j.propertyNames()).containsExactly("resp", "body");
            assertThat(j.get("resp").asString()).isEqualTo("CREATED");
            JsonNode go = JSON.readTree(j.get("body").asString());
            assertThat(go.get("code").asString()).isEqualTo("RES_CREATE");
            String text = go.get("body").asString();
            assertThat(text).matches("Written gwb\\d{19}\\.jsonfor \\d+ bytes");
            names.add(text.substring(8, 8 + 27));
            bytes += Long.parseLong(text.replaceAll(".*for (\\d+) bytes", "$1"));
        }
        pool.shutdown();
        assertThat(get("/stats").json().toString()).isEqualTo("{\"n_itm\":3,\"buff_size\":" + bytes + "}");
        assertThat(get("/dumpbuf").json().get("nmlist")).extracting(JsonNode::asString)
                .containsExactlyInAnyOrderElementsOf(names);
        for (String n : names) {
            assertThat(Files.size(buffer.dataDirectory().resolve(n))).isPositive();
        }
        // the DAG: POST /train freezes (3 chunks are over 10000 bytes)
        Answer train = post("/train", "{\"user\":\"airflow\",\"token\":\"airflow\"}");
        assertThat(train.status()).isEqualTo(200);
        assertThat(train.json().toString())
                .isEqualTo("{\"resp\":\"FROZEN\",\"n_f\":3,\"bt_wrt\":" + bytes + "}");
        assertThat(get("/desc").json().toString()).isEqualTo("{\"resp\":\"FROZEN\"}");
        assertThat(buffer.describe().user()).isEqualTo("airflow");
        // frozen: refused as the original answers, nothing stored
        Answer refused = post("/streamdata", chunk(300, 5));
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.json().toString()).isEqualTo("{\"resp\":\"FROZEN\",\"body\":\"Datastore frozen.\"}");
        assertThat(get("/stats").json().get("n_itm").asInt()).isEqualTo(3);
        // the status page
        Answer page = get("/dspage");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("FROZEN").contains(Long.toString(bytes)).contains(names.get(0))
                .contains("airflow");
        // cleanbuf: snapshot on disk with its manifest, reopened and empty
        Answer clean = post("/cleanbuf", "{\"msg\": \"done\"}");
        assertThat(clean.status()).isEqualTo(200);
        JsonNode c = clean.json();
        assertThat(c.get("resp").asString()).isEqualTo("CLEANED");
        assertThat(c.get("body").asString()).isEqualTo("{\"code\":\"STAT_UPD\",\"body\":\"Buffer cleaned\"}");
        // it ran the snapshot job, which is in the job history like any other run
        JobRun job = jobs.view(c.get("execution").asLong());
        assertThat(job.job()).isEqualTo("snapshot");
        assertThat(job.status()).isEqualTo("COMPLETED");
        Path snap = home.resolve("buffer").resolve("snapshots").resolve(c.get("snapshot").asString());
        JsonNode manifest = JSON.readTree(snap.resolve("manifest.json").toFile());
        assertThat(manifest.get("n_itm").asInt()).isEqualTo(3);
        assertThat(manifest.get("buff_size").asLong()).isEqualTo(bytes);
        for (JsonNode f : manifest.get("files")) {
            Path file = snap.resolve(f.get("name").asString());
            assertThat(names).contains(f.get("name").asString());
            assertThat(Files.size(file)).isEqualTo(f.get("bytes").asLong());
            assertThat(f.get("sha256").asString()).matches("[0-9a-f]{64}");
        }
        assertThat(get("/stats").json().toString()).isEqualTo("{\"n_itm\":0,\"buff_size\":0}");
        assertThat(get("/dumpbuf").json().toString()).isEqualTo("{\"nmlist\":[]}");
        assertThat(get("/desc").json().toString()).isEqualTo("{\"resp\":\"OPERATIONAL\"}");
        assertThat(post("/streamdata", chunk(10, 1)).json().get("resp").asString()).isEqualTo("CREATED");
    }

    @Test
    void aFailedCleanbufSaysWhyWithoutTheServersPaths() throws Exception {
        post("/streamdata", chunk(50, 0));
        Path snapshots = buffer.directory().resolve("snapshots");
        Path aside = buffer.directory().resolve("snapshots-aside");
        Files.move(snapshots, aside);
        Files.writeString(snapshots, "a file where the snapshots directory belongs\n");
        try {
            Answer failed = post("/cleanbuf", "{\"msg\": \"broken\"}");
            assertThat(failed.status()).isEqualTo(200);
            assertThat(failed.json().get("resp").asString()).isEqualTo("FS ERR");
            assertThat(failed.json().get("body").asString()).startsWith("Broken FS: ")
                    .contains("snapshots").doesNotContain(home.toString());
        } finally {
            Files.delete(snapshots);
            Files.move(aside, snapshots);
        }
        // with the directory back, the next /cleanbuf takes the chunk: nothing was lost, nothing stays behind
        Answer clean = post("/cleanbuf", "{\"msg\": \"again\"}");
        assertThat(clean.json().get("resp").asString()).as(clean.body()).isEqualTo("CLEANED");
        assertThat(get("/stats").json().toString()).as(clean.body() + " " + buffer.describe())
                .isEqualTo("{\"n_itm\":0,\"buff_size\":0}");
    }

    @Test
    void trainWaitsBelowTheThreshold() throws Exception {
        post("/streamdata", chunk(50, 0));
        assertThat(post("/train", "{\"user\":\"airflow\",\"token\":\"airflow\"}").json().toString())
                .isEqualTo("{\"resp\":\"WAITING\"}");
        assertThat(get("/desc").json().get("resp").asString()).isEqualTo("OPERATIONAL");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "not JSON          | hello                                  | not JSON            | ~~",
            "an array          | [1, 2]                                 | a JSON object       | ~~",
            "empty body        | ~~                                     | empty               | ~~",
            "h missing         | ~{\"t\": [0, 1]}~                      | missing member h    | /h",
            "h empty           | ~{\"h\": [], \"t\": [0, 1]}~           | h is empty          | /h",
            "h a string        | ~{\"h\": [1, \"x\"], \"t\": [0, 1]}~   | h[1] is a string    | /h/1",
            "h null            | ~{\"h\": [null], \"t\": [0, 1]}~       | h[0] is null        | /h/0",
            "h NaN             | ~{\"h\": [NaN], \"t\": [0, 1]}~        | not JSON            | ~~",
            "h overflow        | ~{\"h\": [-1e999], \"t\": [0, 1]}~     | not a finite        | /h/0",
            "t missing         | ~{\"h\": [1]}~                         | missing member t    | /t",
            "t one number      | ~{\"h\": [1], \"t\": [0]}~             | t must be [t0, dt]  | /t",
            "t three numbers   | ~{\"h\": [1], \"t\": [0, 1, 2]}~       | t must be [t0, dt]  | /t",
            "t not an array    | ~{\"h\": [1], \"t\": 5}~               | must be an array    | /t",
            "dt zero           | ~{\"h\": [1], \"t\": [0, 0]}~          | dt must be > 0      | /t/1",
            "dt negative       | ~{\"h\": [1], \"t\": [0, -1]}~         | dt must be > 0      | /t/1",
    })
    void badChunksGet400ProblemJsonAndNothingIsCounted(String name, String body, String message, String pointer)
            throws Exception {
        Answer a = post("/streamdata", body);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.contentType()).startsWith("application/problem+json");
        JsonNode p = a.json();
        assertThat(p.get("status").asInt()).isEqualTo(400);
        assertThat(p.get("type").asString()).isEqualTo("urn:drms-batch:problem:invalid-chunk");
        assertThat(p.get("title").asString()).isEqualTo("Invalid chunk");
        assertThat(p.get("detail").asString()).contains(message);
        assertThat(p.get("pointer").asString()).isEqualTo(pointer);
        assertThat(p.get("instance").asString()).isEqualTo("/streamdata");
        assertThat(get("/stats").json().toString()).isEqualTo("{\"n_itm\":0,\"buff_size\":0}");
        assertThat(get("/dumpbuf").json().toString()).isEqualTo("{\"nmlist\":[]}");
        try (var files = Files.list(buffer.dataDirectory())) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theProblemSaysLineAndColumn() throws Exception {
        JsonNode p = post("/streamdata", "{\"h\": [1,\n 2, \"3\"], \"t\": [0, 1]}").json();
        assertThat(p.get("pointer").asString()).isEqualTo("/h/2");
        assertThat(p.get("line").asInt()).isEqualTo(2);
        assertThat(p.get("column").asInt()).isEqualTo(5);
        assertThat(p.get("detail").asString()).contains("line 2 column 5");
    }

    @Test
    void aBodyOverTheLimitGets400AndNothingIsCounted() throws Exception {
        String big = chunk(6000, 0); // about 140 KB, over 100KB
        assertThat(big.length()).isGreaterThan(100 * 1024);
        Answer a = post("/streamdata", big);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.json().get("detail").asString()).contains("over the limit of 102400 bytes");
        assertThat(get("/stats").json().toString()).isEqualTo("{\"n_itm\":0,\"buff_size\":0}");
        // just under the limit is fine
        assertThat(post("/streamdata", chunk(3000, 0)).json().get("resp").asString()).isEqualTo("CREATED");
    }

    @Test
    void theLimitAppliesToTheBodyReceivedNotToTheStoredText() throws Exception {
        // integer samples with another member: stored as the canonical text, "1.0," for each "1,", twice the body
        StringBuilder b = new StringBuilder("{\"h\": [");
        for (int i = 0; b.length() < 95 * 1024; i++) {
            b.append(i == 0 ? "" : ",").append(i % 10);
        }
        String body = b.append("], \"t\": [0, 1], \"note\": \"x\"}").toString();
        assertThat(body.length()).isLessThan(100 * 1024);
        Answer a = post("/streamdata", body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().get("resp").asString()).isEqualTo("CREATED");
        JsonNode stats = get("/stats").json();
        assertThat(stats.get("n_itm").asLong()).isEqualTo(1);
        assertThat(stats.get("buff_size").asLong()).isGreaterThan(100 * 1024);
    }

    @Test
    void badTrainBodiesGet400() throws Exception {
        for (String body : List.of("nope", "[]", "{\"user\": \"a\"}", "{\"user\": 1, \"token\": \"t\"}")) {
            Answer a = post("/train", body);
            assertThat(a.status()).as(body).isEqualTo(400);
            assertThat(a.contentType()).startsWith("application/problem+json");
            assertThat(a.json().get("detail").asString()).isNotBlank();
        }
        assertThat(get("/desc").json().get("resp").asString()).isEqualTo("OPERATIONAL");
    }

    @Test
    void manyConcurrentClientsKeepExactCounters() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Answer>> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double t0 = i;
            sent.add(pool.submit(() -> post("/streamdata", chunk(20 + (int) t0 % 5, t0))));
        }
        long bytes = 0;
        for (Future<Answer> f : sent) {
            String text = JSON.readTree(f.get().json().get("body").asString()).get("body").asString();
            bytes += Long.parseLong(text.replaceAll(".*for (\\d+) bytes", "$1"));
        }
        pool.shutdown();
        assertThat(get("/stats").json().toString()).isEqualTo("{\"n_itm\":200,\"buff_size\":" + bytes + "}");
        assertThat(get("/dumpbuf").json().get("nmlist")).hasSize(200).doesNotHaveDuplicates();
    }
}
