package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.config.ApiToken;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Airflow side: airflow/drms_client.py and the DAG's tests (python3 with requests, from Debian) run against
 * this server over a real socket — the buffer API, a job that completes and one that fails, and the NightlyPipeline's
 * steps (run_step): rescales of a series chained through their output, a retry of a completed step, a failed step
 * and its retry, which resumes the same job instance. Every series those tests made holds exactly one record per
 * input record.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=1MB",
        "drms.test.counting-job=true",
        FaultInjectionTestConfiguration.PROPERTY})
class AirflowClientTest {

    /** The series the pipeline tests rescale, and its number of records. */
    static final String INPUT = "airpipe.input";
    static final int RECORDS = 6;

    static final Path home = newHome();

    private static Path newHome() {
        try {
            return Files.createTempDirectory("drms-airflow-test-home");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @LocalServerPort
    int port;

    @Autowired
    ApiToken token;
    @Autowired
    Drms drms;

    /** {@link #RECORDS} records of 100 samples each. */
    void input() throws Exception {
        drms.createSeries(new JsdParser().parse(INPUT + ".jsd", """
                Seriesname: %s
                Unitsize: 4
                PrimeKeys: CHUNK
                Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "chunk"
                Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
                """.formatted(INPUT)), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(INPUT, RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                double[] h = new double[100];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.01 * k * (i + 1));
                }
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(h, h.length));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    @Test
    void thePythonClientAndTheDagTestsPassAgainstTheServer() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        assumeTrue(new ProcessBuilder(python.toString(), "-c", "import requests").start().waitFor() == 0,
                "python3-requests is not installed");
        input();
        String key = UUID.randomUUID().toString();
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-m", "unittest", "discover", "-v", "-s",
                "airflow/tests").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("DRMS_TEST_URL", "http://127.0.0.1:" + port);
        env.put("DRMS_TEST_TOKEN", token.value());
        env.remove("DRMS_API_TOKEN");
        env.put("DRMS_TEST_JOB", "counting");
        env.put("DRMS_TEST_JOB_PARAMS", "{\"key\": \"ok-" + key + "\", \"items\": \"25\"}");
        env.put("DRMS_TEST_FAILING_JOB", "counting");
        env.put("DRMS_TEST_FAILING_JOB_PARAMS", "{\"key\": \"bad-" + key + "\", \"items\": \"25\","
                + " \"failAt\": \"7,java.lang.Long,false\"}");
        env.put("DRMS_TEST_PIPELINE_DS", INPUT);
        env.put("DRMS_TEST_PIPELINE_RECORDS", String.valueOf(RECORDS));
        env.remove("DRMS_PIPELINE_STEPS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        System.out.println(out);
        assertThat(p.exitValue()).as(out).isZero();
        // the server tests really ran (a skip would not prove anything)
        assertThat(out).contains("test_a_job_that_completes (test_client_server.ClientAgainstServerTest"
                + ".test_a_job_that_completes) ... ok");
        assertThat(out).contains("test_a_failing_job_fails_the_task (test_client_server.ClientAgainstServerTest"
                + ".test_a_failing_job_fails_the_task) ... ok");
        assertThat(out).contains("test_without_credentials_jobs_and_train_are_refused_with_401"
                + " (test_client_server.ClientAgainstServerTest"
                + ".test_without_credentials_jobs_and_train_are_refused_with_401) ... ok");
        assertThat(out).contains("test_stats_and_train_on_a_buffer_below_its_threshold"
                + " (test_client_server.ClientAgainstServerTest"
                + ".test_stats_and_train_on_a_buffer_below_its_threshold) ... ok");
        for (String test : List.of("test_the_job_api_says_which_jobs_take_run",
                "test_a_two_step_chain_where_step_two_takes_step_ones_output",
                "test_a_retry_of_a_completed_step_takes_its_output_and_starts_nothing",
                "test_a_failed_step_raises_with_the_reason_and_its_retry_resumes_the_same_instance",
                "test_bad_parameters_are_refused_with_the_reason",
                "test_the_nightly_pipeline_dags_tasks_chain_and_retry",
                "test_each_task_passes_its_output_on_as_the_next_steps_ds")) {
            assertThat(out).as("%s ran and passed", test).containsPattern(test + " \\(.*\\) \\.\\.\\. ok");
        }
        // every series the pipeline tests made (rescales of the input, or of a rescale of it) holds one record per
        // input record: none lost by a failure, none twice after a retry
        List<String> made = drms.listSeries("^airpipe\\.").stream().map(d -> d.name())
                .filter(n -> !n.equalsIgnoreCase(INPUT)).toList();
        assertThat(made).hasSizeGreaterThanOrEqualTo(7);
        for (String series : made) {
            List<Record> records = drms.read(s -> s.open(series, 0));
            assertThat(records).as(series).hasSize(RECORDS);
        }
    }
}
