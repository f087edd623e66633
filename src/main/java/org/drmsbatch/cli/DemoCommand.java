package org.drmsbatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.drmsbatch.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.DrmsType;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.segments.SegmentArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the main pipeline end to end.",
                "Creates the demo series from its JSD file, writes records with FITS segments in one session,",
                "reads them back and prints the series, its records and their segment paths."})
class DemoCommand implements Callable<Integer> {

    static final String SERIES = "demo.images";
    static final int SIZE = 128;

    @ParentCommand
    DrmsCommand drms;

    @Option(names = "--records", description = "How many records to write (default ${DEFAULT-VALUE}).")
    int records = 8;

    @Override
    public Integer call() throws IOException {
        DrmsProperties props = drms.bean(DrmsProperties.class);
        Drms d = drms.bean(Drms.class);
        Path jsd = props.home().resolve("jsd").resolve(SERIES + ".jsd");
        Files.createDirectories(jsd.getParent());
        try (InputStream in = DemoCommand.class.getResourceAsStream(SERIES + ".jsd")) {
            Files.copy(in, jsd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("drms home: " + props.home());
        System.out.println("1. create-series -f " + jsd);
        SeriesDefinition def = new JsdParser().parse(jsd);
        d.createSeries(def, true);

        System.out.println("2. write " + records + " records with a " + SIZE + "x" + SIZE
                + " Rice-compressed FITS segment in one session");
        double t0 = DrmsTime.parse("2010.05.01_00:00:00_TAI");
        double[][] written = new double[records][];
        d.inSession(s -> {
            List<Record> rs = s.create(SERIES, records);
            for (int i = 0; i < records; i++) {
                Record r = rs.get(i);
                int camera = 1 + i % 2;
                double trec = t0 + 45.0 * (i / 2);
                r.set("T_REC", trec);
                r.set("CAMERA", camera);
                r.set("T_OBS", trec + 0.5 + camera * 0.125);
                r.set("EXPTIME", 0.15 * camera);
                float[] img = disk(i);
                SegmentArray a = SegmentArray.ofFloats(img, SIZE, SIZE);
                r.write("image", a);
                double[] st = stats(img);
                r.set("DATAMIN", st[0]);
                r.set("DATAMAX", st[1]);
                r.set("DATAMEAN", st[2]);
                written[i] = st;
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });

        System.out.println("3. read back and check the images against what was written");
        List<Record> back = d.read(s -> s.open(SERIES, 0));
        int checked = 0;
        for (Record r : back) {
            SegmentArray a = r.read("image", DrmsType.FLOAT);
            double[] st = stats(a.floats());
            if (Math.abs(st[0] - r.getDouble("DATAMIN")) > 0.25 || Math.abs(st[1] - r.getDouble("DATAMAX")) > 0.25
                    || Math.abs(st[2] - r.getDouble("DATAMEAN")) > 0.25) {
                throw new IllegalStateException("Record " + r + ": image read back does not match its keywords");
            }
            checked++;
        }
        System.out.println("   " + checked + " images read back match DATAMIN/DATAMAX/DATAMEAN");
        System.out.println();
        System.out.println(DescribeSeriesCommand.describe(d.describeSeries(SERIES), back.size()));
        System.out.println();
        System.out.println("recnum\tT_REC\tCAMERA\tT_OBS\tDATAMEAN\tQUALITY\tsegment image");
        for (Record r : back) {
            System.out.println(r.recnum() + "\t" + r.format("T_REC") + "\t" + r.format("CAMERA") + "\t"
                    + r.format("T_OBS") + "\t" + r.format("DATAMEAN") + "\t" + r.format("QUALITY") + "\t"
                    + r.segmentPath("image"));
        }
        System.out.println();
        System.out.println("Try: ./drms show-info ds=" + SERIES + " n=4 key=T_REC,CAMERA,DATAMEAN seg=image -p");
        return DrmsCommand.OK;
    }

    /** A limb-darkened disk with a spot that moves with the record number, in DN (0..~3000). */
    static float[] disk(int i) {
        float[] img = new float[SIZE * SIZE];
        double c = (SIZE - 1) / 2.0;
        double radius = SIZE * 0.42;
        double sx = c + 20 * Math.cos(i * 0.7);
        double sy = c + 20 * Math.sin(i * 0.7);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double r = Math.hypot(x - c, y - c) / radius;
                double v = 0;
                if (r < 1) {
                    double mu = Math.sqrt(1 - r * r);
                    v = 3000 * (0.4 + 0.6 * mu);
                    double spot = Math.hypot(x - sx, y - sy);
                    if (spot < 6) {
                        v *= 0.3 + 0.7 * spot / 6;
                    }
                }
                img[y * SIZE + x] = (float) (Math.round(v * 2) / 2.0);
            }
        }
        return img;
    }

    static double[] stats(float[] v) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (float f : v) {
            min = Math.min(min, f);
            max = Math.max(max, f);
            sum += f;
        }
        return new double[] {min, max, sum / v.length};
    }
}
