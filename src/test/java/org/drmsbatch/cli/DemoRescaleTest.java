package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.collect.CollectJobConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's rescale step on a strain series like the demo's and on image series, and {@code drms run rescale} from
 * the command line: each run leaves exactly one clone of each record, holding alpha·x + beta of the values written
 * here (read back from the clones, not taken from what the demo prints); refused parameters exit 1 with the reason.
 */
class DemoRescaleTest {

    @TempDir
    static Path home;

    static String capture(ThrowingRunnable r) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            r.run();
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        old.print(text);
        return text;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void theDemosRescaleMakesOneCloneOfEachRecordWithScaledValuesAndDrmsRunRefusesBadParameters() throws Exception {
        String url = TestDatabase.newDatabase();
        List<String> props = List.of("spring.datasource.url=" + url,
                "spring.datasource.username=" + TestDatabase.user());
        DrmsCommand cmd = new DrmsCommand();
        cmd.home = home;
        cmd.properties = new ArrayList<>(props);
        try {
            Drms drms = cmd.bean(Drms.class);
            drms.createSeries(CollectJobConfiguration.definition("gw.strain"), false);
            drms.inSession(s -> {
                List<Record> rs = s.create("gw.strain", 6);
                for (int i = 0; i < rs.size(); i++) {
                    double[] h = strain(i);
                    Record r = rs.get(i);
                    r.set("DETECTOR", "H1");
                    r.set("T_START", 1000.0 + i);
                    r.write("strain", SegmentArray.ofDoubles(h, h.length));
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
            DemoRescale.run(cmd, "gw.strain", "strain");
            // one clone per record, 1e21 * h + 1 of the samples written here
            DemoChecks.assertClones(drms, "gw.strain_rescaled", "strain", strainWritten(drms), 1e21, 1, 0);

            // images: the bundled demo JSD (an integer Rice-compressed segment) and a float Rice-compressed one
            String bundled;
            try (var in = DemoCommand.class.getResourceAsStream("demo.images.jsd")) {
                bundled = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            drms.createSeries(new JsdParser().parse("demo.images.jsd", bundled), false);
            drms.createSeries(new JsdParser().parse("demo.floats.jsd", bundled
                    .replaceFirst("(?m)^Seriesname:.*$", "Seriesname: demo.floats")
                    .replaceFirst("(?m)^Data: image, variable, short,", "Data: image, variable, float,")), false);
            for (String series : List.of("demo.images", "demo.floats")) {
                drms.inSession(s -> {
                    List<Record> rs = s.create(series, 4);
                    for (int i = 0; i < rs.size(); i++) {
                        Record r = rs.get(i);
                        r.set("T_REC", 1e9 + 45 * i);
                        r.set("CAMERA", 1);
                        r.write("image", SegmentArray.ofFloats(DemoCommand.disk(i), DemoCommand.SIZE,
                                DemoCommand.SIZE));
                    }
                    s.close(rs, DrmsSession.Action.INSERT);
                    return null;
                });
                DemoRescale.run(cmd, series, "image");
                // one clone per record, 2 * image + 1 of the image written here. The shorts of demo.images keep
                // the disk's half-integers exactly (the clone is checked to half its BSCALE); Rice quantises the
                // floats of demo.floats, in the source and again in the clone: 0.1% of the scaled range each
                Map<Long, double[]> images = new HashMap<>();
                for (Record r : drms.<List<Record>>read(s -> s.open(series, 0))) {
                    int i = (int) Math.round((r.getTime("T_REC") - 1e9) / 45);
                    images.put(r.recnum(), DemoChecks.doubles(DemoCommand.disk(i)));
                }
                assertThat(images).hasSize(4);
                double range = Arrays.stream(DemoChecks.doubles(DemoCommand.disk(0))).max().orElseThrow();
                DemoChecks.assertClones(drms, series + "_rescaled", "image", images, 2, 1,
                        series.equals("demo.floats") ? 2 * 1e-3 * 2 * range : 0);
            }
        } finally {
            cmd.close();
        }

        List<String> base = new ArrayList<>(List.of("--home", home.toString()));
        for (String p : props) {
            base.add("--set");
            base.add(p);
        }
        List<String> bad = new ArrayList<>(base);
        bad.addAll(List.of("run", "rescale", "ds=gw.strain", "alpha=x2"));
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = DrmsCommand.execute(bad.toArray(String[]::new));
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).isEqualTo(DrmsCommand.USER_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("alpha: 'x2' is not a finite number");

        List<String> good = new ArrayList<>(base);
        good.addAll(List.of("run", "rescale", "ds=gw.strain", "out=gw.strain_cli", "alpha=-1", "chunkSize=4"));
        String[] args = good.toArray(String[]::new);
        int[] ok = {-1};
        String text = capture(() -> ok[0] = DrmsCommand.execute(args));
        assertThat(ok[0]).isZero();
        assertThat(text).contains("COMPLETED");
        DrmsCommand check = DemoChecks.command(home, url);
        try { // one clone per record, -h
            Drms drms = check.bean(Drms.class);
            DemoChecks.assertClones(drms, "gw.strain_cli", "strain", strainWritten(drms), -1, 0, 0);
        } finally {
            check.close();
        }
    }

    /** Record i of gw.strain, T_START 1000 + i, holds 1e-21 sin(0.01 k + i): by recnum. */
    static Map<Long, double[]> strainWritten(Drms drms) {
        Map<Long, double[]> written = new HashMap<>();
        for (Record r : drms.<List<Record>>read(s -> s.open("gw.strain", 0))) {
            written.put(r.recnum(), strain((int) Math.round(r.getTime("T_START") - 1000)));
        }
        assertThat(written).hasSize(6);
        return written;
    }

    static double[] strain(int i) {
        double[] h = new double[1024];
        for (int k = 0; k < h.length; k++) {
            h[k] = 1e-21 * Math.sin(0.01 * k + i);
        }
        return h;
    }
}
