package org.drmsbatch.jobs.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * archive killed (SIGKILL) in a child JVM after two committed chunks, while a third has written its tape files past
 * the volume's committed end and not yet committed, then restarted here: every unit has exactly one tape file, the
 * volume (as GNU tar lists it) holds no unit twice, the catalog's committed end is the end of the last tape file,
 * and no storage-unit directory is left without its row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {FaultInjectionTestConfiguration.PROPERTY, ArchiveKillTest.TAPE_DIRECTORY,
                "drms.tape.time-scale=0"})
class ArchiveKillTest {

    /** The volumes' directory, under the harness's home, for this context and the child alike. */
    static final String TAPE_DIRECTORY = "drms.tape.directory=tape";
    static final KillHarness HARNESS = KillHarness.create("drms-archive-kill-test");
    static final String SERIES = "kill.arc";
    static final int UNITS = 20;

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
    @Autowired
    TarTapeLibrary library;

    static final String JSD = """
            Seriesname: kill.arc
            Archive: 1
            Tapegroup: 3
            Unitsize: 1
            PrimeKeys: CHUNK
            Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %d, none, "chunk"
            Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
            """;

    @Test
    void aKilledArchiveIsRestartedAndEndsWithExactlyOneTapeFilePerUnit() throws Exception {
        // given 20 units waiting for archive
        drms.createSeries(new JsdParser().parse("kill.jsd", JSD), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, UNITS);
            for (int i = 0; i < UNITS; i++) {
                double[] h = new double[3000];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.001 * k * (i + 1));
                }
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(h, h.length));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        List<Long> units = jdbc.queryForList("SELECT ds_index FROM sums.sum_main ORDER BY ds_index", Long.class);
        assertThat(units).hasSize(UNITS);

        // when a slow archive (3 units a chunk, 200 ms a unit before its chunk commits) is killed after 2 commits,
        // a later chunk's tape files written past the volume's committed end
        long killed = HARNESS.killAt(KillHarness.COMMITTED, ArchiveJobChild.class, SERIES, "3", "200", "2");

        // then its execution is left STARTED with a tape file per committed unit, and more on the volume
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().get(0).write();
        assertThat(committed).isGreaterThanOrEqualTo(6).isLessThan(UNITS);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_file", Long.class)).isEqualTo(committed);
        String volume = jdbc.queryForObject("SELECT tapeid FROM sums.sum_tape", String.class);
        // (the kill may land inside an append: the last, uncommitted tape file may be cut short)
        assertThat(tarList(library.file(volume), true).size()).as("units on the volume, committed or not")
                .isGreaterThan((int) committed);

        // and the restart, resuming after the last committed chunk, completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).write()).isEqualTo(UNITS - committed);

        // with exactly one tape file per unit, each unit archived
        assertThat(jdbc.queryForList("SELECT ds_index FROM sums.sum_file WHERE copy = 1 ORDER BY ds_index",
                Long.class)).isEqualTo(units);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_file", Long.class)).isEqualTo(UNITS);
        assertThat(jdbc.queryForList("SELECT DISTINCT archive_status FROM sums.sum_main", String.class))
                .containsExactly("Y");

        // and the volume, cut back to its committed end before the restart wrote to it, lists no unit twice
        List<String> listed = tarList(library.file(volume));
        assertThat(listed).doesNotHaveDuplicates().hasSize(UNITS)
                .containsExactlyInAnyOrderElementsOf(units.stream().map(u -> "D" + u).toList());

        // and its committed end is the end of its last tape file, followed only by tar's end blocks
        long end = jdbc.queryForObject("SELECT end_bytes FROM sums.sum_tape WHERE tapeid = ?", Long.class, volume);
        assertThat(jdbc.queryForObject("SELECT max(position + bytes) FROM sums.sum_file WHERE tapeid = ?",
                Long.class, volume)).isEqualTo(end);
        assertThat(Files.size(library.file(volume))).isEqualTo(end + ArchiveJobChild.TAR_EOF);
        for (Map<String, Object> f : jdbc.queryForList("SELECT position, bytes, md5cksum FROM sums.sum_file")) {
            assertThat(ArchiveJobTest.md5(library.file(volume), ((Number) f.get("position")).longValue(),
                    ((Number) f.get("bytes")).longValue())).isEqualTo(f.get("md5cksum"));
        }

        // and no storage-unit directory is left without its row
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }

    /** The unit directories (top-level entries D&lt;sunum&gt;/) GNU tar lists on a volume, in order. */
    static List<String> tarList(Path volume) throws Exception {
        return tarList(volume, false);
    }

    /**
     * As {@link #tarList(Path)}; {@code cutShort}: the volume may end inside its last tape file (a process killed
     * while appending it), which GNU tar reports as an unexpected end of the archive after listing the rest.
     */
    static List<String> tarList(Path volume, boolean cutShort) throws Exception {
        Process tar = new ProcessBuilder("tar", "-tf", volume.toString()).redirectErrorStream(true).start();
        List<String> lines = new String(tar.getInputStream().readAllBytes()).lines().toList();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // GNU tar says "Unexpected EOF in archive" when the cut falls on a 512-byte block boundary, and "rmtlseek not
        // stopped at a record boundary" when it skips a member's data past a cut inside a block
        boolean endedEarly = cutShort && tar.exitValue() == 2 && lines.stream()
                .anyMatch(l -> l.contains("Unexpected EOF in archive") || l.contains("not stopped at a record boundary"));
        if (!endedEarly) {
            assertThat(tar.exitValue()).as("tar -tf %s: %s", volume, lines).isZero();
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (l.matches("D\\d+/")) {
                out.add(l.substring(0, l.length() - 1));
            }
        }
        return out;
    }
}
