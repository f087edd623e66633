package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Export requests that run the {@code export} job, over a real socket: {@code exp_request} queues one under a
 * JSOC-like request id, {@code exp_status} reports it until it answers with the export's index, whose files (or
 * tar file) are served under the download URL.
 */
class JsocExportTest extends JsocApiTestSupport {

    static final String NS = "jsocexp";
    static final String IMAGES = NS + ".images";
    private static boolean created;

    @BeforeEach
    void series() {
        synchronized (JsocExportTest.class) {
            if (!created) {
                createSeries(NS);
                created = true;
            }
        }
    }

    JsonNode request(String... more) throws Exception {
        List<String> p = new ArrayList<>(List.of("op", "exp_request", "notify", EMAIL, "format", "json"));
        p.addAll(List.of(more));
        return cgi("jsoc_fetch", p.toArray(String[]::new));
    }

    /** Polls exp_status until the request is done (status 0); fails at once on an error status. */
    JsonNode awaitDone(String requestId) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = cgi("jsoc_fetch", "op", "exp_status", "requestid", requestId);
            last.set(s);
            int status = s.get("status").asInt();
            assertThat(status).as("exp_status of " + requestId + ": " + s).isIn(0, 1, 2);
            if (status != 0) {
                assertThat(s.get("requestid").asString()).isEqualTo(requestId);
                assertThat(s.has("wait")).isTrue();
            }
            return status == 0;
        });
        return last.get();
    }

    @Test
    void aUrlFitsExportRunsTheJobAndItsFitsFilesAreServed() throws Exception {
        JsonNode r = request("ds", IMAGES + "[" + T0 + "]{image}", "method", "url", "protocol", "fits",
                "filenamefmt", IMAGES + ".{T_REC:A}.{CAMERA}.{segment}");
        assertThat(r.get("status").asInt()).as(r.toString()).isEqualTo(2);
        String id = r.get("requestid").asString();
        String today = LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
        assertThat(id).matches("JSOC_" + today + "_\\d+");
        assertThat(r.get("method").asString()).isEqualTo("url");
        assertThat(r.get("protocol").asString()).isEqualTo("fits");
        assertThat(r.get("rcount").asInt()).isEqualTo(2);

        JsonNode done = awaitDone(id);
        assertThat(done.get("requestid").asString()).isEqualTo(id);
        assertThat(done.get("dir").asString()).isEqualTo("/exports/" + id);
        assertThat(done.get("count").asInt()).isEqualTo(2);
        assertThat(done.get("keywords").asString()).isEqualTo("**IN FITS FILES**");
        JsonNode first = done.get("data").get(0);
        assertThat(first.get("record").asString()).isEqualTo(IMAGES + "[" + T0 + "][1]{image}");
        assertThat(first.get("filename").asString()).isEqualTo(IMAGES + ".20100501_000000_TAI.1.image.fits");
        HttpResponse<byte[]> file = getBytes("/download" + done.get("dir").asString() + "/"
                + first.get("filename").asString());
        assertThat(file.statusCode()).isEqualTo(200);
        String header = new String(file.body(), 0, Math.min(file.body().length, 2880 * 4), StandardCharsets.US_ASCII);
        assertThat(header).startsWith("SIMPLE  =").contains("CAMERA  =").contains("T_REC   =");
        assertThat(get("/download/exports/" + id + "/index.json").statusCode()).isEqualTo(200);
    }

    @Test
    void aUrlTarExportIsOneTarFileServedForDownload() throws Exception {
        JsonNode r = request("ds", IMAGES + "[" + T1 + "]{image}", "method", "url-tar", "protocol", "as-is");
        assertThat(r.get("status").asInt()).as(r.toString()).isEqualTo(2);
        String id = r.get("requestid").asString();
        JsonNode done = awaitDone(id);
        assertThat(done.get("tarfile").asString()).isEqualTo("/exports/" + id + "/" + id + ".tar");
        HttpResponse<byte[]> tar = getBytes("/download" + done.get("tarfile").asString());
        assertThat(tar.statusCode()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.body()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName().replaceFirst("^\\./", ""));
            }
        }
        for (JsonNode d : done.get("data")) {
            assertThat(names).contains(d.get("filename").asString());
        }
        assertThat(done.get("data")).hasSize(2);
    }

    @Test
    void aRecordLimitIsKeptAndEachRequestGetsItsOwnId() throws Exception {
        JsonNode a = request("ds", IMAGES + "[]{image}", "method", "url", "protocol", "as-is", "process", "n=-1");
        JsonNode b = request("ds", IMAGES + "[]{image}", "method", "url", "protocol", "as-is", "process=n", "1");
        assertThat(a.get("rcount").asInt()).isEqualTo(1);
        assertThat(b.get("rcount").asInt()).isEqualTo(1);
        String idA = a.get("requestid").asString();
        String idB = b.get("requestid").asString();
        assertThat(idA).isNotEqualTo(idB);
        assertThat(awaitDone(idA).get("data").get(0).get("record").asString())
                .isEqualTo(IMAGES + "[" + T1 + "][2]{image}");
        assertThat(awaitDone(idB).get("data").get(0).get("record").asString())
                .isEqualTo(IMAGES + "[" + T0 + "][1]{image}");
    }

    @Test
    void aCompletedExportWhoseFilesAreGoneIsReportedAsJsocDoes() throws Exception {
        JsonNode r = request("ds", IMAGES + "[" + T0 + "][1]{image}", "method", "url", "protocol", "as-is");
        String id = r.get("requestid").asString();
        awaitDone(id);
        java.nio.file.Path dir = home.resolve("exports").resolve(id);
        Files.delete(dir.resolve("index.json"));
        JsonNode noIndex = cgi("jsoc_fetch", "op", "exp_status", "requestid", id);
        assertThat(noIndex.get("status").asInt()).isEqualTo(4);
        assertThat(noIndex.get("error").asString())
                .isEqualTo("Export should be complete but return index.json file not found");
        org.drmsbatch.sums.Sums.deleteTree(dir);
        JsonNode deleted = cgi("jsoc_fetch", "op", "exp_status", "requestid", id);
        assertThat(deleted.get("status").asInt()).isEqualTo(5);
        assertThat(deleted.get("error").asString())
                .isEqualTo("Request was completed but is now deleted, 7 day limit exceeded");
        assertThat(deleted.get("requestid").asString()).isEqualTo(id);
    }

    @Test
    void anExportTheJobRefusesIsAnErrorWithItsReason() throws Exception {
        JsonNode r = request("ds", IMAGES + "[]{image}", "method", "url", "protocol", "fits",
                "filenamefmt", "{NOPE}.{segment}");
        assertThat(r.get("status").asInt()).isEqualTo(4);
        assertThat(r.get("error").asString()).startsWith("Cannot start the export:").contains("NOPE");
    }
}
