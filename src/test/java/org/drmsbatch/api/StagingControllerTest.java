package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.staging.StagingService;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The native staging API over a real socket, against a real catalog and a tape library of tar files: a request by
 * query, by units and by paths is stored before its 202, followed with {@code GET} until its units are back (the
 * staging monitor turned by the test, {@link StagingService#tick()}, so that what is waiting stays waiting until
 * the test moves it), listed newest first, cancelled; bad bodies are 400 problems saying what (a query's position)
 * and store nothing; changes need credentials (401), reads are open.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789",
        "drms.staging.monitor=false", "drms.tape.time-scale=0", "drms.tape.drives=2",
        "drms.tape.volume-capacity=40KB"})
class StagingControllerTest {

    static final Path HOME = JobTests.newHome("drms-staging-api-test");
    static final String TOKEN = "test-token-0123456789";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @LocalServerPort
    int port;
    @Autowired
    StagingService service;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    HttpResponse<String> send(String method, String path, String body, boolean credentials) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (credentials) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode ok(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json.readTree(r.body());
    }

    JsonNode get(String id, boolean files) throws Exception {
        return ok(send("GET", "/api/staging/" + id + (files ? "?files=true" : ""), null, false), 200);
    }

    /** Turns the monitor until the request (read over HTTP) satisfies the condition, at most 60 s. */
    JsonNode tickUntil(String id, Predicate<JsonNode> done) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode r = get(id, false);
            if (done.test(r)) {
                return r;
            }
            assertThat(System.nanoTime()).as("request %s reached the state within 60 s: %s", id, r).isLessThan(end);
            service.tick();
            Thread.sleep(50);
        }
    }

    List<Long> offline(String series, int tapeGroup, int n) {
        List<Long> sunums = TapedUnits.create(drms, series, tapeGroup, n);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        return sunums;
    }

    long requests() {
        return jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);
    }

    @Test
    void aQueryIsStoredBeforeItsAnswerAndFollowedUntilItsUnitsAreBack() throws Exception {
        List<Long> sunums = offline("sapi.query", 21, 3);

        HttpResponse<String> posted = send("POST", "/api/staging", "{\"ds\": \"sapi.query[1-3]\"}", true);

        JsonNode r = ok(posted, 202);
        String id = r.get("id").asString();
        assertThat(posted.headers().firstValue("Location")).contains("/api/staging/" + id);
        assertThat(r.get("kind").asString()).isEqualTo("drms");
        assertThat(r.get("state").asString()).isEqualTo("active");
        assertThat(r.get("ended").asBoolean()).isFalse();
        assertThat(r.get("query").asString()).isEqualTo("sapi.query[1-3]");
        assertThat(r.get("total").asInt()).isEqualTo(3);
        assertThat(r.get("waiting").asInt()).isEqualTo(3);
        assertThat(r.get("percent").asInt()).isZero();
        assertThat(r.has("files")).isFalse();
        Instant created = Instant.parse(r.get("created").asString());
        assertThat(Instant.parse(r.get("expires").asString())).isAfter(created.plus(Duration.ofDays(1)));
        // durable before the answer: the row and the pins are there, nothing has been staged yet
        assertThat(jdbc.queryForObject("SELECT state FROM staging.request WHERE token = ?", String.class, id))
                .isEqualTo("active");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder LIKE 'staging:%'"
                + " AND ds_index = ANY (?)", Long.class, (Object) sunums.toArray(Long[]::new))).isEqualTo(3L);
        JsonNode waiting = get(id, true);
        assertThat(waiting.get("files")).hasSize(3).allSatisfy(f -> {
            assertThat(f.get("state").asString()).isEqualTo("waiting");
            assertThat(f.has("finished")).isFalse();
        });

        JsonNode done = tickUntil(id, n -> n.get("ended").asBoolean());

        assertThat(done.get("state").asString()).isEqualTo("notified");
        assertThat(done.get("ready").asInt()).isEqualTo(3);
        assertThat(done.get("percent").asInt()).isEqualTo(100);
        assertThat(done.get("return_code").asInt()).isZero();
        assertThat(done.get("comment").asString()).isEqualTo("All 3 files staged successfully");
        JsonNode files = get(id, true).get("files");
        List<String> paths = new ArrayList<>();
        for (JsonNode f : files) {
            paths.add(f.get("path").asString());
            assertThat(f.get("state").asString()).isEqualTo("ready");
            assertThat(Instant.parse(f.get("finished").asString()))
                    .isAfterOrEqualTo(Instant.parse(f.get("started").asString()));
        }
        assertThat(paths).containsExactlyInAnyOrderElementsOf(sunums.stream().map(s -> "D" + s).toList());
        // and the data are back
        Map<Integer, float[]> images = TapedUnits.images(drms, "sapi.query");
        assertThat(images).hasSize(3);
        images.forEach((fsn, values) -> assertThat(values).isEqualTo(TapedUnits.image(fsn)));
    }

    @Test
    void unitsAndPathsAreTakenAndTheUnknownOnesAreInErrorWithTheReason() throws Exception {
        List<Long> sunums = offline("sapi.units", 22, 2);
        long s = sunums.get(0);

        String byUnit = ok(send("POST", "/api/staging", "{\"sunum\": [" + s + ", \"" + s + "\", 987654321]}", true),
                202).get("id").asString();
        String byPath = ok(send("POST", "/api/staging", "{\"paths\": [\"/SUM0/D" + sunums.get(1)
                + "/S00000/image.fits\", \" /no//unit/here.fits \"]}", true), 202).get("id").asString();

        JsonNode unit = tickUntil(byUnit, n -> n.get("ended").asBoolean());
        assertThat(unit.get("total").asInt()).as("a unit named twice is one file").isEqualTo(2);
        assertThat(unit.get("ready").asInt()).isEqualTo(1);
        assertThat(unit.get("error").asInt()).isEqualTo(1);
        assertThat(unit.get("return_code").asInt()).isEqualTo(5);
        assertThat(get(byUnit, true).get("files")).anySatisfy(f -> {
            assertThat(f.get("path").asString()).isEqualTo("D987654321");
            assertThat(f.get("reason").asString()).isEqualTo("unknown storage unit 987654321");
        });
        JsonNode path = tickUntil(byPath, n -> n.get("ended").asBoolean());
        assertThat(path.get("ready").asInt()).isEqualTo(1);
        assertThat(get(byPath, true).get("files")).anySatisfy(f -> {
            assertThat(f.get("path").asString()).isEqualTo("/no/unit/here.fits");
            assertThat(f.get("reason").asString()).contains("names no storage unit");
        }).anySatisfy(f -> assertThat(f.get("path").asString())
                .isEqualTo("/SUM0/D" + sunums.get(1) + "/S00000/image.fits"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{}                                            | exactly one of sunum, ds or paths",
            "{\"sunum\": [1], \"ds\": \"sapi.bad\"}         | exactly one of sunum, ds or paths (2 were given)",
            "{\"ds\": \"sapi.bad[\"}                        | query: bad query at position",
            "{\"ds\": \"no.such.series\"}                   | query: bad query at position 1",
            "{\"ds\": \"  \"}                               | ds: the query is empty",
            "{\"ds\": 5}                                    | ds: must be a string",
            "{\"sunum\": []}                                | sunum: names no storage unit",
            "{\"sunum\": [\"12a\"]}                         | sunum: '12a' is not a storage unit number",
            "{\"sunum\": [-3]}                              | sunum: -3 is not a storage unit number",
            "{\"sunum\": 1.5}                               | sunum: 1.5 is not a storage unit number",
            "{\"paths\": [7]}                               | paths: 7 is not a path",
            "{\"paths\": [\"\"]}                            | a file path is empty",
            "{\"sunum\": [1], \"job_id\": 3}                | unknown field(s) job_id",
            "{\"sunum\": [1], \"notify_url\": \"http://169.254.169.254/x\"} | drms.staging.callback-hosts",
            "[1, 2]                                         | not a JSON object",
            "`{\"ds\": `                                    | not a JSON object"})
    void aBadRequestIsA400ProblemSayingWhatAndStoresNothing(String body, String expected) throws Exception {
        long before = requests();

        HttpResponse<String> r = send("POST", "/api/staging", body, true);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(json.readTree(r.body()).get("detail").asString()).contains(expected);
        assertThat(requests()).isEqualTo(before);
    }

    @Test
    void aQueryErrorShowsWhereInTheQuery() throws Exception {
        TapedUnits.create(drms, "sapi.where", 23, 1);
        JsonNode problem = ok(send("POST", "/api/staging", "{\"ds\": \"sapi.where[1-3][? NOSUCH > 1 ?]\"}", true),
                400);
        assertThat(problem.get("detail").asString()).contains("bad query at position").contains("NOSUCH")
                .contains("^");
    }

    @Test
    void changesNeedCredentialsAndReadsAreOpen() throws Exception {
        long before = requests();
        for (HttpResponse<String> r : List.of(send("POST", "/api/staging", "{\"sunum\": [1]}", false),
                send("DELETE", "/api/staging/whatever", null, false))) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
        }
        assertThat(requests()).isEqualTo(before);
        HttpRequest wrong = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/staging"))
                .header("Authorization", "Bearer not-the-token-0123456789").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sunum\": [1]}")).build();
        assertThat(http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/staging", null, false).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/staging/no-such-request", null, false).statusCode()).isEqualTo(404);
    }

    @Test
    void aCancelledRequestStopsWaitingGivesUpItsPinsAndIsListedOnlyWithAll() throws Exception {
        List<Long> sunums = offline("sapi.cancel", 24, 2);
        String first = ok(send("POST", "/api/staging", "{\"sunum\": [" + sunums.get(0) + "," + sunums.get(1) + "]}",
                true), 202).get("id").asString();
        String second = ok(send("POST", "/api/staging", "{\"sunum\": [" + sunums.get(0) + "]}", true), 202)
                .get("id").asString();

        JsonNode listed = ok(send("GET", "/api/staging", null, false), 200);
        List<String> ids = new ArrayList<>();
        listed.forEach(n -> ids.add(n.get("id").asString()));
        assertThat(ids).as("newest first").containsSubsequence(second, first);

        JsonNode cancelled = ok(send("DELETE", "/api/staging/" + first, null, true), 200);

        assertThat(cancelled.get("state").asString()).isEqualTo("cancelled");
        assertThat(cancelled.get("ended").asBoolean()).isTrue();
        assertThat(cancelled.get("cancelled").asInt()).isEqualTo(2);
        assertThat(cancelled.get("waiting").asInt()).isZero();
        long firstId = service.existing(first).id();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder = ?", Long.class,
                StagingStore.holder(firstId))).isZero();
        // the other request still wants its unit: it is staged for it alone
        JsonNode other = tickUntil(second, n -> n.get("ended").asBoolean());
        assertThat(other.get("ready").asInt()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                sunums.get(1))).as("the unit only the cancelled request wanted stays on tape").isEqualTo("N");

        HttpResponse<String> again = send("DELETE", "/api/staging/" + first, null, true);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(json.readTree(again.body()).get("detail").asString()).contains("has ended (cancelled)");
        assertThat(send("DELETE", "/api/staging/no-such-request", null, true).statusCode()).isEqualTo(404);

        List<String> live = new ArrayList<>();
        ok(send("GET", "/api/staging", null, false), 200).forEach(n -> live.add(n.get("id").asString()));
        assertThat(live).doesNotContain(first);
        List<String> all = new ArrayList<>();
        ok(send("GET", "/api/staging?all=true", null, false), 200).forEach(n -> all.add(n.get("id").asString()));
        assertThat(all).contains(first, second);
        assertThat(send("GET", "/api/staging?limit=0", null, false).statusCode()).isEqualTo(400);
    }
}
