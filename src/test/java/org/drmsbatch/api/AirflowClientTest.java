package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.config.ApiToken;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Airflow side: airflow/drms_client.py and the DAG's tests (python3 with requests, from Debian) run against
 * this server over a real socket — the buffer API, a job that completes and one that fails.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=1MB",
        "drms.test.counting-job=true"})
class AirflowClientTest {

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

    @Test
    void thePythonClientAndTheDagTestsPassAgainstTheServer() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        assumeTrue(new ProcessBuilder(python.toString(), "-c", "import requests").start().waitFor() == 0,
                "python3-requests is not installed");
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
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
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
    }
}
