package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The real python {@code drms} client (python3-drms from Debian, as {@code .ci/run} installs it) against this
 * server: src/test/python/test_drms_client.py lists series, reads a series' info, queries keywords and segments
 * (downloading a segment by its path), checks e-mail addresses, and exports with {@code url_quick}/{@code as-is}
 * and {@code url}/{@code fits}, downloading the files and opening them with astropy.
 */
class JsocDrmsClientTest extends JsocApiTestSupport {

    static final String NS = "jsocpy";

    @Test
    void thePythonDrmsClientListsQueriesExportsAndDownloads() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        assumeTrue(new ProcessBuilder(python.toString(), "-c", "import drms, astropy").start().waitFor() == 0,
                "python3-drms or python3-astropy is not installed (.ci/run installs them)");
        createSeries(NS);
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-m", "unittest", "-v", "test_drms_client")
                .directory(Path.of("src/test/python").toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("DRMS_TEST_URL", base());
        env.put("DRMS_TEST_SERIES", NS + ".images");
        env.put("DRMS_TEST_EMAIL", EMAIL);
        env.put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        System.out.println(out);
        assertThat(p.exitValue()).as(out).isZero();
        // every test really ran and passed (a skip would prove nothing)
        for (String test : List.of("test_series_list", "test_info", "test_query_keys_and_segments",
                "test_query_with_record_index_and_limit", "test_a_bad_query_raises_with_the_servers_reason",
                "test_check_email", "test_url_quick_as_is_export_and_download", "test_url_fits_export_and_download",
                "test_export_of_an_unknown_series_fails_with_jsocs_text")) {
            assertThat(out).as(out).containsPattern(test + " \\(test_drms_client\\.DrmsClientTest\\."
                    + test + "\\) \\.\\.\\. ok");
        }
    }
}
