package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The WLCG Tape REST API v1 over a real socket, against a real catalog and tape library of tar files, the staging
 * monitor turning every 200 ms: discovery, every endpoint with good and bad input and the spec's error bodies, a file
 * staged from tape that then downloads with the bytes that were archived, two requests sharing a unit that is read
 * once, and gfal2 (the WLCG client library, through its Python API) doing bring_online, bring_online_poll,
 * archive_poll, release and abort_bring_online.
 *
 * <p>Where a test needs files to stay SUBMITTED, it holds the monitor's advisory lock (the monitor skips its turn
 * while another session holds it), so nothing is asked of the tape until the test lets go.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=" + WlcgTapeApiTest.TOKEN,
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB",
        "drms.staging.check-interval=200ms", "drms.staging.sitename=drms-test-tape",
        "drms.staging.max-disk-lifetime=2h"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WlcgTapeApiTest {

    static final String TOKEN = "wlcg-test-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-wlcg-test");
    static final String API = "/api/tape/v1";
    static final Path PYTHON = Path.of("/usr/bin/python3");

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
    DataSource dataSource;
    @Autowired
    TapeArchive archive;
    @Autowired
    TarTapeLibrary library;
    @Autowired
    StagingStore store;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    // ---- HTTP ----

    HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, "Bearer " + TOKEN);
    }

    JsonNode read(HttpResponse<String> r) {
        return json.readTree(r.body());
    }

    String stageBody(List<String> paths) {
        List<Map<String, Object>> files = new ArrayList<>();
        for (String p : paths) {
            files.add(Map.of("path", p));
        }
        return json.writeValueAsString(Map.of("files", files));
    }

    String pathsBody(String... paths) {
        return json.writeValueAsString(Map.of("paths", List.of(paths)));
    }

    /** POST stage → 201; the request id. */
    String stage(String body) throws Exception {
        HttpResponse<String> r = send("POST", API + "/stage", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return read(r).get("requestId").asString();
    }

    JsonNode poll(String id) throws Exception {
        HttpResponse<String> r = send("GET", API + "/stage/" + id, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return read(r);
    }

    /** The poll's files by path. */
    static Map<String, JsonNode> files(JsonNode status) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        status.get("files").forEach(f -> out.put(f.get("path").asString(), f));
        return out;
    }

    JsonNode awaitDone(String id) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = poll(id);
            return last[0].has("completedAt");
        });
        return last[0];
    }

    void assertProblem(HttpResponse<String> r, int status, String title, String detail) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode p = read(r);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asString()).isEqualTo(title);
        assertThat(p.get("detail").asString()).isEqualTo(detail);
    }

    // ---- fixtures ----

    /** The download path of a unit's file: /download/sums/<partition>/D<sunum>/<rel>. */
    String path(long sunum, String rel) {
        Sums.Info i = drms.read(s -> s.storageUnitInfo(List.of(sunum))).get(sunum);
        return "/download/sums/" + i.path().getParent().getFileName() + "/D" + sunum + "/" + rel;
    }

    /** A unit's image (TapedUnits writes one per unit, beside the unit's Records.txt): its relative path, bytes. */
    static Map.Entry<String, byte[]> only(Map<String, byte[]> files) {
        String image = "S00000/image.fits";
        assertThat(files.keySet()).contains(image);
        return Map.entry(image, files.get(image));
    }

    /** Units on tape and offline: their download paths (taken while online) to the bytes archived. */
    Map<String, byte[]> taped(String series, int group, int n) {
        List<Long> sunums = TapedUnits.create(drms, series, group, n);
        TapedUnits.archive(drms, archive, sunums, 1);
        Map<Long, Map<String, byte[]>> files = TapedUnits.files(drms, sunums);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (long s : sunums) {
            Map.Entry<String, byte[]> f = only(files.get(s));
            out.put(path(s, f.getKey()), f.getValue());
        }
        TapedUnits.takeOffline(drms, jdbc, sunums);
        return out;
    }

    static long sunum(String path) {
        for (String part : path.split("/")) {
            if (part.matches("D\\d+")) {
                return Long.parseLong(part.substring(1));
            }
        }
        throw new IllegalArgumentException(path);
    }

    /** Runs {@code work} while this test holds the staging monitor's lock: no file is asked of the tape meanwhile. */
    <T> T monitorPaused(Callable<T> work) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(hashtext('staging.monitor'))");
            try {
                return work.call();
            } finally {
                s.execute("SELECT pg_advisory_unlock(hashtext('staging.monitor'))");
            }
        }
    }

    long tapeBytes(List<Long> sunums) {
        return jdbc.queryForObject("SELECT sum(bytes) FROM sums.sum_file WHERE ds_index = ANY (?)", Long.class,
                (Object) sunums.toArray(Long[]::new));
    }

    StagingRequest request(String token) {
        return store.byToken(token).orElseThrow();
    }

    List<Long> pinned(String token) {
        return jdbc.queryForList("SELECT ds_index FROM sums.sum_pin WHERE holder = ? ORDER BY ds_index", Long.class,
                StagingStore.holder(request(token).id()));
    }

    // ---- tests ----

    @Test
    @Order(1)
    void twoRequestsSharingAUnitReadItFromTapeOnce() throws Exception {
        Map<String, byte[]> taped = taped("wlcg.shared", 21, 3);
        List<String> paths = new ArrayList<>(taped.keySet());
        List<Long> sunums = paths.stream().map(WlcgTapeApiTest::sunum).toList();
        long before = library.counters().bytesRead();

        String[] ids = monitorPaused(() -> new String[] {stage(stageBody(paths.subList(0, 2))),
                stage(stageBody(paths.subList(1, 3)))});
        JsonNode a = awaitDone(ids[0]);
        JsonNode b = awaitDone(ids[1]);

        assertThat(files(a).values()).extracting(f -> f.get("state").asString()).containsOnly("COMPLETED");
        assertThat(files(b).values()).extracting(f -> f.get("state").asString()).containsOnly("COMPLETED");
        assertThat(library.counters().bytesRead() - before).as("each unit read once").isEqualTo(tapeBytes(sunums));
    }

    @Test
    @Order(2)
    void discoveryIsOpenAndNamesTheV1Endpoint() throws Exception {
        HttpResponse<String> r = send("GET", "/.well-known/wlcg-tape-rest-api", null, null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode d = read(r);
        assertThat(d.get("sitename").asString()).isEqualTo("drms-test-tape");
        assertThat(d.get("description").asString()).isNotBlank();
        assertThat(d.get("endpoints")).hasSize(1);
        JsonNode e = d.get("endpoints").get(0);
        assertThat(e.get("uri").asString()).isEqualTo("http://127.0.0.1:" + port + "/api/tape/v1");
        assertThat(e.get("version").asString()).isEqualTo("v1");
        assertThat(e.get("metadata").isObject()).isTrue();
        // the same with the host name the client used
        HttpResponse<String> byName = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/.well-known/wlcg-tape-rest-api")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read(byName).get("endpoints").get(0).get("uri").asString())
                .isEqualTo("http://localhost:" + port + "/api/tape/v1");
    }

    @Test
    @Order(3)
    void aStagedFileCompletesAndThenDownloadsWithTheBytesArchived() throws Exception {
        Map<String, byte[]> taped = taped("wlcg.flow", 22, 2);
        List<String> paths = new ArrayList<>(taped.keySet());
        String p0 = paths.get(0);
        // duplicate slashes (sanitised), a disk lifetime, metadata for this site and another, an unknown member
        String body = """
                {"files": [
                  {"path": "%s", "diskLifetime": "PT1H",
                   "targetedMetadata": {"other-site": {"activity": "x"}, "drms-test-tape": {"a": 1}}},
                  {"path": "%s", "somethingElse": [1, 2]}
                ], "extra": true}""".formatted(p0.replace("/sums/", "//sums//"), paths.get(1));

        Instant submitted = Instant.now();
        JsonNode first = monitorPaused(() -> {
            HttpResponse<String> r = send("POST", API + "/stage/", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            String id = read(r).get("requestId").asString();
            assertThat(r.headers().firstValue("Location")).contains("http://127.0.0.1:" + port + API + "/stage/"
                    + id);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            return poll(id);
        });
        String id = first.get("id").asString();
        assertThat(files(first).keySet()).containsExactlyInAnyOrderElementsOf(paths);
        assertThat(files(first).values()).allSatisfy(f -> {
            assertThat(f.get("state").asString()).isEqualTo("SUBMITTED");
            assertThat(f.has("startedAt")).isFalse();
            assertThat(f.has("onDisk")).isFalse();
        });
        assertThat(first.has("completedAt")).isFalse();
        assertThat(first.get("startedAt").asLong()).isEqualTo(first.get("createdAt").asLong());
        // the pins last the disk lifetime asked for, not the request's 2 days
        assertThat(pinned(id)).hasSize(2);
        Instant pinEnd = jdbc.queryForObject("SELECT max(expires) FROM sums.sum_pin WHERE holder = ?",
                java.sql.Timestamp.class, StagingStore.holder(request(id).id())).toInstant();
        assertThat(pinEnd).isBetween(submitted.plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofHours(1)));

        JsonNode done = awaitDone(id);

        assertThat(done.get("id").asString()).isEqualTo(id);
        long created = done.get("createdAt").asLong();
        assertThat(files(done).values()).allSatisfy(f -> {
            assertThat(f.get("state").asString()).isEqualTo("COMPLETED");
            assertThat(f.has("error")).isFalse();
            assertThat(f.get("startedAt").asLong()).isBetween(created, f.get("finishedAt").asLong());
        });
        assertThat(done.get("startedAt").asLong()).isBetween(created, done.get("completedAt").asLong());
        for (Map.Entry<String, byte[]> f : taped.entrySet()) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + f.getKey())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).as(f.getKey()).isEqualTo(200);
            assertThat(r.body()).as(f.getKey()).isEqualTo(f.getValue());
        }
        // the trailing-slash form of the poll answers the same
        assertThat(read(send("GET", API + "/stage/" + id + "/", null)).get("id").asString()).isEqualTo(id);
    }

    @Test
    @Order(4)
    void filesThatAreNotOnTapeAreTakenAndReportedFailed() throws Exception {
        List<Long> online = TapedUnits.create(drms, "wlcg.online", 23, 2);
        TapedUnits.archive(drms, archive, online.subList(0, 1), 1);
        Map<Long, Map<String, byte[]>> onlineFiles = TapedUnits.files(drms, online);
        String good = path(online.get(0), only(onlineFiles.get(online.get(0))).getKey());
        String unarchived = path(online.get(1), only(onlineFiles.get(online.get(1))).getKey());
        Path slot = drms.read(s -> s.storageUnitInfo(online)).get(online.get(0)).path().resolve("S00000");
        Files.createFile(slot.resolve("empty.dat"));
        List<Long> lost = TapedUnits.create(drms, "wlcg.lost", 24, 1);
        String lostPath = path(lost.get(0), only(TapedUnits.files(drms, lost).get(lost.get(0))).getKey());
        TapedUnits.takeOffline(drms, jdbc, lost);
        String unit = good.substring(0, good.indexOf("/S00000"));

        Map<String, String> failing = new LinkedHashMap<>();
        failing.put(unit, "is a directory");
        failing.put(unit + "/S00000", "is a directory");
        failing.put(unit + "/S00000/", "is a directory");
        failing.put(unit + "/S00000/missing.fits", "USER ERROR: file does not exist or is not accessible");
        failing.put(unit + "/S00000/empty.dat", "0-byte file");
        failing.put(unit + "/S00000/.hidden", "USER ERROR: file does not exist or is not accessible");
        failing.put(unit + "/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "USER ERROR: file does not exist or is not accessible");
        failing.put("/download/sums/SUM0/D999999999/S00000/image.fits", "unknown storage unit 999999999");
        failing.put("/download/sums/NOPART/D" + online.get(0) + "/S00000/image.fits",
                "USER ERROR: file does not exist or is not accessible");
        failing.put("/download/exports/JSOC_1/x.fits", "USER ERROR: file does not exist or is not accessible");
        failing.put("/etc/passwd", "USER ERROR: file does not exist or is not accessible");
        failing.put(lostPath, "never archived");
        List<String> all = new ArrayList<>(failing.keySet());
        all.add(good);
        all.add(unarchived); // online: it has a disk copy, and such a file must not be refused
        all.add(good.replace("/D", "//D")); // the same file once sanitised: one file

        String id = stage(stageBody(all));
        JsonNode status = awaitDone(id);

        Map<String, JsonNode> files = files(status);
        assertThat(files).hasSize(all.size() - 1);
        for (Map.Entry<String, String> f : failing.entrySet()) {
            String p = f.getKey();
            JsonNode file = files.get(p);
            assertThat(file).as(p).isNotNull();
            assertThat(file.get("state").asString()).as(p).isEqualTo("FAILED");
            assertThat(file.get("error").asString()).as(p).contains(f.getValue());
            assertThat(file.get("finishedAt").asLong()).as(p).isGreaterThanOrEqualTo(status.get("createdAt").asLong());
        }
        assertThat(files.get(good).get("state").asString()).isEqualTo("COMPLETED");
        assertThat(files.get(good).has("error")).isFalse();
        assertThat(files.get(unarchived).get("state").asString()).isEqualTo("COMPLETED");
    }

    @Test
    @Order(5)
    void cancelDeleteAndReleaseFollowTheSpec() throws Exception {
        Map<String, byte[]> taped = taped("wlcg.cancel", 25, 3);
        List<String> paths = new ArrayList<>(taped.keySet());
        String p0 = paths.get(0);
        String p1 = paths.get(1);
        String p2 = paths.get(2);
        String stranger = "/download/sums/SUM0/D1/S00000/not-in-request.fits";
        long requestsBefore = jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);

        monitorPaused(() -> {
            String id = stage(stageBody(paths));
            assertThat(files(poll(id)).values()).extracting(f -> f.get("state").asString())
                    .containsOnly("SUBMITTED");

            // a path not in the request: 400, and nothing changes
            assertProblem(send("POST", API + "/stage/" + id + "/cancel", pathsBody(p0, stranger)), 400,
                    "File missing from stage request", "The file " + stranger + " does not belong to the STAGE"
                            + " request " + id + ". No modification has been made to this request.");
            assertProblem(send("POST", API + "/stage/" + id + "/cancel", pathsBody(stranger, "/x")), 400,
                    "File missing from stage request", "The files " + stranger + ", /x do not belong to the STAGE"
                            + " request " + id + ". No modification has been made to this request.");
            assertThat(files(poll(id)).values()).extracting(f -> f.get("state").asString())
                    .containsOnly("SUBMITTED");

            HttpResponse<String> cancelled = send("POST", API + "/stage/" + id + "/cancel",
                    pathsBody(p0.replace("/D", "//D")));
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
            assertThat(cancelled.body()).isEmpty();
            Map<String, JsonNode> files = files(poll(id));
            assertThat(files.get(p0).get("state").asString()).isEqualTo("CANCELLED");
            assertThat(files.get(p0).has("finishedAt")).isTrue();
            assertThat(files.get(p1).get("state").asString()).isEqualTo("SUBMITTED");
            // the cancelled file's unit is pinned no more
            assertThat(pinned(id)).containsExactlyInAnyOrder(sunum(p1), sunum(p2));

            // release: the request's pin on that unit goes; a path not in the request changes nothing
            assertProblem(send("POST", API + "/release/" + id, pathsBody(p1, stranger)), 400,
                    "File missing from stage request", "The file " + stranger + " does not belong to the STAGE"
                            + " request " + id + ". No modification has been made to this request.");
            assertThat(pinned(id)).containsExactlyInAnyOrder(sunum(p1), sunum(p2));
            HttpResponse<String> released = send("POST", API + "/release/" + id + "/", pathsBody(p1));
            assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
            assertThat(released.body()).isEmpty();
            assertThat(pinned(id)).containsExactly(sunum(p2));
            long dbId = request(id).id();

            // delete: everything cancelled, then the request is gone
            HttpResponse<String> deleted = send("DELETE", API + "/stage/" + id, null);
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
            assertThat(deleted.body()).isEmpty();
            String notFound = "The STAGE request " + id + " could not be found";
            assertProblem(send("GET", API + "/stage/" + id, null), 404, "STAGE request not found", notFound);
            assertProblem(send("DELETE", API + "/stage/" + id, null), 404, "STAGE request not found", notFound);
            assertProblem(send("POST", API + "/stage/" + id + "/cancel", pathsBody(p1)), 404,
                    "STAGE request not found", notFound);
            assertProblem(send("POST", API + "/release/" + id, pathsBody(p1)), 404, "STAGE request not found",
                    notFound);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder = ?", Long.class,
                    StagingStore.holder(dbId))).isZero();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.file WHERE request_id = ?", Long.class,
                    dbId)).isZero();
            return null;
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class))
                .isEqualTo(requestsBefore);

        // gfal2's placeholder id, and an id of another kind of request, are not found
        assertProblem(send("POST", API + "/release/gfal2-placeholder-id", pathsBody(p1)), 404,
                "STAGE request not found", "The STAGE request gfal2-placeholder-id could not be found");
        StagingRequest mwa = store.submit(new StagingStore.NewRequest("mwa", 9901L, null, null,
                List.of(new StagingStore.FileRef("/x", null, "no unit"))), Instant.now().plusSeconds(60));
        assertProblem(send("GET", API + "/stage/" + mwa.token(), null), 404, "STAGE request not found",
                "The STAGE request " + mwa.token() + " could not be found");
    }

    @Test
    @Order(6)
    void badBodiesAreJsonValidationErrors() throws Exception {
        String files = "files - Field does not exist or is not a valid non-empty array";
        String paths = "paths - Field does not exist or is not a valid non-empty array";
        String[][] cases = {
                {API + "/stage", "{\"files\": [", null},
                {API + "/stage", "[]", "the body is not a JSON object"},
                {API + "/stage", "", "the body is empty; expected a JSON object"},
                {API + "/stage", "{}", files},
                {API + "/stage/", "{\"files\": []}", files},
                {API + "/stage", "{\"files\": \"/a\"}", files},
                {API + "/stage", "{\"files\": [\"/a\"]}", "files[0] - Field is not a JSON object"},
                {API + "/stage", "{\"files\": [{}]}",
                        "files[0].path - Field does not exist or is not a non-empty string"},
                {API + "/stage", "{\"files\": [{\"path\": \"/a\"}, {\"path\": 3}]}",
                        "files[1].path - Field does not exist or is not a non-empty string"},
                {API + "/stage", "{\"files\": [{\"path\": \"  \"}]}",
                        "files[0].path - Field does not exist or is not a non-empty string"},
                {API + "/stage", "{\"files\": [{\"path\": \"/a\", \"diskLifetime\": \"1h\"}]}",
                        "files[0].diskLifetime - Field is not an ISO-8601 duration such as PT1H: 1h"},
                {API + "/stage", "{\"files\": [{\"path\": \"/a\", \"diskLifetime\": \"-PT1H\"}]}",
                        "files[0].diskLifetime - Field must be a positive duration: -PT1H"},
                {API + "/archiveinfo", "{}", paths},
                {API + "/archiveinfo/", "{\"paths\": []}", paths},
                {API + "/archiveinfo", "{\"paths\": [\"/a\", 7]}",
                        "paths[1] - Field does not exist or is not a non-empty string"},
                {API + "/stage/some-id/cancel", "{\"files\": [\"/a\"]}", paths},
                {API + "/release/some-id", "{\"paths\": {}}", paths},
        };
        long requestsBefore = jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", c[0], c[1]);
            assertThat(r.statusCode()).as(c[0] + " " + c[1] + ": " + r.body()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            JsonNode p = read(r);
            assertThat(p.get("title").asString()).isEqualTo("JSON Validation error");
            assertThat(p.get("status").asInt()).isEqualTo(400);
            if (c[2] != null) {
                assertThat(p.get("detail").asString()).as(c[1]).isEqualTo(c[2]);
            } else {
                assertThat(p.get("detail").asString()).as(c[1]).startsWith("the body is not JSON");
            }
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class))
                .isEqualTo(requestsBefore);
        assertProblem(send("GET", API + "/stage/no-such-request", null), 404, "STAGE request not found",
                "The STAGE request no-such-request could not be found");
    }

    @Test
    @Order(7)
    void archiveInfoGivesEachFilesLocality() throws Exception {
        Map<String, byte[]> tape = taped("wlcg.tape", 26, 1);
        String onTape = tape.keySet().iterator().next();
        List<Long> online = TapedUnits.create(drms, "wlcg.where", 27, 2);
        TapedUnits.archive(drms, archive, online.subList(0, 1), 1);
        Map<Long, Map<String, byte[]>> files = TapedUnits.files(drms, online);
        String both = path(online.get(0), only(files.get(online.get(0))).getKey());
        String disk = path(online.get(1), only(files.get(online.get(1))).getKey());
        Path slot = drms.read(s -> s.storageUnitInfo(online)).get(online.get(1)).path().resolve("S00000");
        Files.createFile(slot.resolve("empty.dat"));
        String empty = disk.substring(0, disk.lastIndexOf('/')) + "/empty.dat";
        List<Long> lostUnit = TapedUnits.create(drms, "wlcg.gone", 28, 1);
        String lost = path(lostUnit.get(0), only(TapedUnits.files(drms, lostUnit).get(lostUnit.get(0))).getKey());
        TapedUnits.takeOffline(drms, jdbc, lostUnit);
        String missing = disk.substring(0, disk.lastIndexOf('/')) + "/missing.fits";
        String unknown = "/download/sums/SUM0/D999999998/S00000/image.fits";
        String directory = disk.substring(0, disk.indexOf("/S00000"));
        String encoded = both.replace("image.fits", "image%2Efits"); // as a URL may carry it: the same file

        for (String endpoint : new String[] {API + "/archiveinfo", API + "/archiveinfo/"}) {
            HttpResponse<String> r = send("POST", endpoint, pathsBody(onTape, both, disk, empty, lost, missing,
                    unknown, directory, "/etc/passwd", both.replace("/D", "//D"), encoded));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode a = read(r);
            assertThat(a.isArray()).isTrue();
            Map<String, JsonNode> byPath = new LinkedHashMap<>();
            a.forEach(i -> byPath.put(i.get("path").asString(), i));
            assertThat(byPath).hasSize(10);
            Map<String, String> localities = Map.of(onTape, "TAPE", both, "DISK_AND_TAPE", disk, "DISK", empty,
                    "NONE", lost, "LOST", encoded, "DISK_AND_TAPE");
            localities.forEach((p, l) -> {
                assertThat(byPath.get(p).get("locality").asString()).as(p).isEqualTo(l);
                assertThat(byPath.get(p).has("error")).as(p).isFalse();
            });
            for (String p : List.of(missing, unknown, directory, "/etc/passwd")) {
                assertThat(byPath.get(p).has("locality")).as(p).isFalse();
                assertThat(byPath.get(p).get("error").asString()).as(p)
                        .startsWith("USER ERROR: file does not exist or is not accessible");
            }
        }

        // many paths: the first 10 000 answered, never an error
        String[] many = new String[10_001];
        for (int i = 0; i < many.length; i++) {
            many[i] = "/download/sums/SUM0/D" + (500_000 + i) + "/S00000/image.fits";
        }
        HttpResponse<String> r = send("POST", API + "/archiveinfo", pathsBody(many));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(read(r)).hasSize(10_000);
    }

    @Test
    @Order(8)
    void changesNeedTheRoleOperate() throws Exception {
        long requestsBefore = jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);
        String body = stageBody(List.of("/download/sums/SUM0/D1/S00000/image.fits"));
        for (String auth : new String[] {null, "Bearer not-the-token-at-all", "Basic bm9ib2R5Om5vdGhpbmc="}) {
            assertThat(send("POST", API + "/stage", body, auth).statusCode()).as(auth).isEqualTo(401);
            assertThat(send("POST", API + "/stage/", body, auth).statusCode()).as(auth).isEqualTo(401);
            assertThat(send("POST", API + "/stage/x/cancel", pathsBody("/a"), auth).statusCode()).isEqualTo(401);
            assertThat(send("DELETE", API + "/stage/x", null, auth).statusCode()).isEqualTo(401);
            assertThat(send("POST", API + "/release/x", pathsBody("/a"), auth).statusCode()).isEqualTo(401);
            assertThat(send("POST", API + "/archiveinfo", pathsBody("/a"), auth).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> r = send("POST", API + "/stage", body, null);
        assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class))
                .isEqualTo(requestsBefore);
        // discovery answers whatever credentials come with it (a grid client sends its token for another service)
        for (String auth : new String[] {null, "Bearer not-the-token-at-all", "Basic bm9ib2R5Om5vdGhpbmc="}) {
            HttpResponse<String> d = send("GET", "/.well-known/wlcg-tape-rest-api", null, auth);
            assertThat(d.statusCode()).as(auth).isEqualTo(200);
            assertThat(read(d).get("sitename").asString()).isEqualTo("drms-test-tape");
        }
        // reads are open (drms.security.open-reads): the poll answers without credentials
        assertProblem(send("GET", API + "/stage/x", null, null), 404, "STAGE request not found",
                "The STAGE request x could not be found");
    }

    @Test
    @Order(9)
    void gfal2BringsOnlinePollsArchivePollsReleasesAndAborts() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        assumeTrue(new ProcessBuilder(PYTHON.toString(), "-c", "import gfal2, sys; sys.exit(not any(p.startswith("
                + "'http') for p in gfal2.creat_context().get_plugin_names()))").start().waitFor() == 0,
                "gfal2's Python API with its HTTP plugin is not installed (Debian python3-gfal2, gfal2-plugin-http)");
        Map<String, byte[]> taped = taped("wlcg.gfal", 29, 4);
        List<String> paths = new ArrayList<>(taped.keySet());
        String base = "http://127.0.0.1:" + port;
        List<String> stageUrls = paths.subList(0, 2).stream().map(p -> base + p).toList();
        List<String> abortUrls = paths.subList(2, 4).stream().map(p -> base + p).toList();

        // gfal2 sends the bearer token of BEARER_TOKEN: a wrong one is refused, and no request is made
        long requestsBefore = jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);
        JsonNode refused = gfal2(Map.of("refused", stageUrls), "not-the-token-at-all");
        assertThat(refused.get("refused_bring_online")).allSatisfy(e -> assertThat(e.get("message").asString())
                .contains("Stage call failed"));
        assertThat(refused.get("refused_token").asString()).isEmpty();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class))
                .isEqualTo(requestsBefore);

        JsonNode out = gfal2(Map.of("stage", stageUrls), TOKEN);

        assertThat(out.get("sitename").asString()).isEqualTo("drms-test-tape");
        assertThat(out.get("uri").asString()).isEqualTo(base + "/api/tape/v1");
        assertThat(out.get("version").asString()).isEqualTo("v1");
        assertThat(out.get("archive_poll")).allSatisfy(e -> assertThat(e.isNull()).as(e.toString()).isTrue());
        assertThat(out.get("bring_online")).allSatisfy(e -> assertThat(e.isNull()).as(e.toString()).isTrue());
        assertThat(out.get("final_poll")).allSatisfy(e -> assertThat(e.isNull()).as(e.toString()).isTrue());
        assertThat(out.get("release")).allSatisfy(e -> assertThat(e.isNull()).as(e.toString()).isTrue());
        String token = out.get("token").asString();
        StagingRequest r = request(token);
        assertThat(r.kind()).isEqualTo("wlcg");
        assertThat(r.readyFiles()).isEqualTo(2);
        assertThat(store.files(r.id())).allSatisfy(f -> assertThat(f.released()).isTrue());
        assertThat(pinned(token)).isEmpty();
        for (String p : paths.subList(0, 2)) {
            HttpResponse<byte[]> d = http.send(HttpRequest.newBuilder(URI.create(base + p)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(d.body()).as(p).isEqualTo(taped.get(p));
        }

        // abort_bring_online while nothing is asked of the tape: the files are cancelled; gfal2 2.21 knows the state
        // only as CANCELED (one L) and reports the spec's CANCELLED as an unrecognised status, still an error
        JsonNode aborted = monitorPaused(() -> gfal2(Map.of("abort", abortUrls), TOKEN));
        assertThat(aborted.get("abort_bring_online")).allSatisfy(e -> assertThat(e.isNull()).isTrue());
        assertThat(aborted.get("abort")).allSatisfy(e -> assertThat(e.isNull()).as(e.toString()).isTrue());
        assertThat(aborted.get("after_abort")).allSatisfy(e -> assertThat(e.get("message").asString())
                .contains("CANCELLED"));
        StagingRequest a = request(aborted.get("abort_token").asString());
        assertThat(store.files(a.id())).extracting(f -> f.state()).containsOnly("cancelled");
    }

    /** Runs the gfal2 script with this configuration and bearer token; its JSON answer. */
    JsonNode gfal2(Map<String, List<String>> config, String bearer) throws Exception {
        Path script = Files.createTempFile(HOME, "wlcg_gfal2", ".py");
        try (InputStream in = getClass().getResourceAsStream("wlcg_gfal2.py")) {
            Files.write(script, in.readAllBytes());
        }
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), script.toString(), json.writeValueAsString(config));
        pb.environment().put("BEARER_TOKEN", bearer);
        pb.redirectError(HOME.resolve("gfal2.err").toFile());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(HOME.resolve("gfal2.err"));
        System.out.println("gfal2 script: " + stdout.strip() + (stderr.isBlank() ? "" : "\n" + stderr.strip()));
        assertThat(p.exitValue()).as(stdout + stderr).isZero();
        return json.readTree(stdout.lines().reduce((x, y) -> y).orElseThrow());
    }
}
