package org.drmsbatch.jobs.rescale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import nom.tam.util.ArrayFuncs;
import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rescale job against a real catalog and real files. Values are checked against a computation of the test's
 * own from the files as nom-tam-fits reads them (not through the code under test); keywords are recomputed;
 * partitions into the same series give exactly one clone per record; integer segments are handled without silent
 * overflow; a failure inside a chunk leaves nothing behind and a restart completes the work; bad parameters are
 * refused before the job starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RescaleJobTest extends CatalogTestSupport {

    static final int W = 40;
    static final int H = 30;

    @Autowired
    JobControl jobs;
    @Autowired
    JobRepository repository;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ParsedParameters<RescaleParameters> rescaleParameters;

    static String imageJsd(String name) {
        return """
                Seriesname: %s
                Unitsize: 4
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Keyword: EXPTIME, double, variable, record, 1.5, %%f, s, "exposure"
                Keyword: DATAMIN, double, variable, record, DRMS_MISSING_VALUE, %%g, DN, "min"
                Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, %%g, DN, "max"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %%g, DN, "mean"
                Keyword: DATARMS, double, variable, record, DRMS_MISSING_VALUE, %%g, DN, "rms"
                Keyword: HISTORY, string, variable, record, "", %%s, none, "history"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "image"
                Data: mask, variable, short, 1, 16, none, bin.gz, 0, 1, "mask"
                """.formatted(name, W, H);
    }

    static String strainJsd(String name) {
        return """
                Seriesname: %s
                Unitsize: 8
                PrimeKeys: CHUNK
                Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "chunk"
                Keyword: DATAMIN, double, variable, record, DRMS_MISSING_VALUE, %%g, strain, "min"
                Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, %%g, strain, "max"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %%g, strain, "mean"
                Keyword: DATARMS, double, variable, record, DRMS_MISSING_VALUE, %%g, strain, "rms"
                Keyword: HISTORY, string, variable, record, "", %%s, none, "history"
                Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
                """.formatted(name);
    }

    static String intsJsd(String name) {
        return """
                Seriesname: %s
                Unitsize: 4
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: counts, variable, short, 1, 64, DN, fits, "", 100.0, 0.5, "counts"
                """.formatted(name);
    }

    static float[] image(int fsn) {
        float[] a = new float[W * H];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (100 * Math.sin(0.01 * i * fsn) + fsn);
        }
        a[7] = Float.NaN; // MISSING stays MISSING
        return a;
    }

    static double[] strain(int chunk, int n) {
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            h[i] = 1e-21 * Math.cos(0.003 * i + chunk);
        }
        return h;
    }

    @BeforeAll
    void series() {
        drms.createSeries(new JsdParser().parse("img.jsd", imageJsd("rsc.img")), true);
        drms.createSeries(new JsdParser().parse("strain.jsd", strainJsd("rsc.strain")), true);
        drms.createSeries(new JsdParser().parse("ints.jsd", intsJsd("rsc.ints")), true);
        drms.inSession(s -> {
            List<Record> rs = s.create("rsc.img", 7);
            for (int i = 0; i < rs.size(); i++) {
                Record r = rs.get(i);
                r.set("FSN", i + 1);
                r.set("EXPTIME", 0.25 * (i + 1));
                r.write("image", SegmentArray.ofFloats(image(i + 1), W, H));
                short[] mask = new short[16];
                mask[i] = (short) (i + 1);
                r.write("mask", SegmentArray.ofShorts(mask, 16));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            List<Record> st = s.create("rsc.strain", 20);
            for (int i = 0; i < st.size(); i++) {
                st.get(i).set("CHUNK", i);
                st.get(i).write("strain", SegmentArray.ofDoubles(strain(i, 100 + i), 100 + i));
            }
            s.close(st, DrmsSession.Action.INSERT);
            List<Record> in = s.create("rsc.ints", 3);
            for (int i = 0; i < in.size(); i++) {
                in.get(i).set("FSN", i + 1);
                short[] raw = new short[64];
                for (int k = 0; k < raw.length; k++) {
                    raw[k] = (short) ((k - 32) * 1000 + i);
                }
                raw[5] = Short.MIN_VALUE; // MISSING
                // physical = 100 + 0.5 * raw, within [-15900, 15600]
                in.get(i).write("counts", SegmentArray.raw(DrmsType.SHORT, new int[] {64}, raw, 100, 0.5));
            }
            s.close(in, DrmsSession.Action.INSERT);
            return null;
        });
    }

    JobRun run(Map<String, String> parameters) throws InterruptedException {
        long id = jobs.start("rescale", parameters).executionId();
        return JobTests.awaitEnd(jobs, id, 120);
    }

    static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The first image HDU of a FITS file, read by nom-tam-fits directly. */
    static BasicHDU<?> hdu(Path file) throws Exception {
        try (Fits f = new Fits(file.toFile())) {
            BasicHDU<?> h = f.readHDU();
            h.getKernel();
            return h;
        }
    }

    static double[] flat(Object kernel) {
        return (double[]) ArrayFuncs.convertArray(ArrayFuncs.flatten(kernel), double.class);
    }

    /** min, max, mean, sqrt(mean square) of the non-NaN values. */
    static double[] stats(double[] v) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                min = Math.min(min, x);
                max = Math.max(max, x);
                sum += x;
                sq += x * x;
                n++;
            }
        }
        return new double[] {min, max, sum / n, Math.sqrt(sq / n)};
    }

    long outOfRange(long executionId) {
        return repository.getJobExecution(executionId).getExecutionContext().getLong("rescale.outOfRange");
    }

    Set<String> orphanedUnits() throws IOException {
        return JobTests.orphanedUnits(drms, jdbc, true);
    }

    @Test
    void floatImagesAreClonedIntoANewSeriesWithRescaledValuesRecomputedKeywordsAndTheirSource() throws Exception {
        JobRun run = run(params("ds", "rsc.img", "out", "rsc.img_scaled", "alpha", "2.5", "beta", "-1",
                "segment", "image", "chunkSize", "3"));
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(run.exitDescription()).contains("7 clones");

        List<Record> sources = drms.read(s -> s.open("rsc.img", 0));
        List<Record> clones = drms.read(s -> s.open("rsc.img_scaled", 0));
        assertThat(clones).hasSize(7);
        Map<Long, Record> bySource = new HashMap<>();
        for (Record c : clones) {
            bySource.put(c.getLong("SRC_RECNUM"), c);
        }
        for (Record src : sources) {
            Record c = bySource.get(src.recnum());
            assertThat(c).as("clone of %s", src).isNotNull();
            assertThat(c.get("SRC_SERIES")).isEqualTo("rsc.img");
            assertThat(c.getLong("JOB_EXEC")).isEqualTo(run.executionId());
            assertThat((String) c.get("HISTORY")).contains("2.5*x + -1").contains(":#" + src.recnum());
            assertThat(c.getInt("FSN")).isEqualTo(src.getInt("FSN"));
            assertThat(c.getDouble("EXPTIME")).isEqualTo(src.getDouble("EXPTIME"));
            assertThat(c.directory()).isNotEqualTo(src.directory());

            double[] x = flat(hdu(src.segmentPath("image")).getKernel());
            double[] y = flat(hdu(c.segmentPath("image")).getKernel());
            assertThat(y).hasSameSizeAs(x);
            for (int i = 0; i < x.length; i++) {
                if (Double.isNaN(x[i])) {
                    assertThat(y[i]).isNaN();
                } else {
                    assertThat(y[i]).isEqualTo((double) (float) (2.5 * x[i] - 1));
                }
            }
            double[] st = stats(y);
            assertThat(c.getDouble("DATAMIN")).isEqualTo(st[0]);
            assertThat(c.getDouble("DATAMAX")).isEqualTo(st[1]);
            assertThat(c.getDouble("DATAMEAN")).isCloseTo(st[2], within(1e-9 * Math.abs(st[1])));
            assertThat(c.getDouble("DATARMS")).isCloseTo(st[3], within(1e-9 * Math.abs(st[1])));
            // the mask is copied as it is into the clone's own slot
            assertThat(Files.mismatch(src.segmentPath("mask"), c.segmentPath("mask"))).isEqualTo(-1L);
        }
        assertThat(orphanedUnits()).isEmpty();
    }

    @Test
    void partitionsIntoTheSameSeriesMakeExactlyOneNewVersionPerRecord() throws Exception {
        Map<Long, double[]> before = new HashMap<>();
        for (Record r : drms.read(s -> s.open("rsc.strain", 0))) {
            before.put(r.recnum(), flat(hdu(r.segmentPath("strain")).getKernel()));
        }
        JobRun run = run(params("ds", "rsc.strain", "alpha", "1e21", "beta", "0.5", "chunkSize", "2",
                "partitions", "3"));
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(run.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:")).count()).isEqualTo(3);
        assertThat(run.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                .mapToLong(JobRun.Step::write).sum()).isEqualTo(20);
        // the partitioned step holds its partitions' sum, and says so (drms jobs counts the partitions only)
        assertThat(run.steps()).filteredOn(JobRun.Step::partitioned).singleElement()
                .satisfies(s -> assertThat(s.name()).isEqualTo("rescaleStep"))
                .satisfies(s -> assertThat(s.write()).isEqualTo(20));
        assertThat(run.steps().stream().filter(s -> !s.partitioned()).mapToLong(JobRun.Step::write).sum())
                .isEqualTo(20);

        String table = SeriesCatalog.table(drms.describeSeries("rsc.strain"));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class)).isEqualTo(40);
        List<Record> latest = drms.read(s -> s.open("rsc.strain", 0));
        assertThat(latest).hasSize(20);
        List<Long> sources = new ArrayList<>();
        for (Record c : latest) {
            // the series names a clone's source only in HISTORY
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(":#(\\d+)\\]").matcher((String) c.get("HISTORY"));
            assertThat(m.find()).as("HISTORY of %s: %s", c, c.get("HISTORY")).isTrue();
            long src = Long.parseLong(m.group(1));
            sources.add(src);
            double[] x = before.get(src);
            double[] y = flat(hdu(c.segmentPath("strain")).getKernel());
            assertThat(y).hasSameSizeAs(x);
            for (int i = 0; i < x.length; i++) {
                assertThat(y[i]).isEqualTo(1e21 * x[i] + 0.5);
            }
            assertThat(c.getDouble("DATAMAX")).isEqualTo(stats(y)[1]);
            assertThat(c.dimensions("strain")).containsExactly(x.length);
        }
        assertThat(sources).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(before.keySet());
    }

    @Test
    void integerSegmentsGetScalingThatFitsOrKeepTheirsAndCountWhatFallsOut() throws Exception {
        List<Record> sources = drms.read(s -> s.open("rsc.ints", 0));
        // scale (default): alpha 1000 would overflow short storage at bscale 0.5; the clone's scaling absorbs it
        JobRun fit = run(params("ds", "rsc.ints", "out", "rsc.ints_fit", "alpha", "1000", "beta", "3"));
        assertThat(fit.status()).as("%s", fit).isEqualTo("COMPLETED");
        assertThat(outOfRange(fit.executionId())).isZero();
        // keep: the series' bzero 100 / bscale 0.5 cannot hold them: those values become MISSING and are counted
        JobRun keep = run(params("ds", "rsc.ints", "out", "rsc.ints_keep", "alpha", "1000", "beta", "3",
                "integers", "keep"));
        assertThat(keep.status()).as("%s", keep).isEqualTo("COMPLETED");
        // float: a float segment in the new series
        JobRun flt = run(params("ds", "rsc.ints", "out", "rsc.ints_float", "alpha", "1000", "beta", "3",
                "integers", "float"));
        assertThat(flt.status()).as("%s", flt).isEqualTo("COMPLETED");
        assertThat(drms.describeSeries("rsc.ints_float").segment("counts").orElseThrow().type())
                .isEqualTo(DrmsType.FLOAT);

        long expectedOut = 0;
        for (Record src : sources) {
            BasicHDU<?> in = hdu(src.segmentPath("counts"));
            short[] raw = (short[]) in.getKernel();
            double[] x = new double[raw.length];
            for (int i = 0; i < raw.length; i++) {
                x[i] = raw[i] == Short.MIN_VALUE ? Double.NaN
                        : in.getHeader().getDoubleValue("BZERO") + in.getHeader().getDoubleValue("BSCALE") * raw[i];
            }
            Record f = drms.read(s -> s.open("rsc.ints_fit", 0)).stream()
                    .filter(r -> r.getLong("SRC_RECNUM") == src.recnum()).findFirst().orElseThrow();
            Record k = drms.read(s -> s.open("rsc.ints_keep", 0)).stream()
                    .filter(r -> r.getLong("SRC_RECNUM") == src.recnum()).findFirst().orElseThrow();
            Record fl = drms.read(s -> s.open("rsc.ints_float", 0)).stream()
                    .filter(r -> r.getLong("SRC_RECNUM") == src.recnum()).findFirst().orElseThrow();
            BasicHDU<?> fh = hdu(f.segmentPath("counts"));
            BasicHDU<?> kh = hdu(k.segmentPath("counts"));
            short[] fr = (short[]) fh.getKernel();
            short[] kr = (short[]) kh.getKernel();
            double[] fv = flat(hdu(fl.segmentPath("counts")).getKernel());
            Header fhd = fh.getHeader();
            assertThat(f.getDouble("counts_bscale")).isEqualTo(fhd.getDoubleValue("BSCALE"));
            for (int i = 0; i < x.length; i++) {
                double y = 1000 * x[i] + 3;
                if (Double.isNaN(x[i])) {
                    assertThat(fr[i]).isEqualTo(Short.MIN_VALUE);
                    assertThat(kr[i]).isEqualTo(Short.MIN_VALUE);
                    assertThat(fv[i]).isNaN();
                    continue;
                }
                double got = fhd.getDoubleValue("BZERO") + fhd.getDoubleValue("BSCALE") * fr[i];
                assertThat(got).isCloseTo(y, within(1e-9 * Math.abs(y) + 1e-6));
                assertThat(fv[i]).isEqualTo((double) (float) y);
                double stored = Math.rint((y - 100) / 0.5);
                if (stored > Short.MIN_VALUE && stored <= Short.MAX_VALUE) {
                    assertThat(100 + 0.5 * kr[i]).isEqualTo(y);
                } else {
                    assertThat(kr[i]).isEqualTo(Short.MIN_VALUE);
                    expectedOut++;
                }
            }
        }
        assertThat(expectedOut).isPositive();
        assertThat(outOfRange(keep.executionId())).isEqualTo(expectedOut);
        assertThat(keep.exitDescription()).contains(expectedOut + " out of range");
    }

    @Test
    void aFailureInsideAChunkLeavesNoPartialCloneAndARestartCompletesExactlyOnce() throws Exception {
        String in = "rsc.img[1-7]";
        JobRun failed = run(params("ds", in, "out", "rsc.img_fail", "segment", "image", "chunkSize", "3",
                "failAt", "5,java.lang.Long,false"));
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("failing at item 5");
        // one chunk (3 clones) committed; the second chunk's two clones and their files are gone
        assertThat(drms.<Long>read(s -> s.count("rsc.img_fail"))).isEqualTo(3L);
        assertThat(orphanedUnits()).isEmpty();
        String table = SeriesCatalog.table(drms.describeSeries("rsc.img_fail"));
        List<Long> units = jdbc.queryForList("SELECT DISTINCT sunum FROM " + table, Long.class);
        long filesOnDisk = 0;
        for (long su : units) {
            try (Stream<Path> f = Files.walk(drms.read(s -> s.storageInfo(
                    s.open("rsc.img_fail", 0))).get(su).path())) {
                filesOnDisk += f.filter(p -> p.getFileName().toString().startsWith("image")).count();
            }
        }
        assertThat(filesOnDisk).isEqualTo(3);

        JobRun done = JobTests.awaitEnd(jobs, jobs.restart(failed.executionId(), Map.of("failAt", "0"))
                .executionId(), 120);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        List<Record> clones = drms.read(s -> s.open("rsc.img_fail", 0));
        assertThat(clones).hasSize(7);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class)).isEqualTo(7);
        assertThat(clones.stream().map(c -> c.getLong("SRC_RECNUM")).toList()).doesNotHaveDuplicates();
    }

    @Test
    void aDamagedSegmentReadAheadFailsItsChunkWithTheRecordNamedAndARestartAfterTheRepairCompletes()
            throws Exception {
        // chunks of 3: record 5's image is read and rescaled (on the reading thread) while record 4's clone is written
        drms.createSeries(new JsdParser().parse("dmg.jsd", imageJsd("rsc.dmg")), true);
        drms.inSession(s -> {
            List<Record> rs = s.create("rsc.dmg", 7);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", i + 1);
                rs.get(i).write("image", SegmentArray.ofFloats(image(i + 1), W, H));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        Path damaged = drms.read(s -> s.open("rsc.dmg", 0)).stream().filter(r -> r.getInt("FSN") == 5)
                .findFirst().orElseThrow().segmentPath("image");
        byte[] good = Files.readAllBytes(damaged);
        Files.write(damaged, java.util.Arrays.copyOf(good, good.length / 2));

        JobRun failed = run(params("ds", "rsc.dmg", "out", "rsc.dmg_scaled", "segment", "image", "chunkSize", "3"));
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("file ends").contains("3 clones made");
        assertThat(drms.<Long>read(s -> s.count("rsc.dmg_scaled"))).isEqualTo(3L); // the first chunk only
        assertThat(orphanedUnits()).isEmpty();

        Files.write(damaged, good);
        JobRun done = JobTests.awaitEnd(jobs, jobs.restart(failed.executionId(), Map.of()).executionId(), 120);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        List<Record> clones = drms.read(s -> s.open("rsc.dmg_scaled", 0));
        assertThat(clones.stream().map(c -> c.getInt("FSN")).sorted().toList())
                .containsExactly(1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void theParametersAreParsedOnceForTheWholeRunPartitionsIncluded() throws Exception {
        long before = rescaleParameters.parses();
        JobRun run = run(params("ds", "rsc.strain", "out", "rsc.strain_once", "alpha", "3", "segment", "strain",
                "partitions", "2", "chunkSize", "4"));
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        List<Record> clones = drms.read(s -> s.open("rsc.strain_once", 0));
        assertThat(clones).hasSize(20);
        // JobControl's check, the launcher's and the job's, the series step, the partitioned step, and each
        // partition's reader, processor and writer all share the one parse of this launch
        assertThat(rescaleParameters.parses() - before).isEqualTo(1);
    }

    @Test
    void badParametersAreRefusedBeforeTheJobStartsWithTheReason() {
        refused(params("out", "rsc.x"), "ds (the record set to rescale) is required");
        refused(params("ds", "rsc.img[1-"), "ds: bad query");
        refused(params("ds", "rsc.nosuch"), "ds:");
        refused(params("ds", "rsc.img", "segment", "image", "alpha", "two"), "alpha: 'two' is not a finite number");
        refused(params("ds", "rsc.img", "segment", "nosuch"), "has no segment 'nosuch'");
        refused(params("ds", "rsc.img"), "name the segment(s)");
        refused(params("ds", "rsc.img", "segment", "image", "partitions", "99"), "partitions: 99 is outside 1..8");
        refused(params("ds", "rsc.img", "segment", "image", "integers", "round"), "integers must be scale, keep");
        refused(params("ds", "rsc.ints", "integers", "float"), "integers=float, but segment 'counts'");
        refused(params("ds", "rsc.ints"), "has no SRC_RECNUM or HISTORY keyword");
        refused(params("ds", "rsc.img", "segment", "image", "out", "not a name"), "out: 'not a name'");
        refused(params("ds", "rsc.img", "segment", "image", "scale", "2"), "unknown parameter(s) scale (this job takes alpha, beta, chunkSize, delay, ds, failAt, integers, out, partitions, remote, run, segment, statusStep)");
        // without drms.cluster.enabled there are no workers to send partitions to
        refused(params("ds", "rsc.img", "segment", "image", "remote", "true"),
                "remote=true sends the partitions to the cluster's workers, and this process has no cluster: set "
                        + "drms.cluster.enabled=true");
        refused(params("ds", "rsc.img", "segment", "image", "remote", "yes"), "remote: 'yes' is neither true nor false");
    }

    void refused(Map<String, String> p, String reason) {
        assertThatThrownBy(() -> jobs.start("rescale", p)).as("%s", p).isInstanceOf(JobRequestException.class)
                .hasMessageContaining(reason);
    }
}
