package org.drmsbatch.jobs.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.export.ExportProtocol;
import org.drmsbatch.export.FitsHeaderMapper;
import org.drmsbatch.jobs.ChunkHooks;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Decides what to write for a record: one file per exported segment (the query's {@code {segment}} list for the
 * record's series, else all its segments) that has a file, with, for protocol fits, the header cards of
 * {@link FitsHeaderMapper}. A linked segment is taken from the record its link points to; a segment never
 * written, or a link not set, gives no file. Each record reaches the step's {@link ChunkHooks.Hook} first (none in
 * the product).
 */
public class ExportProcessor implements ItemProcessor<ExportReader.Item, ExportedRecord> {

    private final ExportProtocol protocol;
    private final Map<String, List<String>> segmentsBySeries;
    private final FitsHeaderMapper mapper;
    private final ChunkHooks.Hook hook;
    private long seen;

    /**
     * @param segmentsBySeries the segment names to export per series (lower-cased series name); a series not
     *                         in the map exports all of its segments
     */
    public ExportProcessor(ExportProtocol protocol, Map<String, List<String>> segmentsBySeries,
                           FitsHeaderMapper mapper, ChunkHooks.Hook hook) {
        this.protocol = protocol;
        this.segmentsBySeries = segmentsBySeries;
        this.mapper = mapper;
        this.hook = hook;
    }

    @Override
    public ExportedRecord process(ExportReader.Item item) throws Exception {
        return process(item.record(), item.set());
    }

    /** The files of record {@code r}, read for record set {@code set} of the query. */
    public ExportedRecord process(Record r, int set) throws Exception {
        hook.reached(++seen, r);
        List<String> wanted = segmentsBySeries.get(r.seriesName().toLowerCase(Locale.ROOT));
        List<SegmentDef> segments = wanted == null || wanted.isEmpty() ? r.series().segments()
                : wanted.stream().map(n -> r.series().segment(n).orElseThrow()).toList();
        List<ExportedRecord.File> files = new ArrayList<>();
        for (SegmentDef s : segments) {
            Optional<Source> src = source(r, s);
            if (src.isEmpty()) {
                continue;
            }
            Record from = src.get().record();
            SegmentDef seg = src.get().segment();
            String spec = spec(r, s);
            if (protocol == ExportProtocol.AS_IS || seg.protocol() == Protocol.GENERIC) {
                files.add(new ExportedRecord.File(from, seg, spec, from.segmentFile(seg.name()), null));
            } else {
                files.add(new ExportedRecord.File(from, seg, spec, s.name() + ".fits", mapper.cards(r, s)));
            }
        }
        return new ExportedRecord(r, set, files);
    }

    private record Source(Record record, SegmentDef segment) {
    }

    private static Optional<Source> source(Record r, SegmentDef s) {
        if (s.isLink()) {
            Optional<Record> target = r.follow(s.linkName());
            if (target.isEmpty()) {
                return Optional.empty();
            }
            Optional<SegmentDef> ts = target.get().series().segment(s.targetSegment());
            return ts.isEmpty() ? Optional.empty() : source(target.get(), ts.get());
        }
        if (r.segmentFile(s.name()) == null || r.directory() == null) {
            return Optional.empty();
        }
        return Optional.of(new Source(r, s));
    }

    /** The JSOC record spec: the series, each prime key's value in brackets, the segment in braces. */
    public static String spec(Record r, SegmentDef s) {
        StringBuilder sb = new StringBuilder(r.seriesName());
        for (String pk : r.series().primeKeys()) {
            sb.append('[').append(r.format(pk)).append(']');
        }
        if (r.series().primeKeys().isEmpty()) {
            sb.append("[:#").append(r.recnum()).append(']');
        }
        return sb.append('{').append(s.name()).append('}').toString();
    }
}
