package org.drmsbatch.cli;

import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;

/**
 * The demo's tape part: the {@code archive} job writes the series' storage units to the demo's tape library, the
 * {@code scrub} job (force) takes them off disk, {@code show-info -P} says they are offline, the export of the series
 * stages them back first (its {@code StageInput} step runs the {@code stage} job), and every segment file is then
 * compared, byte for byte, with what it was before it went to tape.
 */
final class DemoTape {

    private DemoTape() {
    }

    static void run(DrmsCommand drms, String series, String segment) throws Exception {
        JobControl jobs = drms.bean(JobControl.class);
        Drms d = drms.bean(Drms.class);
        TapeArchive archive = drms.bean(TapeArchive.class);
        Map<Long, String> before = digests(d, series, segment);
        System.out.println("tape: " + before.size() + " records of " + series + " (Archive: 1) -> drms run archive");
        JobRun a = ended(jobs.runToEnd("archive", Map.of(), Duration.ofMinutes(30)), "archive");
        System.out.println("   " + a.exitDescription());
        for (TapeArchive.Volume v : archive.report(List.of(), List.of()).volumes()) {
            System.out.println("   volume " + v.tapeid() + " (tape group " + v.group() + "): " + v.files()
                    + " tape files, " + v.end() + " bytes");
        }
        System.out.println("   drms run scrub force=true series=" + series + " (the demo gives SUMS 1 KB per"
                + " partition, drms.sums.capacity, so it is over its high water; force takes archived units whose"
                + " retention has not ended, oldest first)");
        JobRun s = ended(jobs.runToEnd("scrub", Map.of("force", "true", "series", series),
                Duration.ofMinutes(30)), "scrub");
        System.out.println("   " + s.exitDescription());
        long offline = offline(d, series);
        System.out.println("   " + offline + " of " + before.size() + " records offline now (drms show-info -P says"
                + " \"(offline: archived on tape)\")");
        if (offline != before.size()) {
            throw new IllegalStateException("the scrub left " + (before.size() - offline) + " records of " + series
                    + " online");
        }
        System.out.print("   export of the offline records (stages them from tape first): ");
        DemoExport.run(drms, series + "[]{" + segment + "}");
        Map<Long, String> after = digests(d, series, segment);
        if (!after.equals(before)) {
            throw new IllegalStateException("segment files of " + series + " differ after the trip to tape");
        }
        TapeLibrary.TapeCounters t = archive.library().counters();
        System.out.println("   " + after.size() + " segment files back on disk, each byte-identical to what was"
                + " archived; the library: " + t.mounts() + " mounts, " + t.seeks() + " seeks, "
                + t.bytesWritten() + " bytes written, " + t.bytesRead() + " read, "
                + String.format("%.0f", t.modelledSeconds()) + " s of modelled LTO-9 time");
    }

    private static JobRun ended(JobRun run, String job) {
        if (!"COMPLETED".equals(run.status()) || !"COMPLETED".equals(run.exitCode())) {
            throw new IllegalStateException(job + " ended " + run.status() + " (" + run.exitCode() + "): "
                    + run.exitDescription());
        }
        return run;
    }

    /** recnum -> MD5 of the segment file, for every record of the series (all online). */
    private static Map<Long, String> digests(Drms d, String series, String segment) throws Exception {
        List<Record> records = d.read(s -> s.open(series, 0));
        Map<Long, String> out = new LinkedHashMap<>();
        for (Record r : records) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            out.put(r.recnum(), HexFormat.of().formatHex(md5.digest(Files.readAllBytes(r.segmentPath(segment)))));
        }
        return out;
    }

    private static long offline(Drms d, String series) {
        return d.read(s -> {
            List<Record> records = s.open(series, 0);
            Map<Long, Sums.Info> units = s.storageInfo(records);
            return records.stream().filter(r -> units.get(r.sunum()) != null && !units.get(r.sunum()).online())
                    .count();
        });
    }
}
