package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.jobs.collect.CollectJobConfiguration;
import org.drmsbatch.drms.types.SegmentArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's rescale step on a strain series like the demo's, and {@code drms run rescale} from the command line:
 * refused parameters exit 1 with the reason, a good run exits 0.
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
    void theDemoRescalesTheStrainSeriesAndChecksEveryValueAndDrmsRunRefusesBadParameters() throws Exception {
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
                    double[] h = new double[1024];
                    for (int k = 0; k < h.length; k++) {
                        h[k] = 1e-21 * Math.sin(0.01 * k + i);
                    }
                    Record r = rs.get(i);
                    r.set("DETECTOR", "H1");
                    r.set("T_START", 1000.0 + i);
                    r.write("strain", SegmentArray.ofDoubles(h, h.length));
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
            String out = capture(() -> DemoRescale.run(cmd, "gw.strain", "strain"));
            assertThat(out).contains("COMPLETED: 6 clones made").contains("6 clones in gw.strain_rescaled, 6144 values"
                    + " checked");

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
                int values = 4 * DemoCommand.SIZE * DemoCommand.SIZE;
                String images = capture(() -> DemoRescale.run(cmd, series, "image"));
                assertThat(images).contains("COMPLETED: 4 clones made")
                        .contains("4 clones in " + series + "_rescaled, " + values + " values checked");
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
    }
}
