package org.drmsbatch.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.bench.Limits;
import org.drmsbatch.bench.PythonWorker;
import org.drmsbatch.bench.TestImages;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Export throughput of float32 images, 16 &times; 2048&sup2; and 4 &times; 4096&sup2; (268 MB of image data each),
 * uncompressed and Rice-compressed, in MB/s of image data, with the {@link Bench} harness: every side warm, the
 * sides in alternation over the rounds, per-round ratios. Each export is the whole job (query, header mapping,
 * reading the stored segment, writing with CHECKSUM/DATASUM, an fsync per file, index), as a user runs it.
 *
 * <p>Its limits, on the same arrays: astropy in one python process kept warm ({@link PythonWorker}; the arrays
 * loaded once from the stored files) writing PrimaryHDU with {@code checksum=True} and an {@code os.fsync} per
 * file (like for like: export forces each file and writes CHECKSUM/DATASUM), the same without fsync (the page
 * cache), and CompImageHDU RICE_1 as export writes it (q = 4, SUBTRACTIVE_DITHER_1, row tiles, an empty primary,
 * CHECKSUM/DATASUM in both HDUs, fsync); and {@code cp}, {@code cp + sync} of the stored files ({@link Limits}).
 *
 * <p>Every round checks what it timed, outside the timing: the number of exported files; a sample of them read
 * back by astropy (data equal to the source array, within the quantisation for Rice; CHECKSUM and DATASUM present
 * in every HDU and verified, a checksum warning failing the run: a corrupted file is shown to fail first); and
 * fitsverify on one file. Run with {@code ./mvnw -o -Pbench test -Dtest=ExportBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest
class ExportBenchmark {

    static final double MB = 1e6;

    @TempDir
    static Path home;

    static PythonWorker python;

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

    /**
     * The astropy side. {@code load} keeps a size's arrays; {@code plain} / {@code rice} write them all and return
     * the seconds; {@code check} reads exported files back ({@code path=index} pairs) and returns how many passed.
     */
    static final String ASTROPY = """
            import os, time, warnings
            import numpy as np
            from astropy.io import fits
            data = {}
            def load(key, *files):
                data[key] = [np.array(fits.getdata(f), copy=True) for f in files]
                return len(data[key])
            def durable(path, sync):
                if sync:
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            def plain(key, out, sync):
                t = time.perf_counter()
                for i, d in enumerate(data[key]):
                    p = '%s/plain%d.fits' % (out, i)
                    fits.PrimaryHDU(d).writeto(p, overwrite=True, checksum=True)
                    durable(p, sync == '1')
                return time.perf_counter() - t
            def rice(key, out):
                t = time.perf_counter()
                for i, d in enumerate(data[key]):
                    p = '%s/rice%d.fits' % (out, i)
                    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(d, compression_type='RICE_1',
                            quantize_level=4, quantize_method=1)]).writeto(p, overwrite=True, checksum=True)
                    durable(p, True)
                return time.perf_counter() - t
            def check(kind, key, *pairs):
                n = 0
                for pair in pairs:
                    f, i = pair.rsplit('=', 1)
                    src = data[key][int(i)]
                    with warnings.catch_warnings():
                        warnings.simplefilter('error')  # a checksum that does not verify is a warning: fail
                        with fits.open(f, checksum=True) as hl:
                            for k, h in enumerate(hl):
                                raw = h._header if isinstance(h, fits.CompImageHDU) else h.header
                                if 'CHECKSUM' not in raw or 'DATASUM' not in raw:
                                    raise ValueError('%s HDU %d: no CHECKSUM/DATASUM' % (f, k))
                            if kind == 'plain':
                                hdu = hl[0]
                                if hdu.header['BITPIX'] != -32 or not np.array_equal(hdu.data, src):
                                    raise ValueError('%s: data differ from record %s' % (f, i))
                            else:
                                hdu = hl[1]
                                if not isinstance(hdu, fits.CompImageHDU):
                                    raise ValueError('%s: not tile-compressed' % f)
                                d = hdu.data.astype(np.float64) - src
                                # q = 4: steps of a quarter of the noise (sigma 15), dithered
                                if d.shape != src.shape or np.abs(d).max() > 8 or abs(d.mean()) > 0.5:
                                    raise ValueError('%s: data off by up to %f' % (f, np.abs(d).max()))
                    n += 1
                return n
            def run(cmd, *args):
                return globals()[cmd](*args)
            """;

    @BeforeAll
    static void startPython() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent(), "astropy and fitsverify needed");
        python = new PythonWorker(ASTROPY);
    }

    @AfterAll
    static void stopPython() throws Exception {
        if (python != null) {
            python.close();
        }
    }

    @Test
    void images2048() throws Exception {
        measure(2048, 16);
    }

    @Test
    void images4096() throws Exception {
        measure(4096, 4);
    }

    void measure(int n, int images) throws Exception {
        String series = "expbench.s" + n;
        drms.createSeries(new JsdParser().parse(series + ".jsd", """
                Seriesname: %s
                Author: bench
                Owner: bench
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "export benchmark"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%%d", none, "Frame number"
                Keyword: EXPTIME, double, variable, record, 1.0, "%%.3f", s, "Exposure time"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "Image"
                """.formatted(series, n, n)), true);
        for (int i = 0; i < images; i++) {
            int k = i;
            float[] img = TestImages.solarDisk(n, k);
            drms.inSession(s -> {
                Record r = s.create(series);
                r.set("FSN", k);
                r.write("image", SegmentArray.ofFloats(img, n, n));
                s.close(r, DrmsSession.Action.INSERT);
                return null;
            });
        }
        List<Path> stored = new ArrayList<>();
        Map<Long, Integer> indexOfRecnum = new HashMap<>();
        for (Record r : drms.read(s -> s.open(series, 0))) {
            indexOfRecnum.put(r.recnum(), stored.size());
            stored.add(r.segmentPath("image"));
        }
        assertThat(stored).hasSize(images);
        String key = "s" + n;
        List<String> load = new ArrayList<>(List.of("load", key));
        stored.forEach(f -> load.add(f.toString()));
        assertThat(python.call(load.toArray(String[]::new))).isEqualTo(images);

        double mb = (double) images * n * n * 4 / MB;
        Path scratch = Files.createDirectories(home.resolve("scratch" + n));
        AtomicInteger runs = new AtomicInteger();

        // the read-back check must catch a bad checksum: a file with one data byte changed fails it
        Path good = exportChecked(series, "BENCH_" + n + "_PROBE", "**NONE**", images, indexOfRecnum, key, "plain",
                0, false);
        Path bad = scratch.resolve("corrupt.fits");
        Files.copy(good, bad);
        try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2; // in the data
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            ch.write(b, at);
        }
        int i0 = indexOf(good, indexOfRecnum);
        assertThatThrownBy(() -> python.call("check", "plain", key, bad + "=" + i0))
                .hasMessageContaining("Checksum");
        Limits.clear(root.directory("BENCH_" + n + "_PROBE"));

        Bench.Result r = new Bench("ExportBenchmark-" + n, images + " x " + n + "² float32, "
                + Math.round(mb) + " MB of image data; export chunkSize 2")
                .rate("export uncompressed", "MB/s", () -> mb / seconds(series, n, "**NONE**", images,
                        indexOfRecnum, key, "plain", runs.incrementAndGet()))
                .rate("export Rice", "MB/s", () -> mb / seconds(series, n, "compress Rice", images,
                        indexOfRecnum, key, "rice", runs.incrementAndGet()))
                .rate("astropy + CHECKSUM + fsync", "MB/s", () -> mb / astropy(scratch, "plain", key, "1"))
                .rate("astropy + CHECKSUM (page cache)", "MB/s", () -> mb / astropy(scratch, "plain", key, "0"))
                .rate("astropy RICE_1 + CHECKSUM + fsync", "MB/s", () -> mb / astropy(scratch, "rice", key, null))
                .rate("cp", "MB/s", () -> mb / Limits.copy(stored, scratch.resolve("cp"), false))
                .rate("cp + sync", "MB/s", () -> mb / Limits.copy(stored, scratch.resolve("cp"), true))
                .compare("export uncompressed", "astropy + CHECKSUM + fsync", 1.0)
                .compare("export uncompressed", "cp + sync")
                .compare("export uncompressed", "astropy + CHECKSUM (page cache)")
                .compare("export Rice", "astropy RICE_1 + CHECKSUM + fsync", 1.0)
                .note("export: the whole job (query, header mapping, read, write with CHECKSUM/DATASUM, fsync per"
                        + " file, index); astropy: one warm python, arrays in memory, writeto(checksum=True)")
                .note("each round checks the files (count, astropy read-back of a sample with checksums verified,"
                        + " fitsverify on one)")
                .run();
        assertThat(r.median("export uncompressed")).isPositive();
    }

    double astropy(Path scratch, String kind, String key, String sync) throws Exception {
        Path out = scratch.resolve("astropy");
        Limits.clear(out);
        return kind.equals("plain") ? python.call("plain", key, out.toString(), sync)
                : python.call("rice", key, out.toString());
    }

    /** Seconds of one export of the whole series, its files checked (outside the timing) and removed. */
    double seconds(String series, int n, String cparms, int images, Map<Long, Integer> indexOfRecnum, String key,
                   String kind, int run) throws Exception {
        String requestId = "BENCH_" + n + "_" + run;
        long t0 = System.nanoTime();
        launch(series, requestId, cparms);
        double s = (System.nanoTime() - t0) / 1e9;
        exportCheck(requestId, images, indexOfRecnum, key, kind, run, true);
        Limits.clear(root.directory(requestId));
        return s;
    }

    Path exportChecked(String series, String requestId, String cparms, int images, Map<Long, Integer> indexOfRecnum,
                       String key, String kind, int run, boolean verify) throws Exception {
        launch(series, requestId, cparms);
        return exportCheck(requestId, images, indexOfRecnum, key, kind, run, verify);
    }

    void launch(String series, String requestId, String cparms) throws InterruptedException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("requestId", requestId);
        p.put("ds", series + "[]");
        p.put("cparms", cparms);
        p.put("chunkSize", "2");
        JobRun r = JobTests.awaitEnd(jobs, jobs.launch(ExportJobConfiguration.JOB, p).getId(), 600);
        assertThat(r.status()).as("%s", r).isEqualTo("COMPLETED");
    }

    /** Checks an export's files: their number, two of them (by turn) read back by astropy, one by fitsverify. */
    Path exportCheck(String requestId, int images, Map<Long, Integer> indexOfRecnum, String key, String kind,
                     int run, boolean fitsverify) throws Exception {
        List<Path> files;
        try (var s = Files.list(root.directory(requestId))) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".fits")).sorted().toList();
        }
        assertThat(files).as("files of %s", requestId).hasSize(images);
        Path a = files.get(run % images);
        Path b = files.get((run + images / 2) % images);
        assertThat(python.call("check", kind, key, a + "=" + indexOf(a, indexOfRecnum),
                b + "=" + indexOf(b, indexOfRecnum))).isEqualTo(2);
        if (fitsverify) {
            FitsChecks.fitsverify(List.of(a));
        }
        return a;
    }

    /** The stored array an exported file comes from, by the recnum in its name ({seriesname}.{recnum}.image.fits). */
    static int indexOf(Path exported, Map<Long, Integer> indexOfRecnum) {
        String[] parts = exported.getFileName().toString().split("\\.");
        Integer i = indexOfRecnum.get(Long.parseLong(parts[parts.length - 3]));
        assertThat(i).as("record of %s", exported).isNotNull();
        return i;
    }
}
