package org.drmsbatch.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordFields;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.sums.Sums;

/**
 * What an export request selects, surveyed before the export is made (specs/drms.md §5.3): the records, their
 * stored segment files (segment links followed), the files' total size, and whether all of them are online.
 * Asked for the size limit, for an answer at once when everything is online, and to freeze a record limit.
 */
public final class ExportSurvey {

    /** One file to export: the record's spec with the segment ({@code series[keys]{segment}}), and the stored file. */
    public record ExportFile(String record, Path file) {
    }

    private final List<Record> records = new ArrayList<>();
    private final List<ExportFile> files = new ArrayList<>();
    private long bytes;
    private boolean allOnline = true;

    private ExportSurvey() {
    }

    /** The selected records, record sets in order: all of them, the first n (n &gt; 0) or the last |n| (n &lt; 0). */
    public List<Record> records() {
        return Collections.unmodifiableList(records);
    }

    /** The files that are on disk; an unset segment link, or a file listed but missing, has none. */
    public List<ExportFile> files() {
        return Collections.unmodifiableList(files);
    }

    /** The files' total size in bytes (a directory segment counts its files). */
    public long bytes() {
        return bytes;
    }

    /** Whether every file's storage unit is online (none has to be staged). */
    public boolean allOnline() {
        return allOnline;
    }

    /**
     * Surveys a query: its records as {@link RecordSets#open(Query, int)} selects them, and with several record
     * sets the limit {@code n} applied to them all together.
     */
    public static ExportSurvey of(Drms drms, RecordSets recordSets, Query query, int n) {
        ExportSurvey s = new ExportSurvey();
        List<List<String>> segmentsPerRecord = new ArrayList<>();
        for (RecordSet rs : query.sets()) {
            for (Record r : recordSets.open(new Query(List.of(rs)), n)) {
                s.records.add(r);
                segmentsPerRecord.add(rs.segments());
            }
        }
        if (n != 0 && s.records.size() > Math.abs(n)) { // several record sets: the limit applies to them all
            int from = n > 0 ? 0 : s.records.size() - Math.abs(n);
            int to = n > 0 ? n : s.records.size();
            s.records.subList(to, s.records.size()).clear();
            s.records.subList(0, from).clear();
            segmentsPerRecord.subList(to, segmentsPerRecord.size()).clear();
            segmentsPerRecord.subList(0, from).clear();
        }
        List<Record> holders = new ArrayList<>();
        for (int i = 0; i < s.records.size(); i++) {
            Record r = s.records.get(i);
            SeriesDefinition def = r.series();
            List<SegmentDef> segs = segmentsPerRecord.get(i).isEmpty() ? def.segments()
                    : segmentsPerRecord.get(i).stream().map(x -> def.segment(x).orElseThrow()).toList();
            for (SegmentDef seg : segs) {
                Optional<Held> held = held(r, seg);
                if (held.isEmpty()) {
                    continue; // an unset link: no file, as in JSOC
                }
                Record holder = held.get().record();
                if (holder.directory() == null) {
                    if (holder.sunum() >= 0) {
                        s.allOnline = false; // a unit SUMS does not have online
                    }
                    continue;
                }
                String file = holder.segmentFile(held.get().segment().name());
                if (file == null) {
                    continue;
                }
                Path path = holder.directory().resolve(file);
                try {
                    s.bytes += Files.isDirectory(path) ? sizeOfTree(path) : Files.size(path);
                } catch (IOException e) {
                    continue; // listed but not on disk: nothing to export for it
                }
                holders.add(holder);
                s.files.add(new ExportFile(RecordFields.spec(r) + "{" + seg.name() + "}", path));
            }
        }
        if (!holders.isEmpty()) {
            Map<Long, Sums.Info> units = drms.read(x -> x.storageInfo(holders));
            for (Record h : holders) {
                Sums.Info i = units.get(h.sunum());
                if (i != null && !i.online()) {
                    s.allOnline = false;
                }
            }
        }
        return s;
    }

    private record Held(Record record, SegmentDef segment) {
    }

    /** The record and segment that hold a segment's file, following segment links. */
    private static Optional<Held> held(Record r, SegmentDef seg) {
        Record holder = r;
        SegmentDef s = seg;
        for (int depth = 0; s.isLink(); depth++) {
            if (depth > 8) {
                return Optional.empty();
            }
            Optional<Record> t = holder.follow(s.linkName());
            if (t.isEmpty()) {
                return Optional.empty();
            }
            holder = t.get();
            Optional<SegmentDef> ts = holder.series().segment(s.targetSegment());
            if (ts.isEmpty()) {
                return Optional.empty();
            }
            s = ts.get();
        }
        return Optional.of(new Held(holder, s));
    }

    private static long sizeOfTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /**
     * The surveyed records as a record-number list query ({@code series[:#1-#3,#7]{segments}}), as JSOC freezes a
     * record limit or {@code ^ $}: the export then makes exactly these records, whatever is added meanwhile.
     */
    public String recnumQuery(String series, List<String> segments) {
        TreeSet<Long> recnums = new TreeSet<>();
        records.forEach(r -> recnums.add(r.recnum()));
        StringBuilder sb = new StringBuilder(series).append("[:");
        Long runStart = null;
        Long previous = null;
        for (long r : recnums) {
            if (previous != null && r == previous + 1) {
                previous = r;
                continue;
            }
            appendRun(sb, runStart, previous);
            runStart = r;
            previous = r;
        }
        appendRun(sb, runStart, previous);
        sb.append(']');
        if (!segments.isEmpty()) {
            sb.append('{').append(String.join(",", segments)).append('}');
        }
        return sb.toString();
    }

    private static void appendRun(StringBuilder sb, Long from, Long to) {
        if (from == null) {
            return;
        }
        if (sb.charAt(sb.length() - 1) != ':') {
            sb.append(',');
        }
        sb.append('#').append(from);
        if (!from.equals(to)) {
            sb.append("-#").append(to);
        }
    }
}
