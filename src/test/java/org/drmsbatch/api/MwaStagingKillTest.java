package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.cli.DrmsCommand;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.staging.StagingRequest;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * An MWA job survives the death of the server that took it: a {@code drms serve} in its own JVM, its monitor off so
 * the job cannot complete there, answers a POST with 202 and is killed (SIGKILL); a second {@code drms serve} on the
 * same home and database stages the job's units and calls back. This JVM only makes the data and reads the database.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB"})
class MwaStagingKillTest {

    static final String TOKEN = "mwa-kill-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-mwa-kill-test");
    static final String DATABASE = TestDatabase.newDatabase();
    static final Pattern BANNER = Pattern.compile("drms: serving on http://127\\.0\\.0\\.1:(\\d+)/ .*");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, DATABASE, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    StagingStore store;

    record Served(ChildJvm jvm, int port) {
    }

    /** Starts {@code drms serve} on the test's home and database, and waits for its banner. */
    Served serve(String name, boolean monitor) throws Exception {
        List<String> args = new ArrayList<>(List.of("--home", HOME.toString(),
                "--set", "spring.datasource.url=" + DATABASE,
                "--set", "spring.datasource.username=" + TestDatabase.user(),
                "--set", "drms.security.token=" + TOKEN,
                "--set", "drms.tape.directory=" + HOME.resolve("tape"), "--set", "drms.tape.time-scale=0",
                "--set", "drms.tape.drives=2", "--set", "drms.tape.volume-capacity=40KB",
                "--set", "drms.staging.monitor=" + monitor, "--set", "drms.staging.check-interval=200ms",
                "--set", "drms.staging.callback-hosts=127.0.0.1",
                "serve", "--port", "0"));
        Path stderr = HOME.resolve("stderr-" + name);
        ChildJvm jvm = ChildJvm.start(DrmsCommand.class, stderr, args.toArray(String[]::new));
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = jvm.lines().poll(120, TimeUnit.SECONDS);
            assertThat(line).as("drms serve printed %s; stderr: %s", lines,
                    Files.exists(stderr) ? Files.readString(stderr) : "").isNotNull().isNotEqualTo(ChildJvm.EOF);
            lines.add(line);
            Matcher m = BANNER.matcher(line);
            if (m.matches()) {
                return new Served(jvm, Integer.parseInt(m.group(1)));
            }
        }
    }

    @Test
    void aJobTakenByAServerKilledBeforeItCompletesIsCompletedByTheNextServer() throws Exception {
        List<Long> units = TapedUnits.create(drms, "mwa.kill", 51, 3);
        TapedUnits.archive(drms, archive, units, 1);
        TapedUnits.takeOffline(drms, jdbc, units);
        List<String> paths = units.stream().map(MwaStagingApiTest::download).toList();
        long job = 9001;

        Served first = serve("first", false);
        MwaClient mwa = new MwaClient("http://127.0.0.1:" + first.port(), TOKEN);
        try {
            MwaClient.Answer posted = mwa.post("/staging", mwa.newJob(job, paths));
            assertThat(posted.status()).as(posted.body()).isEqualTo(202);
        } catch (Throwable t) {
            mwa.close();
            throw t;
        } finally {
            first.jvm().process().destroyForcibly(); // SIGKILL
            assertThat(first.jvm().process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        StagingRequest left = store.latestMwa(job).orElseThrow();
        assertThat(left.state()).isEqualTo("active");
        assertThat(left.totalFiles()).isEqualTo(3);
        assertThat(left.waitingFiles()).isEqualTo(3);

        Served second = serve("second", true);
        try {
            JsonNode result = mwa.awaitResult(job, 60);
            assertThat(result.toString()).isEqualTo("{\"job_id\":9001,\"return_code\":0,\"total_files\":3,"
                    + "\"ready_files\":3,\"error_files\":0,\"comment\":\"All 3 files staged successfully\"}");
            MwaClient again = new MwaClient("http://127.0.0.1:" + second.port(), TOKEN);
            try {
                JsonNode s = again.get("/staging?job_id=9001&include_files=true").json();
                assertThat(s.get("completed").asBoolean()).isTrue();
                assertThat(s.get("ready_files").asInt()).isEqualTo(3);
                assertThat(s.get("files").propertyNames()).containsExactlyInAnyOrderElementsOf(paths);
            } finally {
                again.close();
            }
            assertThat(mwa.results(job)).hasSize(1);
            assertThat(jdbc.queryForList("SELECT online_status FROM sums.sum_main WHERE ds_index = ANY (?)",
                    String.class, (Object) units.toArray(Long[]::new))).containsOnly("Y");
        } finally {
            mwa.close();
            second.jvm().process().destroy();
            if (!second.jvm().process().waitFor(60, TimeUnit.SECONDS)) {
                second.jvm().process().destroyForcibly();
            }
        }
    }
}
