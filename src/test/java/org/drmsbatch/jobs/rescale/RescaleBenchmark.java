package org.drmsbatch.jobs.rescale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import nom.tam.fits.Fits;
import nom.tam.util.ArrayFuncs;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.bench.Limits;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;
import org.drmsbatch.drms.types.SegmentStorage;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.segments.Rescale;
import org.drmsbatch.sums.Sums;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Megabytes per second of segment data rescaled by the {@code rescale} job (read, y = alpha&middot;x + beta with the
 * statistics, FITS written into the clone's slot, clone rows inserted, files synced at each commit), for
 * 4096&times;4096 float32 images and for 16 384-sample double segments, next to a plain {@code cp} of the same
 * files in the same run, and {@code cp} followed by {@code sync} of the copies (the job's commit syncs its files,
 * as SUMS' put does). Target: at least 60% of the copy rate for the large images.
 *
 * <p>First the time of each phase of a record on its own (read, rescale, write, fsync; see {@link #phases}). Then
 * the {@link Bench} harness: a warm-up round, then at least 5 rounds in which the job (1 and 2 partitions), cp and
 * cp + sync alternate; medians, spreads and per-round ratios printed. Each run of the job is checked (count, values). The job's time is its wall time, all steps included (creating the output series,
 * partitioning, the job repository's bookkeeping). Run with {@code ./mvnw -o -Pbench test -Dtest=RescaleBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RescaleBenchmark {

    static final int SIDE = 4096;
    static final int IMAGES = 16;
    static final int SAMPLES = 16_384;
    static final int STRAINS = 1_000;
    static final int ROUNDS = 5;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @Autowired
    Drms drms;
    @Autowired
    JobControl jobs;

    static String jsd(String name, String data) {
        return """
                Seriesname: %s
                Unitsize: 16
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "number"
                Keyword: DATAMIN, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "min"
                Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "max"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "mean"
                Keyword: DATARMS, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "rms"
                %s
                """.formatted(name, data);
    }

    @Test
    void rescaleRateNextToCopyRate() throws Exception {
        measure("bench.images", "Data: image, variable, float, 2, 4096, 4096, DN, fits, \"\", 0.0, 1.0, \"image\"",
                "4096x4096 float32 images (" + IMAGES + " x 64 MiB)", IMAGES, 2, RescaleBenchmark::image);
        measure("bench.strain", "Data: strain, vardim, double, 1, 0, strain, fits, \"\", 0.0, 1.0, \"samples\"",
                "16384-sample double segments (" + STRAINS + " x 128 KiB)", STRAINS, 100, RescaleBenchmark::strain);
    }

    static SegmentArray image(int n) {
        float[] a = new float[SIDE * SIDE];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((i * 31L + n * 7L) % 4000) * 0.75f;
        }
        return SegmentArray.ofFloats(a, SIDE, SIDE);
    }

    static SegmentArray strain(int n) {
        double[] h = new double[SAMPLES];
        for (int i = 0; i < h.length; i++) {
            h[i] = 1e-21 * Math.sin(0.001 * i + n);
        }
        return SegmentArray.ofDoubles(h, SAMPLES);
    }

    void measure(String series, String data, String what, int records, int chunk, IntFunction<SegmentArray> make)
            throws Exception {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series, data)), true);
        String segment = data.substring(6, data.indexOf(','));
        for (int done = 0; done < records; ) {
            int n = Math.min(records - done, 50);
            int first = done;
            drms.inSession(s -> {
                List<Record> rs = s.create(series, n);
                for (int i = 0; i < n; i++) {
                    rs.get(i).set("N", first + i);
                    rs.get(i).write(segment, make.apply(first + i));
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
            done += n;
        }
        List<Path> files = drms.read(s -> s.open(series, 0)).stream().map(r -> r.segmentPath(segment)).toList();
        double mb = Limits.bytes(files) / 1e6;
        phases(series, segment, files);
        Path copies = home.resolve("cp");
        int[] runs = {0};
        new Bench("RescaleBenchmark-" + series.substring(series.indexOf('.') + 1), what + ", " + Math.round(mb)
                + " MB; the job's wall time, all steps")
                .rate("rescale job", "MB/s", () -> mb / rescale(series, segment, chunk, 1, runs[0]++, records, make))
                .rate("rescale job, 2 partitions", "MB/s",
                        () -> mb / rescale(series, segment, chunk, 2, runs[0]++, records, make))
                .rate("cp", "MB/s", () -> mb / Limits.copy(files, copies, false))
                .rate("cp + sync", "MB/s", () -> mb / Limits.copy(files, copies, true))
                .compare("rescale job", "cp + sync", 0.6)
                .compare("rescale job, 2 partitions", "cp + sync")
                .compare("rescale job", "cp")
                .note("each run's output checked: record count, and the values of two records' segment files read"
                        + " back with nom-tam-fits equal to 2.5 x + -1 of the input")
                .run();
        drms.deleteSeries(series, false);
    }

    /**
     * Where a record's time goes, outside the job: reading a segment, rescaling it (the job's {@link Rescale}),
     * writing the result as a segment file, and forcing that file to disk, each timed on its own for up to 8 files
     * after 2 warm-up files; medians printed in ms per file and ns per value.
     */
    void phases(String series, String segment, List<Path> files) throws Exception {
        SegmentLayout def = drms.read(s -> s.definition(series)).segment(segment).orElseThrow().layout();
        SegmentStorage io = drms.segmentStorage();
        Rescale rescale = new Rescale(2.5, -1, Rescale.Integers.SCALE);
        int n = Math.min(files.size(), 10);
        double[][] ms = new double[4][n - 2];
        long values = 0;
        Path dir = Files.createTempDirectory(home, "phases");
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            SegmentArray x = io.readArray(def, files.get(i), null);
            long t1 = System.nanoTime();
            Rescale.Result y = rescale.apply(x, def);
            long t2 = System.nanoTime();
            Path out = dir.resolve(i + ".fits");
            io.write(def, out, y.array());
            long t3 = System.nanoTime();
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ)) {
                ch.force(true);
            }
            long t4 = System.nanoTime();
            values = x.length();
            if (i >= 2) {
                long[] t = {t0, t1, t2, t3, t4};
                for (int p = 0; p < 4; p++) {
                    ms[p][i - 2] = (t[p + 1] - t[p]) / 1e6;
                }
            }
        }
        Sums.deleteTree(dir);
        String[] names = {"read", "rescale", "write", "fsync"};
        StringBuilder line = new StringBuilder(series + " phases per file (" + values + " values):");
        for (int p = 0; p < 4; p++) {
            double m = median(ms[p]);
            line.append(String.format(" %s %.1f ms (%.2f ns/value)", names[p], m, m * 1e6 / values));
        }
        System.out.println(line);
    }

    /**
     * Seconds the rescale job ran (its start to its end, all steps), into a new series; then its output checked: the
     * record count, and two records' segment files read back with nom-tam-fits (not our reader) equal to
     * 2.5&middot;x &minus; 1 of their input. The series is deleted after.
     */
    double rescale(String series, String segment, int chunk, int partitions, int run, int records,
            IntFunction<SegmentArray> make) throws Exception {
        String out = series + "_r" + run;
        JobRun r = JobTests.awaitEnd(jobs, jobs.start("rescale", Map.of("ds", series, "out", out, "alpha", "2.5",
                "beta", "-1", "segment", segment, "chunkSize", Integer.toString(chunk), "partitions",
                Integer.toString(partitions))).executionId(), 600);
        assertThat(r.status()).as("%s", r).isEqualTo("COMPLETED");
        double seconds = (r.endTime().toEpochMilli() - r.startTime().toEpochMilli()) / 1e3;
        assertThat(drms.<Long>read(s -> s.count(out))).isEqualTo(records);
        for (int n : new int[] {run % records, records - 1 - run % records}) {
            Record rec = new RecordSets(drms).open(out + "[" + n + "]", 0).get(0);
            double[] expected = doubles(make.apply(n).data());
            double[] got;
            try (Fits f = new Fits(rec.segmentPath(segment).toFile())) {
                got = doubles(ArrayFuncs.flatten(f.getHDU(0).getKernel()));
            }
            assertThat(got).as("%s[%d] length", out, n).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i += 997) {
                double want = 2.5 * expected[i] - 1;
                assertThat(got[i]).as("%s[%d] value %d", out, n, i)
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(Math.abs(want) * 1e-6 + 1e-30));
            }
        }
        drms.deleteSeries(out, false);
        return seconds;
    }

    static double[] doubles(Object flat) {
        if (flat instanceof float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        return (double[]) flat;
    }

    static double median(double[] v) {
        return Bench.median(v);
    }
}
