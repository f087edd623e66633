package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.config.ApiToken;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.segments.FitsFormat;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Airflow side of staging: airflow/drms_client.py's staging calls and the StageExport DAG's tasks
 * (airflow/tests/test_staging_server.py, python3 with requests, from Debian) against this server over a real socket,
 * with a tape library and the staging monitor turning every 200 ms. Records archived and taken offline are staged
 * (the sensor waits until they are back), then exported; the exported FITS files hold the records' values.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet", "drms.staging.check-interval=200ms",
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB"})
class AirflowStagingTest {

    static final Path HOME = JobTests.newHome("drms-airflow-staging-test");
    static final String SERIES = "airstage.images";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @LocalServerPort
    int port;
    @Autowired
    ApiToken token;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    ExportRoot exports;

    @Test
    void theStagingClientAndTheStageExportDagPassAgainstTheServer() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        assumeTrue(new ProcessBuilder(python.toString(), "-c", "import requests").start().waitFor() == 0,
                "python3-requests is not installed");
        // six records on tape and off disk: the DAG stages and exports 1-3, the client test stages 4-6
        List<Long> sunums = TapedUnits.create(drms, SERIES, 41, 6);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);

        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-m", "unittest", "-v", "test_staging_server",
                "test_dag").directory(Path.of("airflow/tests").toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("DRMS_TEST_URL", "http://127.0.0.1:" + port);
        env.put("DRMS_TEST_TOKEN", token.value());
        env.remove("DRMS_API_TOKEN");
        env.remove("DRMS_URL");
        env.put("DRMS_TEST_STAGE_DS", SERIES + "[1-3]");
        env.put("DRMS_TEST_STAGE_SUNUMS", sunums.subList(3, 6).stream().map(String::valueOf)
                .collect(Collectors.joining(",")));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        System.out.println(out);
        assertThat(p.exitValue()).as(out).isZero();
        for (String test : List.of("test_the_stage_export_dag_stages_waits_and_exports",
                "test_units_staged_and_listed", "test_an_unknown_unit_fails_the_sensor_with_the_reason",
                "test_a_query_that_does_not_parse_is_refused_with_its_position",
                "test_without_credentials_staging_is_refused_with_401",
                "test_stage_export_graph_with_airflow_stand_ins")) {
            assertThat(out).as("%s ran and passed", test).containsPattern(test + " \\(.*\\) \\.\\.\\. ok");
        }

        // the export the DAG ran (request id staged-<staging id>) holds the staged records' values
        String stagingId = jdbc.queryForObject("SELECT token FROM staging.request WHERE query = ?", String.class,
                SERIES + "[1-3]");
        Path dir = exports.directory("staged-" + stagingId);
        assertThat(dir).isDirectory();
        List<Path> fits;
        try (Stream<Path> files = Files.list(dir)) {
            fits = files.filter(f -> f.toString().endsWith(".fits")).sorted().toList();
        }
        assertThat(fits).hasSize(3);
        for (Record r : drms.read(s -> s.open(SERIES, 0))) {
            int fsn = r.getInt("FSN");
            if (fsn > 3) {
                continue;
            }
            Path f = fits.stream().filter(x -> x.getFileName().toString().contains("." + r.recnum() + "."))
                    .findFirst().orElseThrow();
            SegmentArray a = new FitsFormat(false).read(f, null);
            float[] expected = TapedUnits.image(fsn);
            assertThat(a.length()).isEqualTo(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat((float) a.physical(i)).as("%s value %d", f, i).isEqualTo(expected[i]);
            }
        }
        // and every unit came back online: the DAG's three and the client test's three
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE ds_index = ANY (?)"
                + " AND online_status = 'Y'", Long.class, (Object) sunums.toArray(Long[]::new))).isEqualTo(6L);
    }
}
