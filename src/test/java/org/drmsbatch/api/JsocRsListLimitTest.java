package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import javax.sql.DataSource;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
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
 * jsoc_info op=rs_list lists at most drms.jsoc.rs-list-limit records, and says so, however large the record set:
 * here 200 000 records and a limit of 1 000.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.jsoc.rs-list-limit=1000",
        "drms.security.token=test-token-0123456789"})
class JsocRsListLimitTest {

    /** A home of its own: this context differs from the other JSOC tests' (its limit), so it cannot share theirs. */
    static final Path home = newHome();

    private static Path newHome() {
        try {
            return Files.createTempDirectory("drms-rslimit-test-home");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @LocalServerPort
    int port;

    @Autowired
    Drms drms;

    final HttpClient http = HttpClient.newHttpClient();
    final JsonMapper json = JsonMapper.builder().build();

    String base() {
        return "http://127.0.0.1:" + port;
    }

    static final int ROWS = 200_000;
    static final int LIMIT = 1_000;
    static final String SERIES = "rslimit.many";
    private static boolean created;

    @Autowired
    DataSource dataSource;

    @BeforeEach
    void manyRecords() throws Exception {
        synchronized (JsocRsListLimitTest.class) {
            if (created) {
                return;
            }
            created = true;
        }
        SeriesDefinition def = new JsdParser().parse("many.jsd", """
                Seriesname: rslimit.many
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "n"
                Keyword: X, double, variable, record, 0, "%.1f", none, "n / 2"
                """);
        drms.createSeries(def, true);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + SeriesCatalog.table(def) + " (n, x) SELECT g, g / 2.0 FROM generate_series(1, "
                    + ROWS + ") g");
        }
    }

    private JsonNode rsList(String... more) throws Exception {
        return rsListOf(SERIES + "[]", more);
    }

    private JsonNode rsListOf(String ds, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("op", "rs_list", "ds", ds, "key", "N,X"));
        args.addAll(List.of(more));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/cgi-bin/ajax/jsoc_info"
                        + JsocApiTestSupport.query(args.toArray(String[]::new))))
                .header("Authorization", "Bearer test-token-0123456789").timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return json.readTree(r.body()); // the whole answer is valid JSON
    }

    private static List<String> values(JsonNode answer, int keyword) {
        return StreamSupport.stream(answer.get("keywords").get(keyword).get("values").spliterator(), false)
                .map(JsonNode::asString).toList();
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(Integer::toString).toList();
    }

    @Test
    void aRecordSetLargerThanTheLimitListsTheLimitAndSaysSo() throws Exception {
        JsonNode all = rsList();
        assertThat(all.get("status").asInt()).isZero();
        assertThat(all.get("count").asInt()).isEqualTo(LIMIT);
        assertThat(all.get("limit").asInt()).isEqualTo(LIMIT);
        assertThat(all.get("warning").asString()).contains("more than " + LIMIT).contains("first " + LIMIT);
        assertThat(values(all, 0)).isEqualTo(numbers(1, LIMIT));
        assertThat(values(all, 1)).hasSize(LIMIT).startsWith("0.5", "1.0").endsWith(LIMIT / 2 + ".0");

        // n= larger than the limit: the limit; from the end: the last ones
        JsonNode last = rsList("n", "-" + (ROWS / 2));
        assertThat(last.get("count").asInt()).isEqualTo(LIMIT);
        assertThat(last.get("limit").asInt()).isEqualTo(LIMIT);
        assertThat(last.get("warning").asString()).contains("last " + LIMIT);
        assertThat(values(last, 0)).isEqualTo(numbers(ROWS - LIMIT + 1, ROWS));
    }

    @Test
    void withinTheLimitTheAnswerIsCompleteAndSaysNothingOfIt() throws Exception {
        JsonNode some = rsList("n", "250", "R", "1");
        assertThat(some.get("count").asInt()).isEqualTo(250);
        assertThat(some.has("limit")).isFalse();
        assertThat(some.has("warning")).isFalse();
        assertThat(values(some, 0)).isEqualTo(numbers(1, 250));
        assertThat(some.get("recinfo")).hasSize(250);
        assertThat(some.get("recinfo").get(0).get("name").asString()).isEqualTo(SERIES + "[1]");

        JsonNode exactly = rsList("n", "-" + LIMIT);
        assertThat(exactly.get("count").asInt()).isEqualTo(LIMIT);
        assertThat(exactly.has("limit")).isFalse();
        assertThat(values(exactly, 0)).isEqualTo(numbers(ROWS - LIMIT + 1, ROWS));

        JsonNode narrow = rsListOf(SERIES + "[][? N > " + (ROWS - 10) + " ?]");
        assertThat(values(narrow, 0)).isEqualTo(numbers(ROWS - 9, ROWS));
        assertThat(narrow.has("limit")).isFalse();

        JsonNode none = rsListOf(SERIES + "[][? N < 0 ?]");
        assertThat(none.get("count").asInt()).isZero();
        assertThat(none.get("status").asInt()).isZero();

        // rs_summary counts without reading the records, n= bounding the count
        HttpResponse<String> summary = http.send(HttpRequest.newBuilder(URI.create(base() + "/cgi-bin/ajax/jsoc_info"
                        + JsocApiTestSupport.query("op", "rs_summary", "ds", SERIES + "[]", "n", "-" + (ROWS * 2))))
                .header("Authorization", "Bearer test-token-0123456789").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(json.readTree(summary.body()).get("count").asInt()).isEqualTo(ROWS);
    }
}
