package org.drmsbatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.OfflineException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.segments.FitsFormat;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Offline data is never a crash: records archived by the {@code archive} job and taken off disk by the {@code scrub}
 * job are read by {@code rescale} and {@code export} all the same — their first step stages the input back from tape
 * — with the right values; reading an offline record's segment directly names the unit to stage; the job's pins
 * are gone when it ends.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.sums.capacity=1KB"})
class StageInputTest {

    static final Path HOME = JobTests.newHome("drms-stage-input-test");
    static final String SERIES = "tapetest.frames";
    static final int W = 32;
    static final int H = 24;
    static final int N = 6;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ExportRoot exports;

    static float[] image(int fsn) {
        float[] a = new float[W * H];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (50 * Math.cos(0.03 * i * fsn) + 10 * fsn);
        }
        return a;
    }

    JobRun run(String job, Map<String, String> parameters) throws InterruptedException {
        return JobTests.awaitEnd(jobs, jobs.launch(job, new LinkedHashMap<>(parameters)).getId(), 120);
    }

    long offline() {
        return jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE owning_series = ? AND online_status = 'N'",
                Long.class, SERIES);
    }

    /** Archives what waits for the archive and takes the series' units off disk. */
    void archiveAndScrub() throws InterruptedException {
        JobRun a = run("archive", Map.of());
        assertThat(a.status()).as(a.exitDescription()).isEqualTo("COMPLETED");
        JobRun s = run("scrub", Map.of("force", "true", "series", SERIES));
        assertThat(s.status()).as(s.exitDescription()).isEqualTo("COMPLETED");
        assertThat(offline()).as("units (2 records each) offline").isEqualTo(N / 2);
    }

    @Test
    void rescaleAndExportOfOfflineRecordsStageTheirInputFirstAndGetTheRightValues() throws Exception {
        drms.createSeries(new JsdParser().parse(SERIES + ".jsd", """
                Seriesname: %s
                Unitsize: 2
                Archive: 1
                Tapegroup: 4
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "image"
                """.formatted(SERIES, W, H)), true);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, N);
            for (int i = 0; i < N; i++) {
                rs.get(i).set("FSN", i + 1);
                rs.get(i).write("image", SegmentArray.ofFloats(image(i + 1), W, H));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        archiveAndScrub();

        Record first = drms.read(s -> s.open(SERIES, 0)).get(0);
        assertThatThrownBy(() -> first.read("image", DrmsType.FLOAT)).isInstanceOf(OfflineException.class)
                .hasMessageContaining("is offline").hasMessageContaining("drms run stage sunum=" + first.sunum());

        JobRun rescale = run("rescale", Map.of("ds", SERIES + "[]", "out", SERIES + "_x2", "alpha", "2",
                "beta", "1"));
        assertThat(rescale.status()).as(rescale.exitDescription()).isEqualTo("COMPLETED");
        assertThat(rescale.steps().get(0).name()).isEqualTo(StageInput.stepName("rescale"));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_instance WHERE job_name = 'stage'",
                Long.class)).as("the stage job ran for the rescale").isEqualTo(1);
        List<Record> clones = drms.read(s -> s.open(SERIES + "_x2", 0));
        assertThat(clones).hasSize(N);
        for (Record c : clones) {
            float[] x = image(c.getInt("FSN"));
            float[] y = c.read("image", DrmsType.FLOAT).floats();
            for (int i = 0; i < x.length; i++) {
                assertThat(y[i]).as("FSN %d value %d", c.getInt("FSN"), i).isEqualTo(2 * x[i] + 1, within(1e-3f));
            }
        }
        assertThat(offline()).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin", Long.class))
                .as("the rescale's pins are gone with it").isZero();

        archiveAndScrub(); // the staged units are archived already: they only go off disk again
        JobRun export = run("export", Map.of("requestId", "JSOC_20261205_000001_IN", "ds", SERIES + "[]",
                "method", "url", "protocol", "fits"));
        assertThat(export.status()).as(export.exitDescription()).isEqualTo("COMPLETED");
        Path dir = exports.directory("JSOC_20261205_000001_IN");
        List<Path> fits;
        try (Stream<Path> files = Files.list(dir)) {
            fits = files.filter(p -> p.toString().endsWith(".fits")).sorted().toList();
        }
        assertThat(fits).hasSize(N);
        for (Record r : drms.read(s -> s.open(SERIES, 0))) {
            Path f = fits.stream().filter(p -> p.getFileName().toString().contains("." + r.recnum() + "."))
                    .findFirst().orElseThrow();
            SegmentArray a = new FitsFormat(false).read(f, null);
            float[] x = image(r.getInt("FSN"));
            assertThat(a.length()).isEqualTo(x.length);
            for (int i = 0; i < x.length; i++) {
                assertThat((float) a.physical(i)).as("%s value %d", f, i).isEqualTo(x[i]);
            }
        }
    }

    private static org.assertj.core.data.Offset<Float> within(float d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
