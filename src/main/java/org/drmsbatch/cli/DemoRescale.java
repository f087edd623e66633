package org.drmsbatch.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.rescale.RescaleJobConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;

/**
 * The demo's rescale step: runs the {@code rescale} job through {@link JobControl} (as {@code drms run rescale}
 * and the REST API do) on a demo series, into {@code <series>_rescaled}, in two partitions, then reads every clone
 * back and checks its values against alpha&middot;x + beta of its source, and prints a short result.
 */
final class DemoRescale {

    static final double ALPHA = 2;
    static final double BETA = 1;

    private DemoRescale() {
    }

    /**
     * Rescales segment {@code segment} of every record of {@code series}; fails when the job does not complete or
     * a value is wrong.
     */
    static void run(DrmsCommand drms, String series, String segment) {
        JobControl jobs = drms.bean(JobControl.class);
        Drms d = drms.bean(Drms.class);
        String out = series + "_rescaled";
        // for strain, whose values are ~1e-21, rescale to units of 1e-21
        double alpha = series.startsWith("gw.") ? 1e21 : ALPHA;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ds", series);
        p.put("out", out);
        p.put("alpha", Double.toString(alpha));
        p.put("beta", Double.toString(BETA));
        p.put("segment", segment);
        p.put("chunkSize", "4");
        p.put("partitions", "2");
        p.put("run", Long.toString(System.currentTimeMillis()));
        System.out.println("rescale: drms run rescale ds=" + series + " out=" + out + " alpha=" + alpha + " beta="
                + BETA + " segment=" + segment + " partitions=2 chunkSize=4");
        JobRun run;
        try {
            run = jobs.runToEnd(RescaleJobConfiguration.JOB, p, Duration.ofMinutes(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the rescale job", e);
        }
        long id = run.executionId();
        if (!"COMPLETED".equals(run.status())) {
            throw new IllegalStateException("rescale job execution " + id + " ended " + run.status() + ": "
                    + run.exitDescription());
        }
        String description = run.exitDescription();
        int cut = description.indexOf(';');
        System.out.println("   execution " + id + " COMPLETED: " + (cut > 0 ? description.substring(0, cut)
                : description));

        // every clone made by this execution against alpha*x + beta of its source
        long execution = id;
        long[] checked = {0, 0};
        double[] worst = {0};
        d.read(s -> {
            Map<Long, Record> sources = new HashMap<>();
            for (Record r : s.open(series, 0)) {
                sources.put(r.recnum(), r);
            }
            List<Record> clones = s.open(out, 0).stream().filter(c -> c.getLong("JOB_EXEC") == execution).toList();
            SegmentDef def = d.describeSeries(out).segment(segment).orElseThrow();
            // Rice on floating values quantises (CFITSIO's lossy default): check those to 0.1% of the range
            boolean lossy = def.type().isFloating() && (def.compressed() || def.protocol() == Protocol.FITZ)
                    && !def.cparms().toUpperCase(java.util.Locale.ROOT).contains("GZIP");
            for (Record c : clones) {
                Record src = s.open(c.get("SRC_SERIES").toString(), c.getLong("SRC_RECNUM")).orElseThrow();
                double[] x = src.read(segment, DrmsType.DOUBLE).doubles();
                SegmentArray stored = c.read(segment, null);
                double[] y = c.read(segment, DrmsType.DOUBLE).doubles();
                double step = stored.isRaw() ? Math.abs(stored.bscale()) / 2 : 0;
                if (lossy) {
                    step = 1e-3 * Math.abs(alpha) * (max(x) - min(x));
                }
                for (int i = 0; i < x.length; i++) {
                    double want = alpha * x[i] + BETA;
                    if (Double.isNaN(x[i]) != Double.isNaN(y[i])) {
                        throw new IllegalStateException(c + ": value " + i + " is " + y[i] + ", expected " + want);
                    }
                    if (Double.isNaN(x[i])) {
                        continue;
                    }
                    double err = Math.abs(y[i] - want);
                    if (err > step + 1e-6 * Math.abs(want)) {
                        throw new IllegalStateException(c + ": value " + i + " is " + y[i] + ", expected " + want);
                    }
                    worst[0] = Math.max(worst[0], err);
                    checked[1]++;
                }
                checked[0]++;
            }
            return null;
        });
        System.out.printf("   %d clones in %s, %d values checked against %s*x + %s (largest difference %.3g)%n",
                checked[0], out, checked[1], alpha, BETA, worst[0]);
        System.out.println("   Try: ./drms show-info ds=" + out + " n=4 key=SRC_RECNUM,DATAMIN,DATAMAX,HISTORY");
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = x < m ? x : m;
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = x > m ? x : m;
        }
        return m;
    }
}
