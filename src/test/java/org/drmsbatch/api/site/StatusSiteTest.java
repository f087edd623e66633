package org.drmsbatch.api.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Sums;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The status site from a known fixture (a series of 5 records with a 600 × 300 image each, one keyword value with
 * a {@code <script>}, one DATAMEAN missing; a rescale run that failed and one that completed; a failure reason
 * with a {@code <script>}), rendered in a real headless chromium ({@code --dump-dom}, the page's scripts run) and
 * parsed with jsoup: each page's numbers, the plots' points, the failed run's reason, the escaping, the preview PNG;
 * the restart the page's button calls refuses a request without credentials (401) and a read-only user (403).
 * Without chromium the browser checks are skipped (said so) and the same assertions run over plain HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789",
                FaultInjectionTestConfiguration.PROPERTY})
class StatusSiteTest {

    static final Path HOME = JobTests.newHome("drms-site-test");
    static final String TOKEN = "test-token-0123456789";
    static final String XSS = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.security.users.reader.password", () -> "{bcrypt}" + new BCryptPasswordEncoder(4)
                .encode("reader-secret"));
        registry.add("drms.security.users.reader.roles", () -> "read");
    }

    @LocalServerPort
    int port;
    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    Sums sums;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    DataBuffer buffer;

    final HttpClient http = HttpClient.newHttpClient();

    static JobRun failed;
    static JobRun completed;

    @BeforeEach
    void fixture() throws Exception {
        if (failed != null) {
            return;
        }
        drms.createSeries(new JsdParser().parse("site.jsd", """
                Seriesname: site.img
                Description: "images <b>for</b> the site"
                Unitsize: 4
                PrimeKeys: T
                Keyword: T, int, variable, record, DRMS_MISSING_VALUE, %d, none, "time step"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %g, DN, "mean"
                Keyword: NOTE, string, variable, record, "", %s, none, "a note"
                Data: image, vardim, float, 2, 0, 0, DN, fits, "", 0.0, 1.0, "the image"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("site.img", 5);
            for (int i = 0; i < 5; i++) {
                Record r = rs.get(i);
                r.set("T", i);
                if (i != 2) {
                    r.set("DATAMEAN", 10.0 + i * i);
                }
                r.set("NOTE", i == 4 ? XSS : "note " + i);
                float[] img = new float[600 * 300];
                for (int p = 0; p < img.length; p++) {
                    img[p] = (p % 600) + i;
                }
                r.write("image", SegmentArray.ofFloats(img, 600, 300));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        // a series with a time prime key: its trends are time series over T_REC, 12 minutes apart
        drms.createSeries(new JsdParser().parse("site.ts.jsd", """
                Seriesname: site.ts
                PrimeKeys: T_REC
                Keyword: T_REC, time, variable, record, DRMS_MISSING_VALUE, 0, TAI, "slot time"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %g, DN, "mean"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("site.ts", 4);
            for (int i = 0; i < 4; i++) {
                rs.get(i).set("T_REC", org.drmsbatch.drms.time.DrmsTime.parse("2010.05.01_00:00:00_TAI") + 720.0 * i);
                rs.get(i).set("DATAMEAN", 100.0 + i);
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        JobRun first = jobs.runToEnd("rescale", Map.of("ds", "site.img", "out", "site.out", "chunkSize", "1",
                "run", "first", "failAt", "3,java.lang.Long,false"), Duration.ofSeconds(60));
        assertThat(first.status()).isEqualTo("FAILED");
        // a failure reason is data too (it names records, paths, values): it must be escaped like the rest
        jdbc.update("UPDATE batch_job_execution SET exit_message = left(? || exit_message, 2500)"
                + " WHERE job_execution_id = ?", XSS + " ", first.executionId());
        JobRun second = jobs.runToEnd("rescale", Map.of("ds", "site.img[? T < 2 ?]", "out", "site.small",
                "run", "second"), Duration.ofSeconds(60));
        assertThat(second.status()).isEqualTo("COMPLETED");
        completed = second;
        failed = first;
    }

    // ---- fetching: plain HTTP, and the page as chromium renders it ----

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The page over HTTP, and (when chromium is installed) as chromium's DOM after its scripts ran. */
    List<Document> pages(String path) throws Exception {
        return pages(path, true);
    }

    /** The page over HTTP, and with {@code browser} as chromium renders it (a launch costs 1-3 s: a few pages). */
    List<Document> pages(String path, boolean browser) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        List<Document> docs = new ArrayList<>();
        docs.add(Jsoup.parse(r.body()));
        String dom = browser ? Browser.dumpDom("http://127.0.0.1:" + port + path) : null;
        if (dom != null) {
            docs.add(Jsoup.parse(dom));
        }
        return docs;
    }

    static String text(Document d, String css) {
        Element e = d.selectFirst(css);
        assertThat(e).as(css).isNotNull();
        return e.text();
    }

    // ---- the pages ----

    @Test
    void overviewShowsTheDatabasePartitionsAndCounts() throws Exception {
        long records = 0;
        for (String t : List.of("site.img", "site.out", "site.small", "site.ts")) {
            records += jdbc.queryForObject("SELECT count(*) FROM " + t, Long.class);
        }
        for (Document d : pages("/status", false)) {
            assertThat(text(d, "#health")).contains("database up", "PostgreSQL");
            assertThat(d.select("#partitions tr.partition")).hasSize(sums.partitions().size());
            assertThat(d.select("#partitions tr.partition td.use").text()).contains("%");
            assertThat(d.text()).contains("high water 95.0%", "low water 90.0%");
            assertThat(text(d, "#count-series")).isEqualTo("4");
            assertThat(text(d, "#count-records")).isEqualTo(String.valueOf(records));
            assertThat(text(d, "#count-running")).isEqualTo("0");
            assertThat(d.select("nav a")).extracting(Element::text)
                    .containsSubsequence("Overview", "Jobs", "Series", "Storage");
        }
    }

    @Test
    void jobsShowRecentRunsTheFailuresReasonEscapedAndADurationPlot() throws Exception {
        for (Document d : pages("/status/jobs")) {
            assertThat(d.title()).doesNotContain("pwned");
            assertThat(d.selectFirst("#running-none")).isNotNull();
            Element failedRow = d.select("#recent tr.run").stream()
                    .filter(tr -> tr.selectFirst("td").text().equals(String.valueOf(failed.executionId())))
                    .findFirst().orElseThrow();
            assertThat(failedRow.select("td.status").text()).isEqualTo("FAILED");
            assertThat(failedRow.select("td.reason").text()).contains("failing at item 3", "<script>");
            assertThat(failedRow.select("td.reason script, td.reason img")).isEmpty();
            assertThat(d.select("#recent tr.run")).hasSize(jobs.recent(null, 50).size());
            // one point per ended rescale run
            assertThat(d.select(".durations[data-job=rescale] svg circle.pt")).hasSize((int) jobs
                    .recent("rescale", 100).stream().filter(r -> r.ended() && r.endTime() != null).count());
            assertThat(d.select(".durations[data-job=rescale] svg .xtick")).isNotEmpty();
        }
        for (Document d : pages("/status/jobs/" + failed.executionId())) {
            assertThat(d.title()).doesNotContain("pwned");
            assertThat(text(d, "#status")).isEqualTo("FAILED");
            assertThat(text(d, "#reason")).contains("failing at item 3 ", XSS);
            assertThat(d.select("#reason script, #reason img")).isEmpty();
            assertThat(d.selectFirst("button#restart").attr("data-execution"))
                    .isEqualTo(String.valueOf(failed.executionId()));
        }
        assertThat(get("/status/jobs/" + completed.executionId()).body()).doesNotContain("id=\"restart\"");
        assertThat(get("/status/jobs/987654").statusCode()).isEqualTo(404);
    }

    @Test
    void aRunningJobShowsWithItsProgress() throws Exception {
        // 5 records, 300 ms each: the run lasts about 1.5 s
        JobRun run = jobs.start("rescale", Map.of("ds", "site.img", "out", "site.out", "chunkSize", "1",
                "delay", "300,java.lang.Long,false"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            JobRun r = jobs.view(run.executionId());
            return r.ended() || r.steps().stream().anyMatch(s -> s.read() >= 1);
        });
        HttpResponse<String> page = get("/status/jobs");
        HttpResponse<String> overview = get("/status");
        JobRun seen = jobs.view(run.executionId());
        if (!seen.ended()) { // (a loaded machine may have ended it meanwhile: then there is nothing to see running)
            Document d = Jsoup.parse(page.body());
            Element row = d.select("#running tr.run").stream()
                    .filter(tr -> tr.selectFirst("td").text().equals(String.valueOf(run.executionId())))
                    .findFirst().orElseThrow(() -> new AssertionError("not among the running: " + page.body()));
            assertThat(row.text()).contains("rescale", "STARTED");
            assertThat(row.select(".step .read").stream().mapToLong(e -> Long.parseLong(e.text())).max().orElse(0))
                    .isBetween(1L, 5L);
            // and its records: the 5 of its input, queued at its start, so many done
            assertThat(row.selectFirst(".records .total").text()).isEqualTo("5");
            assertThat(Long.parseLong(row.selectFirst(".records .good").text())).isBetween(0L, 5L);
            assertThat(Jsoup.parse(overview.body()).selectFirst("#count-running").text()).isEqualTo("1");
        }
        assertThat(JobTests.awaitEnd(jobs, run.executionId(), 60).status()).isEqualTo("COMPLETED");
        assertThat(Jsoup.parse(get("/status/jobs").body()).selectFirst("#running-none")).isNotNull();
    }

    @Test
    void theRestartTheButtonCallsNeedsOperateCredentials() throws Exception {
        String restart = "http://127.0.0.1:" + port + "/api/jobs/executions/" + failed.executionId() + "/restart";
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(restart))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        String basic = "Basic " + Base64.getEncoder().encodeToString("reader:reader-secret"
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> reader = http.send(HttpRequest.newBuilder(URI.create(restart))
                .header("Authorization", basic).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reader.statusCode()).isEqualTo(403);
        // no GET restarts anything, and the status pages answer only GET/HEAD for everyone
        assertThat(get("/api/jobs/executions/" + failed.executionId() + "/restart").statusCode())
                .isIn(404, 405);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/status/jobs/" + failed.executionId())).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(jobs.view(failed.executionId()).status()).isEqualTo("FAILED");
    }

    @Test
    void seriesListsCountsAndASeriesPageItsLatestRecordsAndAKeywordTrend() throws Exception {
        for (Document d : pages("/status/series", false)) {
            Element row = d.select("#series tr.series").stream()
                    .filter(tr -> tr.selectFirst("td").text().equals("site.img")).findFirst().orElseThrow();
            assertThat(row.select("td.records").text()).isEqualTo("5");
            assertThat(row.text()).contains("images <b>for</b> the site");
            assertThat(d.select("#series tr.series")).hasSize(4);
        }
        for (Document d : pages("/status/series/site.img?key=DATAMEAN")) {
            assertThat(d.title()).doesNotContain("pwned");
            assertThat(text(d, "#records")).isEqualTo("5");
            // 5 records, one without DATAMEAN: 4 points
            assertThat(d.select("#trend svg circle.pt")).hasSize(4);
            assertThat(d.select("#trend svg circle.pt title")).extracting(Element::text)
                    .contains("#1: 10", "#5: 26");
            assertThat(d.select("#latest tr.record")).hasSize(5);
            assertThat(d.select("#latest tr.record").first().text()).contains(XSS);
            assertThat(d.select("#latest script, #latest img")).isEmpty();
        }
        // a series with a time prime key: the keyword over T_REC, in hours since the first record's time
        for (Document d : pages("/status/series/site.ts?key=DATAMEAN", false)) {
            assertThat(d.select("#trend").attr("data-x")).isEqualTo("T_REC");
            assertThat(d.select("#trend svg circle.pt")).hasSize(4);
            assertThat(d.select("#trend svg").text()).contains("T_REC: hours since 2010.05.01_00:00:00_TAI");
            assertThat(d.select("#trend svg circle.pt title")).extracting(Element::text)
                    .contains("#1 2010.05.01_00:00:00_TAI: 100", "#4 2010.05.01_00:36:00_TAI: 103");
        }
        assertThat(get("/status/series/no.such").statusCode()).isEqualTo(404);
        HttpResponse<String> notNumeric = get("/status/series/site.img?key=NOTE");
        assertThat(notNumeric.statusCode()).isEqualTo(400);
        assertThat(notNumeric.body()).contains("NOTE", "not a numeric column");
    }

    @Test
    void aRecordPageShowsKeywordsSegmentsAndAPreviewPng() throws Exception {
        long recnum = jdbc.queryForObject("SELECT recnum FROM site.img WHERE t = 4", Long.class);
        for (Document d : pages("/status/records/site.img/" + recnum)) {
            assertThat(d.title()).doesNotContain("pwned");
            assertThat(d.select("#keywords tr").stream().filter(tr -> tr.text().startsWith("DATAMEAN")).findFirst()
                    .orElseThrow().text()).contains("26", "DN");
            assertThat(d.select("#keywords td.value").stream().map(Element::text).toList()).contains(XSS);
            assertThat(d.select("#keywords script, #keywords img")).isEmpty();
            assertThat(text(d, "#segments")).contains("image", "600 × 300");
            assertThat(d.select("img.preview").attr("src"))
                    .isEqualTo("/status/records/site.img/" + recnum + "/preview/image.png");
        }
        HttpResponse<byte[]> png = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/status/records/site.img/" + recnum + "/preview/image.png")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(Arrays.copyOf(png.body(), 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertThat(img.getWidth()).isEqualTo(300); // 600 × 300 halved: at most 512 on the longer side
        assertThat(img.getHeight()).isEqualTo(150);
        // the values grow along x: black on the left, white on the right
        assertThat(img.getRaster().getSample(0, 75, 0)).isZero();
        assertThat(img.getRaster().getSample(299, 75, 0)).isEqualTo(255);
        HttpResponse<byte[]> z = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/status/records/site.img/" + recnum + "/preview/image.png?scale=zscale")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(z.statusCode()).isEqualTo(200);
        BufferedImage zimg = ImageIO.read(new ByteArrayInputStream(z.body()));
        assertThat(zimg.getWidth()).isEqualTo(300);
        assertThat(zimg.getHeight()).isEqualTo(150);
        assertThat(get("/status/records/site.img/" + recnum + "/preview/image.png?scale=log").statusCode())
                .isEqualTo(400);
        assertThat(get("/status/records/site.img/99999").statusCode()).isEqualTo(404);
        assertThat(get("/status/records/site.img/" + recnum + "/preview/nosuch.png").statusCode()).isEqualTo(404);
    }

    @Test
    void storageCountsUnitsByStateAndTheBufferPlotsTheLastChunksSamples() throws Exception {
        long online = jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE online_status = 'Y'", Long.class);
        assertThat(online).isPositive();
        for (Document d : pages("/status/storage", false)) {
            assertThat(d.select("#partitions tr.partition")).hasSize(sums.partitions().size());
            assertThat(text(d, "#units td[data-state=online]")).isEqualTo(String.valueOf(online));
            assertThat(text(d, "#units td[data-state=archived]")).isEqualTo("0");
        }
        // 6 chunks of 4 samples: the last 5 are plotted, a point per sample
        for (int i = 0; i < 6; i++) {
            buffer.store(new Chunk(new double[] {i, i + 0.5, i + 1, i + 1.5}, 100 + 4 * i, 1));
        }
        for (Document d : pages("/status/buffer")) {
            assertThat(text(d, "#state")).isEqualTo("OPERATIONAL");
            assertThat(text(d, "#chunks")).isEqualTo("6");
            assertThat(Long.parseLong(text(d, "#bytes"))).isEqualTo(buffer.stats().bytes());
            assertThat(d.select("#strain svg circle.pt")).hasSize(20);
            assertThat(d.select("#strain svg circle.pt title").first().text()).isEqualTo("104, 1");
        }
        // the panels of parts this test server has not configured say so; the others render their reports
        assertThat(get("/status/tape").body()).contains("No tape library");
        HttpResponse<String> staging = get("/status/staging");
        assertThat(staging.statusCode()).isEqualTo(200);
        assertThat(staging.body()).contains("id=\"staging-stats\"");
        assertThat(get("/status/schedules").statusCode()).isEqualTo(200);
    }

    /** Headless chromium, when installed. */
    static final class Browser {
        static final String CHROMIUM = findChromium();

        static String findChromium() {
            for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
                if (java.nio.file.Files.isExecutable(Path.of(c))) {
                    return c;
                }
            }
            System.err.println("StatusSiteTest: no chromium found (apt-get install chromium): the browser checks are"
                    + " skipped, the same assertions run over plain HTTP only");
            return null;
        }

        /** The DOM after the page's scripts ran, or null without chromium. */
        static String dumpDom(String url) throws Exception {
            if (CHROMIUM == null) {
                return null;
            }
            Path profile = java.nio.file.Files.createTempDirectory("drms-site-chromium");
            Process p = new ProcessBuilder(CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--no-first-run", "--user-data-dir=" + profile, "--dump-dom", url)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium ended").isTrue();
            assertThat(p.exitValue()).as("chromium's exit status").isZero();
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
