package org.drmsbatch.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.segments.FitsCompression;

/**
 * The parameters of an export, parsed and checked (specs/drms.md §5): see the {@code export} job for their meaning.
 *
 * @param requestId   the request id, or null when the job is to make one
 * @param query       the record-set query text ({@code ds}), with its {@code {segment}} lists
 * @param compression the asked compression, or null for each segment's definition
 * @param keywordMap  lines {@code drms_name fits_name} of the keyword map file ({@code kmfile}, a file of
 *                    {@link KeywordMaps}), empty if none
 */
public record ExportRequest(String requestId, String query, ExportMethod method, ExportProtocol protocol,
                            FileNameTemplate template, String cparms, FitsCompression compression, int chunkSize,
                            Map<String, String> keywordMap) {

    public static final int DEFAULT_CHUNK_SIZE = 10;

    /**
     * Parses the text parameters (a missing one is null); fails with an {@link ExportException} naming the bad one.
     * {@code kmfile} names a file of {@code keywordMaps}.
     */
    public static ExportRequest parse(Function<String, String> parameter, KeywordMaps keywordMaps) {
        String requestId = blankToNull(parameter.apply("requestId"));
        if (requestId != null) {
            ExportRoot.checkRequestId(requestId);
        }
        String ds = blankToNull(parameter.apply("ds"));
        if (ds == null) {
            throw new ExportException("the parameter 'ds' (the record-set query to export) is missing");
        }
        ExportMethod method = ExportMethod.of(parameter.apply("method"));
        String protocolText = parameter.apply("protocol");
        ExportProtocol protocol = ExportProtocol.of(protocolText);
        String cparms = blankToNull(parameter.apply("cparms"));
        if (cparms == null) {
            cparms = blankToNull(ExportProtocol.cparmsOf(protocolText));
        }
        FitsCompression compression = ExportCompression.parse(cparms);
        if (compression != null && protocol == ExportProtocol.AS_IS) {
            throw new ExportException("cparms '" + cparms + "' applies to protocol fits only, not as-is");
        }
        FileNameTemplate template = FileNameTemplate.parse(parameter.apply("ffmt"));
        int chunkSize = DEFAULT_CHUNK_SIZE;
        String cs = blankToNull(parameter.apply("chunkSize"));
        if (cs != null) {
            try {
                chunkSize = Integer.parseInt(cs.trim());
            } catch (NumberFormatException e) {
                chunkSize = 0;
            }
            if (chunkSize < 1) {
                throw new ExportException("chunkSize must be a positive number, not '" + cs + "'");
            }
        }
        String kmfile = blankToNull(parameter.apply("kmfile"));
        Map<String, String> map = kmfile == null ? Map.of() : keywordMaps.read(kmfile);
        return new ExportRequest(requestId, ds, method, protocol, template, cparms, compression, chunkSize, map);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /**
     * Checks the request against the parsed query's series: the template's keywords exist, and a compression can
     * be applied to every exported segment (longlong images cannot be tile-compressed).
     */
    public void check(Query parsed, Function<String, SeriesDefinition> series) {
        for (RecordSet rs : parsed.sets()) {
            SeriesDefinition def = series.apply(rs.series());
            template.check(def);
            for (SegmentDef named : segments(def, rs)) {
                SegmentDef s = target(named, def, series);
                if (s == null) {
                    continue; // a link whose target cannot be looked at: the job says so when it follows it
                }
                FitsCompression c = compression != null ? compression : safeParse(s);
                if (protocol == ExportProtocol.FITS && c != null && c.compressed() && s.type() == DrmsType.LONGLONG) {
                    throw new ExportException("segment '" + s.name() + "' of " + def.name()
                            + " is longlong: it cannot be tile-compressed (cparms '"
                            + (cparms != null ? cparms : s.cparms()) + "'); use cparms=**NONE**");
                }
            }
        }
    }

    /** The segment whose data is exported: the segment itself, or for a linked one its target's segment. */
    private static SegmentDef target(SegmentDef s, SeriesDefinition def, Function<String, SeriesDefinition> series) {
        if (!s.isLink()) {
            return s;
        }
        try {
            return def.link(s.linkName()).map(l -> series.apply(l.targetSeries()))
                    .flatMap(t -> t.segment(s.targetSegment())).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static FitsCompression safeParse(SegmentDef s) {
        try {
            return FitsCompression.parse(s.cparms());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The segments a record set exports: its {@code {…}} list, or all of the series' segments. */
    public static List<SegmentDef> segments(SeriesDefinition def, RecordSet rs) {
        if (rs.segments().isEmpty()) {
            return def.segments();
        }
        List<SegmentDef> out = new ArrayList<>();
        for (String name : rs.segments()) {
            def.segment(name).ifPresent(s -> {
                if (!out.contains(s)) {
                    out.add(s);
                }
            });
        }
        return out;
    }

    /** The protocol as JSOC writes it in index files: {@code as-is}, or {@code fits,<cparms>}. */
    public String protocolText() {
        if (protocol == ExportProtocol.AS_IS) {
            return "as-is";
        }
        if (compression == null) {
            return "fits"; // each segment's own compression
        }
        return "fits," + (compression.compressed() ? compression.toString() : ExportCompression.NONE);
    }
}
