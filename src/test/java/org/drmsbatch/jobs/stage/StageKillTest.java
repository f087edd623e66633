package org.drmsbatch.jobs.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * stage, on a slow tape (streaming 50 KB/s, waited for real), killed (SIGKILL) in a child JVM after a few
 * committed chunks, then restarted here: every unit online exactly once (one directory, one DARO allocation), no
 * DARW row of the dead process left, no directory without its unit, and the records' values right.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {FaultInjectionTestConfiguration.PROPERTY, "drms.tape.time-scale=0", "drms.tape.drives=2",
                "drms.tape.volume-capacity=56KB"})
class StageKillTest {

    static final KillHarness HARNESS = KillHarness.create("drms-stage-kill-test");
    static final String SERIES = "kill.staged";
    static final int UNITS = 24;

    /** The tape library both JVMs use; the child's is slow. */
    static List<String> tapeProperties(Path home) {
        return List.of("drms.tape.directory=" + home.resolve("tape"), "drms.tape.drives=2",
                "drms.tape.volume-capacity=56KB", "drms.tape.time-scale=1", "drms.tape.mount-time=0s",
                "drms.tape.unmount-time=0s", "drms.tape.locate-time=0s", "drms.tape.full-seek-time=0s",
                "drms.tape.streaming-rate=50KB");
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
        registry.add("drms.tape.directory", () -> HARNESS.home().resolve("tape").toString());
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;

    /** Waits until the database has no backend left of a session still open (the killed child's). */
    void awaitDeadBackendsGone() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (jdbc.queryForObject("SELECT count(*) FROM drms.drms_session s JOIN pg_stat_activity a"
                + " ON a.pid = s.backend_pid WHERE s.status = 'open'", Long.class) > 0) {
            assertThat(System.nanoTime()).as("the killed child's database sessions end").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void aKilledStageIsRestartedAndEndsWithEveryUnitOnlineExactlyOnce() throws Exception {
        // given 24 archived units taken offline
        List<Long> sunums = TapedUnits.create(drms, SERIES, 1, UNITS);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        String all = sunums.stream().map(String::valueOf).collect(Collectors.joining(","));

        // when a slow stage (2 drives, 2 units a chunk, 0.3 s a unit) is killed after 3 commits
        long killed = HARNESS.killAt(KillHarness.COMMITTED, StageJobChild.class, all, "2", "50KB", "3");

        // then its execution is left STARTED with some units online and the others offline
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long online = jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE online_status = 'Y'"
                + " AND ds_index = ANY (?)", Long.class, (Object) sunums.toArray(Long[]::new));
        assertThat(online).isGreaterThanOrEqualTo(3 * 2).isLessThan(UNITS);

        // and the restart (no tape waits here), each partition resuming after its last committed chunk, completes
        awaitDeadBackendsGone();
        JobRun done = KillHarness.restart(jobs, killed, Map.of());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.exitDescription()).startsWith(UNITS + " storage units requested: " + UNITS
                + " staged from tape, 0 online already");

        // with every unit online exactly once: one DARO allocation, one directory (where the row says), no DARW
        assertThat(jdbc.queryForList("SELECT online_status FROM sums.sum_main WHERE ds_index = ANY (?)", String.class,
                (Object) sunums.toArray(Long[]::new))).hasSize(UNITS).containsOnly("Y");
        assertThat(jdbc.queryForList("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)",
                Integer.class, (Object) sunums.toArray(Long[]::new))).hasSize(UNITS).containsOnly(SumsStatus.DARO);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_partn_alloc WHERE status = ?", Long.class,
                SumsStatus.DARW)).isZero();
        List<String> directories = new ArrayList<>();
        for (Path p : drms.sums().partitions()) {
            try (Stream<Path> s = Files.list(p)) {
                s.filter(d -> d.getFileName().toString().matches("D\\d+")).forEach(d -> directories.add(d.toString()));
            }
        }
        List<String> locations = jdbc.queryForList("SELECT online_loc FROM sums.sum_main WHERE ds_index = ANY (?)",
                String.class, (Object) sunums.toArray(Long[]::new));
        assertThat(directories).containsExactlyInAnyOrderElementsOf(locations);
        assertThat(JobTests.orphanedUnits(drms, jdbc, true)).isEmpty();

        // and the bytes and values are the archived ones
        Map<Long, Map<String, byte[]>> now = TapedUnits.files(drms, sunums);
        for (long sunum : sunums) {
            assertThat(now.get(sunum).keySet()).isEqualTo(archived.get(sunum).keySet());
            archived.get(sunum).forEach((name, bytes) -> assertThat(now.get(sunum).get(name)).isEqualTo(bytes));
        }
        Map<Integer, float[]> images = TapedUnits.images(drms, SERIES);
        assertThat(images).hasSize(UNITS);
        images.forEach((fsn, values) -> assertThat(values).as("FSN %d", fsn).isEqualTo(TapedUnits.image(fsn)));
    }
}
