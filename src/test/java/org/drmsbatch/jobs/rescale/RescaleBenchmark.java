package org.drmsbatch.jobs.rescale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
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
 * <p>First the time of each phase of a record on its own (read, rescale, write, fsync; see {@link #phases}). Then a
 * warm-up pass of each (page cache, JIT), then 5 rounds in which cp, cp+sync and the job (1 and 2 partitions)
 * alternate; medians reported. The job's time is its wall time, all steps included (creating the output series,
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

    /** Median MB/s: the job with 1 and 2 partitions (wall time, all steps), cp, cp followed by sync. */
    record Figures(double rescale, double rescale2, double cp, double cpSync) {
    }

    @Test
    void rescaleRateNextToCopyRate() throws Exception {
        Figures images = measure("bench.images",
                "Data: image, variable, float, 2, 4096, 4096, DN, fits, \"\", 0.0, 1.0, \"image\"", IMAGES, 2,
                n -> {
                    float[] a = new float[SIDE * SIDE];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) ((i * 31L + n * 7L) % 4000) * 0.75f;
                    }
                    return SegmentArray.ofFloats(a, SIDE, SIDE);
                });
        Figures strain = measure("bench.strain",
                "Data: strain, vardim, double, 1, 0, strain, fits, \"\", 0.0, 1.0, \"samples\"", STRAINS, 100,
                n -> {
                    double[] h = new double[SAMPLES];
                    for (int i = 0; i < h.length; i++) {
                        h[i] = 1e-21 * Math.sin(0.001 * i + n);
                    }
                    return SegmentArray.ofDoubles(h, SAMPLES);
                });
        System.out.println();
        report("4096x4096 float32 images (" + IMAGES + " x 64 MiB)", images);
        report("16384-sample double segments (" + STRAINS + " x 128 KiB)", strain);
    }

    static void report(String what, Figures f) {
        System.out.printf("RESCALE %s: rescale job %.0f MB/s (2 partitions: %.0f MB/s), cp %.0f MB/s,"
                        + " cp+sync %.0f MB/s; rescale/cp = %.2f, rescale/(cp+sync) = %.2f (target >= 0.60)%n", what,
                f.rescale(), f.rescale2(), f.cp(), f.cpSync(), f.rescale() / f.cp(), f.rescale() / f.cpSync());
    }

    Figures measure(String series, String data, int records, int chunk, IntFunction<SegmentArray> make)
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
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        double mb = bytes / 1e6;
        phases(series, segment, files);
        double[] job = new double[ROUNDS];
        double[] job2 = new double[ROUNDS];
        double[] cp = new double[ROUNDS];
        double[] cpSync = new double[ROUNDS];
        for (int round = -1; round < ROUNDS; round++) { // round -1: warm-up
            double c = mb / copy(files, false);
            double cs = mb / copy(files, true);
            double j = mb / rescale(series, segment, chunk, 1, round, records);
            double j2 = mb / rescale(series, segment, chunk, 2, round, records);
            if (round >= 0) {
                cp[round] = c;
                cpSync[round] = cs;
                job[round] = j;
                job2[round] = j2;
            }
            System.out.printf("%s round %d: rescale %.0f MB/s (2 partitions %.0f), cp %.0f MB/s, cp+sync %.0f MB/s%n",
                    series, round, j, j2, c, cs);
        }
        drms.deleteSeries(series, false);
        return new Figures(median(job), median(job2), median(cp), median(cpSync));
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

    /** Seconds to copy the files with cp (and sync the copies). */
    static double copy(List<Path> files, boolean sync) throws Exception {
        Path dir = Files.createTempDirectory(home, "cp");
        // one cp for all files; --parents keeps them apart (they are all called <segment>.fits)
        List<String> cmd = new ArrayList<>(List.of("cp", "--parents"));
        files.forEach(f -> cmd.add(f.toAbsolutePath().toString()));
        cmd.add(dir.toString());
        long t0 = System.nanoTime();
        run(cmd);
        if (sync) {
            List<String> s = new ArrayList<>(List.of("sync"));
            files.forEach(f -> s.add(dir.toString() + f.toAbsolutePath()));
            run(s);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Sums.deleteTree(dir);
        return seconds;
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as("%s", cmd).isZero();
    }

    /** Seconds the rescale job ran (its start to its end, all steps), into a new series that is then deleted. */
    double rescale(String series, String segment, int chunk, int partitions, int round, int records)
            throws Exception {
        String out = series + "_r" + (round + 1) + "p" + partitions;
        JobRun run = JobTests.awaitEnd(jobs, jobs.start("rescale", Map.of("ds", series, "out", out, "alpha", "2.5",
                "beta", "-1", "segment", segment, "chunkSize", Integer.toString(chunk), "partitions",
                Integer.toString(partitions))).executionId(), 600);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(drms.<Long>read(s -> s.count(out))).isEqualTo(records);
        double seconds = (run.endTime().toEpochMilli() - run.startTime().toEpochMilli()) / 1e3;
        drms.deleteSeries(out, false);
        return seconds;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
