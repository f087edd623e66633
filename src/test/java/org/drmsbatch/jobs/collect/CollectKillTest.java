package org.drmsbatch.jobs.collect;

import org.drmsbatch.jobs.JobTests;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.util.FileSystemUtils;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * collect killed (SIGKILL) in a child JVM after two committed chunks, then restarted here: exactly one record per
 * chunk, and after the sweep of the dead session no storage-unit directory without its sum_main row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class CollectKillTest {

    static final String URL = TestDatabase.newDatabase();
    static final Path HOME = JobTests.newHome("drms-collect-kill-test");
    static final int CHUNKS = 60;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> URL);
        registry.add("spring.datasource.username", TestDatabase::user);
        registry.add("drms.home", HOME::toString);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    JobRun awaitEnd(long id) throws InterruptedException {
        return JobTests.awaitEnd(jobs, id, 120);
    }

    Set<String> orphanedUnits() throws IOException {
        return JobTests.orphanedUnits(drms, jdbc, false);
    }

    /**
     * Killed in the first chunk (nothing committed), after two chunks, and in the last chunks. Each case uses its own
     * series and buffer directory (the restart opens this context's buffer, so each case has its own context).
     */
    @ParameterizedTest(name = "killed after {0} commits")
    @ValueSource(ints = {0, 2, 10})
    void aKilledCollectIsRestartedWithNoDuplicateAndNoLostRecord(int commits) throws Exception {
        String series = "gw.strain_kill" + commits;
        // the buffer is emptied and filled here, then closed: the child process owns it while it runs
        FileSystemUtils.deleteRecursively(HOME.resolve("buffer"));
        List<Double> t0s = new ArrayList<>();
        try (DataBuffer buffer = DataBuffer.open(HOME.resolve("buffer"), 1L << 30, 4 << 20)) {
            for (int i = 0; i < CHUNKS; i++) {
                double[] h = new double[256];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.01 * k * (i + 1));
                }
                buffer.store(new Chunk(h, 5000.0 + i, 0.5));
                t0s.add(DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH) + 5000.0 + i);
            }
        }

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stderr = HOME.resolve("child.err");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CollectJobChild.class.getName(), URL, TestDatabase.user(), HOME.toString(), "killed-" + commits, "5",
                "40", Integer.toString(commits), series)
                .redirectError(stderr.toFile()).start();
        long id = -1;
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the child died
                }
                lines.add("EOF");
            });
            reader.setDaemon(true);
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(l).as("child output (stderr: %s)", Files.exists(stderr) ? Files.readString(stderr) : "")
                        .isNotNull().isNotEqualTo("EOF");
                if (l.startsWith("EXECUTION ")) {
                    id = Long.parseLong(l.substring(10).trim());
                } else if (l.startsWith("COMMITTED ")) {
                    break;
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: the execution stays STARTED, a chunk is left half done
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        JobRun left = jobs.view(id);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().get(0).write();
        assertThat(committed).isGreaterThanOrEqualTo(5L * commits).isLessThan(CHUNKS);
        long stored = !drms.listSeries(Pattern.quote(series)).isEmpty() ? drms.<Long>read(s -> s.count(series)) : 0;
        assertThat(stored).isEqualTo(committed);

        // restart: the dead execution is recovered, the reader resumes after the last committed file
        JobRun done = awaitEnd(jobs.restart(id, Map.of("delay", "0")).executionId());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).read()).isEqualTo(CHUNKS - committed);

        List<Record> records = drms.read(s -> s.open(series, 0));
        assertThat(records.stream().map(r -> r.getTime("T_START")).sorted().toList()).isEqualTo(t0s);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class)).isEqualTo(CHUNKS);

        // the killed session's directories go with the sweep (as at the next start-up)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Set<String> orphans;
        do {
            drms.sweep();
            orphans = orphanedUnits();
        } while (!orphans.isEmpty() && System.nanoTime() < deadline && sleep());
        assertThat(orphans).isEmpty();
    }

    static boolean sleep() throws InterruptedException {
        Thread.sleep(100);
        return true;
    }
}
