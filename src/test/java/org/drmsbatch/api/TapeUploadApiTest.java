package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.SumsStatus;
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
 * B's side of a remote tape over a real socket: {@code PUT /api/tape/v1/upload/{volume}/{name}} stores a tape file as
 * a record of the upload series (created on first use, archived, its tape group configured), committed before the
 * 201, downloadable at the path it answers and archived by B's archive job; a repeated upload is idempotent with the
 * same MD5 and a conflict with another; a body whose MD5 is not the one announced, a missing or malformed MD5, bad
 * names and a wrong content type are 400 with nothing stored; no token is 401; {@code GET} finds a stored file.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.security.token=" + TapeUploadApiTest.TOKEN,
        "drms.tape.time-scale=0", "drms.staging.upload-tape-group=7", "drms.staging.monitor=false"})
class TapeUploadApiTest {

    static final String TOKEN = "upload-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-upload-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
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
    JobControl jobs;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    static byte[] tapeFile(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> put(String volume, String name, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/api/tape/v1/upload/" + volume + "/" + name))
                .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A PUT with the token, the octet-stream type and the body's MD5 in X-Checksum-MD5 (plus {@code more}). */
    HttpResponse<String> upload(String volume, String name, byte[] body, String... more) throws Exception {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Bearer " + TOKEN);
        h.put("Content-Type", "application/octet-stream");
        h.put("X-Checksum-MD5", md5(body));
        for (int i = 0; i < more.length; i += 2) {
            if (more[i + 1] == null) {
                h.remove(more[i]);
            } else {
                h.put(more[i], more[i + 1]);
            }
        }
        return put(volume, name, body, h);
    }

    HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    long records(String volume) {
        if (drms.listSeries("^tape\\.files$").isEmpty()) {
            return 0;
        }
        return jdbc.queryForObject("SELECT count(*) FROM tape.files WHERE volume = ?", Long.class, volume);
    }

    @Test
    void anUploadIsACommittedRecordOfAnArchivedSeriesDownloadableAndArchivedByBsArchiveJob() throws Exception {
        byte[] body = tapeFile(1, 150_000);

        HttpResponse<String> r = upload("VA0001L9", "D12", body, "X-Tape-File-Number", "3");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode a = json.readTree(r.body());
        long sunum = a.get("sunum").asLong();
        assertThat(a.get("md5").asString()).isEqualTo(md5(body));
        assertThat(a.get("bytes").asLong()).isEqualTo(body.length);
        assertThat(a.get("fileNumber").asInt()).isEqualTo(3);
        assertThat(a.get("online").asBoolean()).isTrue();
        String path = a.get("path").asString();
        assertThat(path).isEqualTo("/download/sums/SUM0/D" + sunum + "/S00000/D12.tar");
        assertThat(r.headers().firstValue("Location")).hasValue("/api/tape/v1/upload/VA0001L9/D12");
        // the file is served where the answer says, with the uploaded bytes
        HttpResponse<byte[]> download = get(path);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(body);

        // the series was made on first use: archived, the configured tape group, prime keys VOLUME and NAME
        SeriesDefinition def = drms.describeSeries("tape.files");
        assertThat(def.archive()).isEqualTo(1);
        assertThat(def.tapeGroup()).isEqualTo(7);
        assertThat(def.primeKeys()).containsExactly("VOLUME", "NAME");
        Record rec = drms.read(s -> s.open("tape.files", 0)).stream().filter(x -> x.sunum() == sunum)
                .findFirst().orElseThrow();
        assertThat(rec.get("VOLUME")).isEqualTo("VA0001L9");
        assertThat(rec.get("NAME")).isEqualTo("D12");
        assertThat(rec.getInt("FILENUM")).isEqualTo(3);
        assertThat(rec.get("MD5")).isEqualTo(md5(body));
        assertThat(rec.getLong("BYTES")).isEqualTo(body.length);
        // waiting for B's tape, which B's archive job writes it to (tape group 7)
        assertThat(jdbc.queryForObject("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = ?", Integer.class,
                sunum)).isEqualTo(SumsStatus.DAAP);
        JobRun archive = JobTests.awaitEnd(jobs, jobs.launch("archive", Map.of("series", "tape.files")).getId(),
                60);
        assertThat(archive.status()).as("%s", archive).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject("SELECT archive_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                sunum)).isEqualTo("Y");
        assertThat(jdbc.queryForObject("SELECT t.group_id FROM sums.sum_file f JOIN sums.sum_tape t"
                + " ON t.tapeid = f.tapeid WHERE f.ds_index = ?", Integer.class, sunum)).isEqualTo(7);

        // and GET finds it
        HttpResponse<byte[]> found = get("/api/tape/v1/upload/VA0001L9/D12");
        assertThat(found.statusCode()).isEqualTo(200);
        JsonNode f = json.readTree(found.body());
        assertThat(f.get("sunum").asLong()).isEqualTo(sunum);
        assertThat(f.get("path").asString()).isEqualTo(path);
        assertThat(f.get("md5").asString()).isEqualTo(md5(body));
        // the spool keeps nothing
        assertThat(HOME.resolve("staging/uploads")).isEmptyDirectory();
    }

    @Test
    void aRepeatedUploadIsIdempotentWithTheSameMd5AndAConflictWithAnother() throws Exception {
        byte[] body = tapeFile(2, 5_000);
        HttpResponse<String> first = upload("VB0001L9", "D20", body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        long sunum = json.readTree(first.body()).get("sunum").asLong();

        HttpResponse<String> again = upload("VB0001L9", "D20", body);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(json.readTree(again.body()).get("sunum").asLong()).isEqualTo(sunum);

        byte[] other = tapeFile(3, 5_000);
        HttpResponse<String> conflict = upload("VB0001L9", "D20", other);
        assertThat(conflict.statusCode()).as(conflict.body()).isEqualTo(409);
        assertThat(conflict.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode p = json.readTree(conflict.body());
        assertThat(p.get("title").asString()).isEqualTo("Tape file stored already");
        assertThat(p.get("detail").asString()).contains("tape file VB0001L9/D20 is stored already (storage unit "
                + sunum + ") with MD5 " + md5(body) + ", not " + md5(other));
        assertThat(records("VB0001L9")).isEqualTo(1);
        // the same name on another volume is another tape file
        assertThat(upload("VB0002L9", "D20", other).statusCode()).isEqualTo(201);
    }

    @Test
    void aBodyWhoseMd5IsNotTheOneAnnouncedIsRefusedAndNothingIsStored() throws Exception {
        byte[] body = tapeFile(4, 20_000);
        byte[] damaged = body.clone();
        damaged[10_000] ^= 1;

        HttpResponse<String> r = upload("VC0001L9", "D30", damaged, "X-Checksum-MD5", md5(body));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json.readTree(r.body()).get("detail").asString()).contains("the body of tape file VC0001L9/D30"
                + " (20000 bytes) has MD5 " + md5(damaged) + ", the request said " + md5(body) + ": nothing stored");
        assertThat(records("VC0001L9")).isZero();
        assertThat(get("/api/tape/v1/upload/VC0001L9/D30").statusCode()).isEqualTo(404);
    }

    @Test
    void theMd5MayComeAsContentMd5AndMustComeAtAll() throws Exception {
        byte[] body = tapeFile(5, 3_000);
        String b64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5(body)));

        assertThat(upload("VD0001L9", "D40", body, "X-Checksum-MD5", null, "Content-MD5", b64).statusCode())
                .isEqualTo(201);

        HttpResponse<String> none = upload("VD0001L9", "D41", body, "X-Checksum-MD5", null);
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).contains("an upload needs the MD5 of its body");
        HttpResponse<String> bad = upload("VD0001L9", "D42", body, "Content-MD5", "not-base64!");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("is not the base64 of an MD5 digest");
        HttpResponse<String> differ = upload("VD0001L9", "D43", body, "Content-MD5",
                Base64.getEncoder().encodeToString(new byte[16]));
        assertThat(differ.statusCode()).isEqualTo(400);
        assertThat(differ.body()).contains("Content-MD5 (00000000000000000000000000000000) and X-Checksum-MD5 ("
                + md5(body) + ") differ");
        assertThat(records("VD0001L9")).isEqualTo(1);
    }

    @Test
    void badNamesAndTypesAre400AndAFileNumberMayComeFromTheName() throws Exception {
        byte[] body = tapeFile(6, 1_000);
        HttpResponse<String> label = upload("bad.label", "D50", body);
        assertThat(label.statusCode()).isEqualTo(400);
        assertThat(label.body()).contains("'bad.label' is not a volume label");
        HttpResponse<String> name = upload("VE0001L9", "-D50", body);
        assertThat(name.statusCode()).isEqualTo(400);
        assertThat(name.body()).contains("'-D50' is not a tape file name");
        HttpResponse<String> type = upload("VE0001L9", "D50", body, "Content-Type", "application/json");
        assertThat(type.statusCode()).isEqualTo(400);
        assertThat(type.body()).contains("uploaded as application/octet-stream, not application/json");
        HttpResponse<String> number = upload("VE0001L9", "D50", body, "X-Tape-File-Number", "three");
        assertThat(number.statusCode()).isEqualTo(400);
        assertThat(number.body()).contains("'three' is not a valid X-Tape-File-Number");
        assertThat(records("VE0001L9")).isZero();

        HttpResponse<String> numbered = upload("VE0001L9", "0007.D50", body);
        assertThat(numbered.statusCode()).as(numbered.body()).isEqualTo(201);
        assertThat(json.readTree(numbered.body()).get("fileNumber").asInt()).isEqualTo(7);
    }

    @Test
    void withoutTheTokenAnUploadIs401AndNothingIsStored() throws Exception {
        byte[] body = tapeFile(7, 1_000);
        HttpResponse<String> none = upload("VF0001L9", "D60", body, "Authorization", null);
        assertThat(none.statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = upload("VF0001L9", "D60", body, "Authorization", "Bearer not-the-token-at-all");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(records("VF0001L9")).isZero();
        // reads are open, as everywhere (drms.security.open-reads)
        HttpResponse<byte[]> missing = get("/api/tape/v1/upload/VF0001L9/D60");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(new String(missing.body(), StandardCharsets.UTF_8))
                .contains("no tape file VF0001L9/D60 is stored here");
        assertThat(Files.exists(HOME.resolve("staging/uploads"))
                ? Files.list(HOME.resolve("staging/uploads")).count() : 0).isZero();
    }
}
