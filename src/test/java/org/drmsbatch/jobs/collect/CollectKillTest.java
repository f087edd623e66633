package org.drmsbatch.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * collect killed (SIGKILL) in a child JVM after some committed chunks, then restarted here: exactly one record per
 * chunk, and after the sweep of the dead session no storage-unit directory without its sum_main row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = FaultInjectionTestConfiguration.PROPERTY)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class CollectKillTest {

    static final KillHarness HARNESS = KillHarness.create("drms-collect-kill-test");
    static final int CHUNKS = 60;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    /**
     * Killed in the first chunk (nothing committed), after two chunks, and in the last chunks. Each case uses its own
     * series and buffer directory (the restart opens this context's buffer, so each case has its own context).
     */
    @ParameterizedTest(name = "killed after {0} commits")
    @ValueSource(ints = {0, 2, 10})
    void aKilledCollectIsRestartedWithNoDuplicateAndNoLostRecord(int commits) throws Exception {
        // given 60 chunks in the buffer (filled here, then closed: the child process owns it while it runs)
        String series = "gw.strain_kill" + commits;
        FileSystemUtils.deleteRecursively(HARNESS.home().resolve("buffer"));
        List<Double> t0s = new ArrayList<>();
        try (DataBuffer buffer = DataBuffer.open(HARNESS.home().resolve("buffer"), 1L << 30, 4 << 20)) {
            for (int i = 0; i < CHUNKS; i++) {
                double[] h = new double[256];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.01 * k * (i + 1));
                }
                buffer.store(new Chunk(h, 5000.0 + i, 0.5));
                t0s.add(DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH) + 5000.0 + i);
            }
        }

        // when a slow collect (5 chunks a commit, 40 ms a chunk) is killed after `commits` commits
        long killed = HARNESS.killAt(KillHarness.COMMITTED, CollectJobChild.class, "killed-" + commits, "5", "40",
                Integer.toString(commits), series);

        // then its execution is left STARTED with exactly the committed records stored
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().get(0).write();
        assertThat(committed).isGreaterThanOrEqualTo(5L * commits).isLessThan(CHUNKS);
        long stored = !drms.listSeries(Pattern.quote(series)).isEmpty() ? drms.<Long>read(s -> s.count(series)) : 0;
        assertThat(stored).isEqualTo(committed);

        // and the restart resumes after the last committed chunk and completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).read()).isEqualTo(CHUNKS - committed);

        // with one record per chunk: none twice, none lost
        List<Record> records = drms.read(s -> s.open(series, 0));
        assertThat(records.stream().map(r -> r.getTime("T_START")).sorted().toList()).isEqualTo(t0s);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class)).isEqualTo(CHUNKS);

        // and the killed session's storage units go with the sweep
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }

    @Test
    void aKilledPartitionedCollectIsRestartedWithNoDuplicateAndNoLostRecord() throws Exception {
        // given 60 chunks in the buffer (filled here, then closed: the child process owns it while it runs)
        String series = "gw.strain_killp";
        FileSystemUtils.deleteRecursively(HARNESS.home().resolve("buffer"));
        List<Double> t0s = new ArrayList<>();
        try (DataBuffer buffer = DataBuffer.open(HARNESS.home().resolve("buffer"), 1L << 30, 4 << 20)) {
            for (int i = 0; i < CHUNKS; i++) {
                buffer.store(new Chunk(new double[] {i, -i, 0.5 * i}, 7000.0 + i, 0.5));
                t0s.add(DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH) + 7000.0 + i);
            }
        }

        // when a slow collect in 3 partitions (4 chunks a commit, 40 ms a chunk) is killed after 4 commits in all
        long killed = HARNESS.killAt(KillHarness.COMMITTED, CollectJobChild.class, "killed-p", "4", "40", "4",
                series, "3");

        // then its execution is left STARTED with exactly its partitions' committed records stored
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().stream()
                .filter(s -> s.name().startsWith(CollectJobConfiguration.WORKER_STEP + ":"))
                .mapToLong(JobRun.Step::write).sum();
        assertThat(committed).isGreaterThanOrEqualTo(16).isLessThan(CHUNKS);
        assertThat(drms.<Long>read(s -> s.count(series))).isEqualTo(committed);

        // and the restart resumes each partition after its last committed chunk and completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().stream().filter(s -> s.name().startsWith(CollectJobConfiguration.WORKER_STEP + ":"))
                .mapToLong(JobRun.Step::read).sum()).isEqualTo(CHUNKS - committed);

        // with one record per chunk: none twice, none lost; and output.ds names them all
        List<Record> records = drms.read(s -> s.open(series, 0));
        assertThat(records.stream().map(r -> r.getTime("T_START")).sorted().toList()).isEqualTo(t0s);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class)).isEqualTo(CHUNKS);
        assertThat(new RecordSets(drms).open(done.output(), 0)).hasSize(CHUNKS);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }
}
