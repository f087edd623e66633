package org.drmsbatch.jobs.rescale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import nom.tam.fits.Fits;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * rescale, partitioned and writing new versions into its input series, killed (SIGKILL) in a child JVM after a few
 * committed chunks, then restarted here: exactly one clone per input record (none twice, none lost, no clone
 * rescaled again), and after the sweep of the dead session no storage-unit directory without its row.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = FaultInjectionTestConfiguration.PROPERTY)
class RescaleKillTest {

    static final KillHarness HARNESS = KillHarness.create("drms-rescale-kill-test");
    static final String SERIES = "kill.strain";
    static final int RECORDS = 40;

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

    static final String JSD = """
            Seriesname: kill.strain
            Unitsize: 4
            PrimeKeys: CHUNK
            Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %d, none, "chunk"
            Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, %g, strain, "max"
            Keyword: SRC_RECNUM, longlong, variable, record, DRMS_MISSING_VALUE, %lld, none, "source"
            Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
            """;

    static double[] samples(Path fits) throws Exception {
        try (Fits f = new Fits(fits.toFile())) {
            return (double[]) f.readHDU().getKernel();
        }
    }

    @Test
    void aKilledPartitionedRescaleIsRestartedAndEndsWithExactlyOneClonePerRecord() throws Exception {
        // given 40 records of 2000 samples each
        drms.createSeries(new JsdParser().parse("kill.jsd", JSD), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                double[] h = new double[2000];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.001 * k * (i + 1));
                }
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(h, h.length));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        Map<Long, double[]> originals = new HashMap<>();
        for (Record r : drms.read(s -> s.open(SERIES, 0))) {
            originals.put(r.recnum(), samples(r.segmentPath("strain")));
        }

        // when a slow rescale (2 partitions, 2 records a chunk, 60 ms a record) is killed after 4 commits
        long killed = HARNESS.killAt(KillHarness.COMMITTED, RescaleJobChild.class, SERIES, "2", "2", "60", "4");

        // then its execution is left STARTED with one clone stored per committed record
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        long committed = left.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                .mapToLong(JobRun.Step::write).sum();
        String table = SeriesCatalog.table(drms.describeSeries(SERIES));
        assertThat(committed).isGreaterThanOrEqualTo(4).isLessThan(RECORDS);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class)).isEqualTo(RECORDS + committed);

        // and the restart, each partition resuming after its last committed chunk, completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                .mapToLong(JobRun.Step::write).sum()).isEqualTo(RECORDS - committed);

        // with exactly one clone per input record (none twice, none lost, no clone rescaled again), each -2x + 1
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class)).isEqualTo(2L * RECORDS);
        List<Record> latest = drms.read(s -> s.open(SERIES, 0));
        assertThat(latest).hasSize(RECORDS);
        assertThat(latest.stream().map(r -> r.getLong("SRC_RECNUM")).toList()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(originals.keySet());
        for (Record c : latest.subList(0, 5)) {
            double[] x = originals.get(c.getLong("SRC_RECNUM"));
            double[] y = samples(c.segmentPath("strain"));
            for (int k = 0; k < x.length; k++) {
                assertThat(y[k]).isEqualTo(-2 * x[k] + 1);
            }
        }

        // and the killed sessions' storage units go with the sweep
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }
}
