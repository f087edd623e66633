package org.drmsbatch.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.export.FitsChecks;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Export throughput for 4096&times;4096 float32 images (64 MiB each), uncompressed and Rice-compressed, in MB/s
 * of image data, next to, in the same run on the same files: astropy ({@code /usr/bin/python3}) writing the same
 * arrays (PrimaryHDU, and CompImageHDU RICE_1 with its default quantisation, as ours), and {@code cp} of the
 * stored files (the bytes' own limit). Each export is the whole job (query, header mapping, reading the stored
 * segment, writing, index); the page cache is not dropped, so all paths see warm input. Speed is reported, not
 * asserted. Run with {@code ./mvnw -o -Pbench test -Dtest=ExportBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest
class ExportBenchmark {

    static final int N = 4096;
    static final int IMAGES = 4;
    static final double MB = 1e6;
    static final double BYTES = (double) IMAGES * N * N * 4;

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
    @Autowired
    ExportRoot root;

    /** A limb-darkened disk with granulation-like noise: Rice sees realistic entropy. */
    static float[] image(int seed) {
        float[] a = new float[N * N];
        Random rnd = new Random(seed);
        double c = (N - 1) / 2.0;
        double r0 = N * 0.45;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                double r = Math.hypot(x - c, y - c) / r0;
                double v = r < 1 ? 3000 * (0.4 + 0.6 * Math.sqrt(1 - r * r)) : 20;
                a[y * N + x] = (float) (v + rnd.nextGaussian() * 15);
            }
        }
        return a;
    }

    double exportSeconds(String requestId, String cparms) throws InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("requestId", requestId);
        p.put("ds", "expbench.images[]");
        p.put("cparms", cparms);
        p.put("chunkSize", "2");
        long t0 = System.nanoTime();
        JobRun r = JobTests.awaitEnd(jobs, jobs.launch(ExportJobConfiguration.JOB, p).getId(), 300);
        double s = (System.nanoTime() - t0) / 1e9;
        assertThat(r.status()).as("%s", r).isEqualTo("COMPLETED");
        return s;
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    static final String ASTROPY = """
            import sys, time
            import numpy as np
            from astropy.io import fits
            out = sys.argv[1]
            data = [fits.getdata(f).astype('>f4') for f in sys.argv[2:]]
            t = time.perf_counter()
            for i, d in enumerate(data):
                fits.PrimaryHDU(d).writeto('%s/plain%d.fits' % (out, i), overwrite=True)
            plain = time.perf_counter() - t
            t = time.perf_counter()
            for i, d in enumerate(data):
                fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(d, compression_type='RICE_1')]).writeto(
                    '%s/rice%d.fits' % (out, i), overwrite=True)
            rice = time.perf_counter() - t
            print('%f %f' % (plain, rice))
            """;

    @Test
    void exportThroughputNextToAstropyAndCp() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent(), "astropy needed");
        drms.createSeries(new JsdParser().parse("expbench.images.jsd", """
                Seriesname: expbench.images
                Author: bench
                Owner: bench
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "export benchmark"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Keyword: EXPTIME, double, variable, record, 1.0, "%.3f", s, "Exposure time"
                Data: image, variable, float, 2, 4096, 4096, DN, fits, "", 0.0, 1.0, "Image"
                """), true);
        for (int i = 0; i < IMAGES; i++) {
            int k = i;
            float[] img = image(k);
            drms.inSession(s -> {
                Record r = s.create("expbench.images");
                r.set("FSN", k);
                r.write("image", SegmentArray.ofFloats(img, N, N));
                s.close(r, DrmsSession.Action.INSERT);
                return null;
            });
        }
        List<Path> stored = new ArrayList<>();
        for (Record r : drms.read(s -> s.open("expbench.images", 0))) {
            stored.add(r.segmentPath("image"));
        }

        // warm-up (JIT, page cache of the stored files), then the measured runs
        exportSeconds("BENCH_WARM", "**NONE**");
        double plain = exportSeconds("BENCH_PLAIN", "**NONE**");
        double rice = exportSeconds("BENCH_RICE", "compress Rice");

        Path astropyDir = Files.createDirectories(home.resolve("astropy"));
        List<String> py = new ArrayList<>(List.of(FitsChecks.PYTHON.toString(), "-c", ASTROPY, astropyDir.toString()));
        stored.forEach(f -> py.add(f.toString()));
        double[] ap = Arrays.stream(run(py).trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();

        Path cpDir = Files.createDirectories(home.resolve("cp"));
        // the stored files have the same name in each slot: copy one at a time under its own name
        long t0 = System.nanoTime();
        for (int i = 0; i < stored.size(); i++) {
            run(List.of("cp", stored.get(i).toString(), cpDir.resolve("image" + i + ".fits").toString()));
        }
        double cpSeconds = (System.nanoTime() - t0) / 1e9;

        Path dir = root.directory("BENCH_RICE");
        long riceBytes = 0;
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(f -> f.toString().endsWith(".fits")).toList()) {
                riceBytes += Files.size(f);
            }
        }
        System.out.printf("ExportBenchmark: %d images of %dx%d float32, %.0f MB of image data%n", IMAGES, N, N,
                BYTES / MB);
        System.out.printf("  export uncompressed   %7.1f MB/s   astropy PrimaryHDU %7.1f MB/s   ratio %.2f%n",
                BYTES / MB / plain, BYTES / MB / ap[0], ap[0] / plain);
        System.out.printf("  export Rice           %7.1f MB/s   astropy RICE_1     %7.1f MB/s   ratio %.2f"
                + "   (compressed to %.0f%%)%n", BYTES / MB / rice, BYTES / MB / ap[1], ap[1] / rice,
                100.0 * riceBytes / BYTES);
        System.out.printf("  cp of the stored files %6.1f MB/s   export uncompressed / cp = %.2f%n",
                BYTES / MB / cpSeconds, cpSeconds / plain);
    }
}
