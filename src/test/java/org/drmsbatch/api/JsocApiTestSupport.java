package org.drmsbatch.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.SegmentArray;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web server on a real port for the JSOC API tests (one Spring context for all of them: give each class its
 * own series namespace), and a small series pair to query and export: {@code <ns>.images} (prime keys T_REC,
 * CAMERA; a Rice-compressed FITS image segment 8×6 whose pixel (x, y) is {@code 100·CAMERA + 8y + x}; a static
 * link CAL with the linked keyword GAIN) and {@code <ns>.cal}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.export.allowed-addresses=.*@example\\.org"})
abstract class JsocApiTestSupport {

    static final Path home = newHome();
    static final String EMAIL = "tester@example.org";
    static final String T0 = "2010.05.01_00:00:00_TAI";
    static final String T1 = "2010.05.01_00:12:00_TAI";

    private static Path newHome() {
        try {
            return Files.createTempDirectory("drms-jsoc-test-home");
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

    /** GET a CGI with parameters (URL-encoded here), expecting 200 and JSON. */
    JsonNode cgi(String cgi, String... nameValues) throws Exception {
        HttpResponse<String> r = get("/cgi-bin/ajax/" + cgi + query(nameValues));
        if (r.statusCode() != 200) {
            throw new AssertionError(cgi + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
        return json.readTree(r.body());
    }

    static String query(String... nameValues) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            parts.add(enc(nameValues[i]) + "=" + enc(nameValues[i + 1]));
        }
        return parts.isEmpty() ? "" : "?" + String.join("&", parts);
    }

    static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    HttpResponse<String> get(String rawPath) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + rawPath)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String rawPath) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + rawPath)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static String jsd(String ns) {
        return """
                Seriesname: %1$s.cal
                Author: "test"
                Owner: test
                Unitsize: 1
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: CALVER
                Description: "Calibrations (Ångström)"
                Keyword: CALVER, int, variable, record, DRMS_MISSING_VALUE, "%%d", none, "Calibration version"
                Keyword: GAIN, double, variable, record, DRMS_MISSING_VALUE, "%%.2f", none, "Gain"
                ----
                Seriesname: %1$s.images
                Author: "test"
                Owner: test
                Unitsize: 2
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: T_REC, CAMERA
                DBIndex: T_REC
                Description: "Images for the JSOC API tests"
                Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "[T_REC] Slot time"
                Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, "Slot origin"
                Keyword: T_REC_step, float, constant, record, 720.0, "%%.1f", "secs", "Slot step"
                Keyword: T_REC_unit, string, constant, record, "secs", "%%s", none, "Step unit"
                Keyword: CAMERA, int, variable, record, DRMS_MISSING_VALUE, "%%d", none, "Camera number"
                Keyword: EXPTIME, double, variable, record, DRMS_MISSING_VALUE, "%%.3f", s, "Exposure time"
                Keyword: QUALITY, int, variable, record, 0, "0x%%08X", none, "Quality flags"
                Link: CAL, %1$s.cal, static, "Calibration used"
                Keyword: GAIN, link, CAL, GAIN, "Gain of the calibration"
                Data: image, variable, short, 2, 8, 6, DN, fits, "compress Rice", 0.0, 0.5, "Image"
                """.formatted(ns);
    }

    /** Pixel (x, y) of a camera's image. */
    static float pixel(int camera, int x, int y) {
        return 100f * camera + 8 * y + x;
    }

    /**
     * Creates {@code <ns>.cal} (one record, GAIN 1.5) and {@code <ns>.images}: four records at T0 and T1 for
     * cameras 1 and 2 linked to it; EXPTIME is missing for (T1, camera 2).
     */
    void createSeries(String ns) {
        String[] defs = jsd(ns).split("----\n");
        for (String d : defs) {
            drms.createSeries(new JsdParser().parse(ns + ".jsd", d), true);
        }
        drms.inSession(s -> {
            Record cal = s.create(ns + ".cal");
            cal.set("CALVER", 3);
            cal.set("GAIN", 1.5);
            s.close(cal, DrmsSession.Action.INSERT);
            List<Record> images = new ArrayList<>();
            for (String t : List.of(T0, T1)) {
                for (int camera = 1; camera <= 2; camera++) {
                    Record r = s.create(ns + ".images");
                    r.set("T_REC", DrmsTime.parse(t));
                    r.set("CAMERA", camera);
                    if (!(t.equals(T1) && camera == 2)) {
                        r.set("EXPTIME", 0.25 * camera);
                    }
                    float[] img = new float[8 * 6];
                    for (int y = 0; y < 6; y++) {
                        for (int x = 0; x < 8; x++) {
                            img[y * 8 + x] = pixel(camera, x, y);
                        }
                    }
                    r.write("image", SegmentArray.ofFloats(img, 8, 6));
                    r.setLink("CAL", cal);
                    images.add(r);
                }
            }
            s.close(images, DrmsSession.Action.INSERT);
            return null;
        });
    }
}
