package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.drmsbatch.config.ApiToken;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The rescale job over the REST job API on a real socket: refused parameters get 400 with the reason; a run ends COMPLETED. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=servlet")
class RescaleApiTest {

    static final Path HOME = newHome();

    static Path newHome() {
        try {
            return Files.createTempDirectory("drms-rescale-api-test");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
    }

    @LocalServerPort
    int port;

    @Autowired
    Drms drms;

    final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ApiToken token;

    HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").header("Authorization", token.bearer())
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void badParametersGet400WithTheReasonAndAGoodRequestRunsTheJob() throws Exception {
        drms.createSeries(new JsdParser().parse("api.jsd", """
                Seriesname: api.img
                Unitsize: 4
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
                Data: image, variable, float, 2, 8, 8, DN, fits, "", 0.0, 1.0, "image"
                """), false);
        drms.inSession(s -> {
            List<Record> rs = s.create("api.img", 3);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", i);
                rs.get(i).write("image", SegmentArray.ofFloats(new float[64], 8, 8));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });

        HttpResponse<String> bad = post("/api/jobs/rescale", "{\"ds\": \"api.img\", \"out\": \"api.x\", \"partitions\": \"0\"}");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(bad.body()).contains("partitions: 0 is outside 1..8");
        // a job parameter never makes the server read its own files
        for (String job : new String[] {"rescale", "export"}) {
            HttpResponse<String> file = post("/api/jobs/" + job, "{\"ds\": \"api.img,@/etc/passwd\"}");
            assertThat(file.statusCode()).as(file.body()).isEqualTo(400);
            assertThat(file.body()).contains("@file is not allowed here").doesNotContain("root:");
        }
        HttpResponse<String> noLink = post("/api/jobs/rescale", "{\"ds\": \"api.img\"}");
        assertThat(noLink.statusCode()).isEqualTo(400);
        assertThat(noLink.body()).contains("has no SRC_RECNUM or HISTORY keyword");

        HttpResponse<String> ok = post("/api/jobs/rescale",
                "{\"ds\": \"api.img\", \"out\": \"api.img_out\", \"beta\": \"5\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
        String id = ok.body().replaceAll("(?s).*\"executionId\"\\s*:\\s*(\\d+).*", "$1");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body;
        String status;
        do {
            Thread.sleep(50);
            body = get("/api/jobs/executions/" + id).body();
            // the execution's own status comes first, before its steps'
            status = body.replaceAll("(?s)^.*?\"status\":\"([A-Z]+)\".*$", "$1");
        } while (Set.of("STARTING", "STARTED", "STOPPING").contains(status) && System.nanoTime() < deadline);
        assertThat(status).as(body).isEqualTo("COMPLETED");
        assertThat(body).contains("3 clones made");
        assertThat(drms.<Long>read(s -> s.count("api.img_out"))).isEqualTo(3L);
    }
}
