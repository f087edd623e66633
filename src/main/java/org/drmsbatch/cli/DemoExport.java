package org.drmsbatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.jobs.export.ExportJobConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.segments.FitsFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's export part: runs the {@code export} job on a query through {@link JobControl} (as {@code drms run
 * export} and the JSOC API do), prints where the files are, and reads every exported file back: its checksums
 * (nom-tam's {@code verifyIntegrity}), its {@code DRMS_ID} naming the record, and its data against the record's
 * segment (equal, or for Rice-compressed floating images, which are quantised, within 0.1% of the data range).
 */
public final class DemoExport {

    private static final AtomicLong RUNS = new AtomicLong();

    private DemoExport() {
    }

    /** Exports {@code query} (e.g. {@code demo.images[]{image}}) as FITS; fails when a file does not read back. */
    public static void run(DrmsCommand drms, String query) throws Exception {
        JobControl jobs = drms.bean(JobControl.class);
        ExportRoot root = drms.bean(ExportRoot.class);
        Drms d = drms.bean(Drms.class);
        // unique per run, even for two runs in the same second (a request id names one export directory)
        String requestId = "JSOC_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmssSSS"))
                + "_DEMO" + RUNS.incrementAndGet();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("requestId", requestId);
        params.put("ds", query);
        params.put("method", "url");
        params.put("protocol", "fits");
        System.out.println("export: drms run export requestId=" + requestId + " ds=" + query
                + " method=url protocol=fits");
        JobRun run = jobs.runToEnd(ExportJobConfiguration.JOB, params, Duration.ofMinutes(30));
        if (!"COMPLETED".equals(run.status())) {
            throw new IllegalStateException("export " + requestId + " ended " + run.status() + ": "
                    + run.exitDescription());
        }
        Path dir = root.directory(requestId);
        JsonNode index = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("index.json")));
        System.out.println("   " + index.get("count").asInt() + " files, " + index.get("bytes").asLong()
                + " bytes, in " + dir + " (index.json, index.txt)");
        int passed = 0;
        for (JsonNode entry : index.get("data")) {
            Path f = dir.resolve(entry.get("filename").asString());
            String problem = check(d, f);
            if (problem != null) {
                throw new IllegalStateException("exported file " + f + " does not read back: " + problem);
            }
            passed++;
        }
        System.out.println("   " + passed + " files read back: checksums verified, data equal to their records'");
        if (index.get("data").size() > 0) {
            System.out.println("   e.g. " + index.get("data").get(0).get("record").asString() + " -> "
                    + dir.resolve(index.get("data").get(0).get("filename").asString()));
        }
    }

    /** Null when the file is whole and holds its record's data; else what is wrong. */
    static String check(Drms d, Path f) throws Exception {
        String drmsId;
        try (Fits fits = new Fits(f.toFile())) {
            fits.read();
            fits.verifyIntegrity();
            Header h = fits.getHDU(fits.getNumberOfHDUs() - 1).getHeader();
            drmsId = h.getStringValue("DRMS_ID");
        }
        if (drmsId == null) {
            return "no DRMS_ID";
        }
        String[] id = drmsId.split(":");
        long recnum = Long.parseLong(id[id.length - 2]);
        String series = drmsId.substring(0, drmsId.indexOf(':'));
        String segment = id[id.length - 1];
        Optional<Record> r = d.read(s -> s.open(series, recnum));
        if (r.isEmpty()) {
            return "record " + drmsId + " not found";
        }
        SegmentArray stored = r.get().read(segment, null);
        SegmentArray exported = new FitsFormat(false).read(f, null);
        if (stored.type() != exported.type() && !(stored.type().isFloating() && exported.type().isFloating())) {
            return "type " + exported.type() + ", stored " + stored.type();
        }
        if (!java.util.Arrays.equals(stored.dims(), exported.dims())) {
            return "dimensions differ";
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double worst = 0;
        for (int i = 0; i < stored.length(); i++) {
            double a = stored.physical(i);
            double b = exported.physical(i);
            if (Double.isNaN(a) != Double.isNaN(b)) {
                return "MISSING differs at " + i;
            }
            if (!Double.isNaN(a)) {
                min = Math.min(min, a);
                max = Math.max(max, a);
                worst = Math.max(worst, Math.abs(a - b));
            }
        }
        boolean lossy = stored.type().isFloating() && isCompressed(f);
        if (worst > (lossy ? 1e-3 * Math.max(max - min, 1) : 0)) {
            return "data differ by up to " + worst;
        }
        return null;
    }

    private static boolean isCompressed(Path f) throws Exception {
        try (Fits fits = new Fits(f.toFile())) {
            return fits.read().length > 1;
        }
    }
}
