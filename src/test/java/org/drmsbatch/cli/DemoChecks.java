package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import nom.tam.fits.Fits;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.segments.FitsFormat;

/**
 * What the demo should have produced, worked out here from the demo's generators ({@link DemoCommand#strain},
 * {@link DemoCommand#disk}) and its documented parameters, compared with the records, segments and files read back
 * through the library. The demo's printed counts and its own checks are not taken on trust.
 */
final class DemoChecks {

    /** The demo's defaults: 4 s of strain per detector, streamed in chunks of 1024 samples. */
    static final int SECONDS = 4;
    static final int CHUNK = 1024;
    static final int CHUNKS = SECONDS * DemoCommand.RATE / CHUNK;
    /** The slot time of the demo's first image record. */
    static final double IMAGES_T0 = DrmsTime.parse("2010.05.01_00:00:00_TAI");

    private DemoChecks() {
    }

    /** A command on a test's home and database, for reading back what the demo left (close it after). */
    static DrmsCommand command(Path home, String url) {
        DrmsCommand cmd = new DrmsCommand();
        cmd.home = home;
        cmd.properties = new ArrayList<>(List.of("spring.datasource.url=" + url,
                "spring.datasource.username=" + TestDatabase.user()));
        return cmd;
    }

    /** Chunk {@code i} of {@code detector}'s strain as the demo streams it. */
    static Chunk streamed(String detector, int i) {
        double[] h = DemoCommand.strain(detector, SECONDS * DemoCommand.RATE);
        return new Chunk(Arrays.copyOfRange(h, i * CHUNK, (i + 1) * CHUNK),
                DemoCommand.GPS_START + (double) i * CHUNK / DemoCommand.RATE, 1.0 / DemoCommand.RATE);
    }

    /**
     * Each record of the strain series {@code series} is one chunk streamed, found by its DETECTOR and T_START: its
     * samples equal, its NSAMPLES, DATAMIN and DATAMAX those of the chunk; every chunk of every detector has its
     * record. Returns the samples by recnum.
     */
    static Map<Long, double[]> assertStrainAsStreamed(Drms d, String series) {
        List<Record> records = d.read(s -> s.open(series, 0));
        Map<Long, double[]> byRecnum = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (Record r : records) {
            String detector = r.get("DETECTOR").toString();
            double offset = r.getTime("T_START") - DemoCommand.gpsTime(0);
            int i = (int) Math.round(offset * DemoCommand.RATE / CHUNK);
            assertThat(offset).as("%s T_START", r).isCloseTo((double) i * CHUNK / DemoCommand.RATE, within(1e-6));
            double[] h = streamed(detector, i).h();
            assertThat(r.read("strain", DrmsType.DOUBLE).doubles()).as("%s strain", r).containsExactly(h);
            assertThat(r.getInt("NSAMPLES")).isEqualTo(CHUNK);
            assertThat(r.getDouble("DATAMIN")).isEqualTo(Arrays.stream(h).min().orElseThrow());
            assertThat(r.getDouble("DATAMAX")).isEqualTo(Arrays.stream(h).max().orElseThrow());
            assertThat(seen.add(detector + " " + i)).as("one record for %s chunk %d", detector, i).isTrue();
            byRecnum.put(r.recnum(), h);
        }
        List<String> all = new ArrayList<>();
        for (String detector : DemoCommand.DETECTORS) {
            for (int i = 0; i < CHUNKS; i++) {
                all.add(detector + " " + i);
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
        return byRecnum;
    }

    /**
     * The demo's image records of {@code series}: record i of the demo has slot i / 2 (45 s each) and camera
     * 1 + i % 2, and {@link DemoCommand#disk(int) disk(i)} as image. Returns each record's expected image by recnum,
     * having checked the stored image against it.
     */
    static Map<Long, double[]> assertDemoImages(Drms d, String series) {
        Map<Long, double[]> byRecnum = new LinkedHashMap<>();
        for (Record r : d.<List<Record>>read(s -> s.open(series, 0))) {
            int slot = (int) Math.round((r.getTime("T_REC") - IMAGES_T0) / 45);
            int i = 2 * slot + r.getInt("CAMERA") - 1;
            double[] image = doubles(DemoCommand.disk(i));
            // shorts with BSCALE 0.5, Rice-compressed: the half-integer values of the disk are kept exactly
            assertThat(r.read("image", DrmsType.DOUBLE).doubles()).as("%s image", r).containsExactly(image);
            byRecnum.put(r.recnum(), image);
        }
        return byRecnum;
    }

    static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * {@code out} holds exactly one clone of each source (SRC_RECNUM, no source twice, none missing), and each
     * clone's {@code segment} is alpha·x + beta of its source's values {@code x}, to within half the clone's BSCALE
     * where it stores scaled integers, plus {@code tolerance}.
     */
    static void assertClones(Drms d, String out, String segment, Map<Long, double[]> sources, double alpha,
            double beta, double tolerance) {
        List<Record> clones = d.read(s -> s.open(out, 0));
        assertThat(clones.stream().map(c -> c.getLong("SRC_RECNUM")).toList()).as("the sources of %s' clones", out)
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sources.keySet());
        for (Record c : clones) {
            double[] x = sources.get(c.getLong("SRC_RECNUM"));
            SegmentArray stored = c.read(segment, null);
            double[] y = c.read(segment, DrmsType.DOUBLE).doubles();
            double step = stored.isRaw() ? Math.abs(stored.bscale()) / 2 : 0;
            assertThat(y).as("%s", c).hasSameSizeAs(x);
            for (int k = 0; k < x.length; k++) {
                double want = alpha * x[k] + beta;
                assertThat(y[k]).as("%s value %d", c, k)
                        .isCloseTo(want, within(step + tolerance + 1e-9 * Math.abs(want)));
            }
        }
    }

    /**
     * {@code dir} holds one FITS file per expected record and no other but the export's indexes; each file is whole
     * (its checksums verify), names its record in DRMS_ID, and holds the values expected of that record.
     */
    static void assertExported(Path dir, String segment, Map<Long, double[]> expected) throws Exception {
        List<Path> files;
        try (Stream<Path> l = Files.list(dir)) {
            files = l.filter(p -> p.getFileName().toString().endsWith(".fits")).sorted().toList();
        }
        try (Stream<Path> l = Files.list(dir)) {
            assertThat(l.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".fits")))
                    .as("besides the files").allMatch(n -> n.startsWith("index.") || n.equals(".export-request"));
        }
        List<Long> recnums = new ArrayList<>();
        for (Path f : files) {
            String drmsId;
            try (Fits fits = new Fits(f.toFile())) {
                fits.read();
                fits.verifyIntegrity();
                drmsId = fits.getHDU(fits.getNumberOfHDUs() - 1).getHeader().getStringValue("DRMS_ID");
            }
            assertThat(drmsId).as("%s DRMS_ID", f).isNotNull().endsWith(":" + segment);
            String[] id = drmsId.split(":");
            long recnum = Long.parseLong(id[id.length - 2]);
            recnums.add(recnum);
            assertThat(expected).as("%s names a record exported", f).containsKey(recnum);
            SegmentArray a = new FitsFormat(false).read(f, null);
            double[] want = expected.get(recnum);
            assertThat(a.length()).isEqualTo(want.length);
            for (int k = 0; k < want.length; k++) {
                assertThat(a.physical(k)).as("%s value %d", f, k).isEqualTo(want[k]);
            }
        }
        assertThat(recnums).as("the records of the files in %s", dir).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected.keySet());
    }

    /** The directories under {@code exports} now. */
    static Set<Path> exportDirectories(Path exports) throws IOException {
        if (!Files.isDirectory(exports)) {
            return Set.of();
        }
        try (Stream<Path> l = Files.list(exports)) {
            return new HashSet<>(l.filter(Files::isDirectory).toList());
        }
    }
}
