package org.drmsbatch.api.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.jobs.JobTests;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The status site's pages on a series of 1 million records (made by SQL, {@code generate_series}): each page's
 * time over HTTP with the {@link Bench} harness (the pages and a bare round trip in alternation, at least 5 rounds
 * after a warm-up), printed, and the medians checked under a second; once before ANALYZE (the
 * count is then the largest recnum) and once after (PostgreSQL's estimate). Run with
 * {@code ./mvnw -o -Pbench test -Dtest=StatusSiteBenchmark}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.security.token=test-token-0123456789"})
@Tag("benchmark")
class StatusSiteBenchmark {

    static final Path HOME = JobTests.newHome("drms-site-bench");
    static final int RECORDS = 1_000_000;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @LocalServerPort
    int port;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void pagesLoadInUnderASecondOnAMillionRecords() throws Exception {
        drms.createSeries(new JsdParser().parse("big.jsd", """
                Seriesname: bench.big
                PrimeKeys: T
                Keyword: T, int, variable, record, DRMS_MISSING_VALUE, %d, none, "step"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %g, DN, "mean"
                Keyword: NOTE, string, variable, record, "", %s, none, "note"
                """), false);
        long t = System.nanoTime();
        jdbc.update("INSERT INTO bench.big (t, datamean, note) SELECT i, sin(i / 1000.0) * 10, 'record ' || i"
                + " FROM generate_series(1, ?) i", RECORDS);
        System.out.printf("StatusSiteBenchmark: %d records inserted in %.1f s%n", RECORDS,
                (System.nanoTime() - t) / 1e9);
        long recnum = jdbc.queryForObject("SELECT recnum FROM bench.big WHERE t = 500000", Long.class);
        List<String> pages = List.of("/status", "/status/series", "/status/series/bench.big",
                "/status/series/bench.big?key=DATAMEAN", "/status/records/bench.big/" + recnum);
        measure(pages, "before ANALYZE");
        jdbc.execute("ANALYZE bench.big");
        measure(pages, "after ANALYZE");
    }

    /** Each page a side (ms per GET, lower is better), next to the bare HTTP round trip of a tiny answer. */
    void measure(List<String> pages, String when) throws Exception {
        Bench bench = new Bench("StatusSiteBenchmark-" + when.replace(' ', '-'), "the status site's pages on "
                + RECORDS + " records, " + when);
        bench.time("HTTP round trip (GET /actuator/info)", "ms",
                () -> 1e3 * Bench.seconds(() -> assertThat(get("/actuator/info").statusCode()).isEqualTo(200)));
        for (String p : pages) {
            bench.time(p, "ms", () -> {
                @SuppressWarnings("unchecked")
                HttpResponse<String>[] r = new HttpResponse[1];
                double ms = 1e3 * Bench.seconds(() -> r[0] = get(p));
                assertThat(r[0].statusCode()).as(p).isEqualTo(200);
                if (p.endsWith("DATAMEAN")) {
                    assertThat(r[0].body().split("class=\"pt\"", -1))
                            .hasSize(SeriesSiteController.TREND_POINTS + 1);
                }
                if (p.startsWith("/status/series/bench.big")) {
                    assertThat(r[0].body()).contains("bench.big");
                }
                return ms;
            });
        }
        Bench.Result r = bench.run();
        for (String p : pages) {
            assertThat(r.median(p)).as(p + " median ms").isLessThan(1000);
        }
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
