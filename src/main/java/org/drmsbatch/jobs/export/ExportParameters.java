package org.drmsbatch.jobs.export;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.export.ExportRequest;
import org.drmsbatch.export.KeywordMaps;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.Partitions;

/**
 * The parameters of an export, parsed and checked against the catalog once per launch (see
 * {@link ExportJobConfiguration} for their meaning).
 *
 * @param request            the export request ({@link ExportRequest#parse}: ids, method, protocol, template,
 *                           compression, chunk size, keyword map), checked against the series it reads
 * @param query              its record-set query, parsed
 * @param segmentsBySeries   the segment names exported per series (lower-cased name): the query's {@code {…}} lists
 *                           or all of the series' segments
 * @param partitions         {@code partitions} and {@code remote} ({@link Partitions}): recnum ranges written on as
 *                           many threads, or by the cluster's workers
 */
public record ExportParameters(ExportRequest request, Query query, Map<String, List<String>> segmentsBySeries,
                               Partitions partitions) {

    static final ParameterNames NAMES = ParameterNames.of(List.of(), List.of("requestId", "ds", "method", "protocol",
            "ffmt", "cparms", "chunkSize", "kmfile", "partitions", "remote"));

    /**
     * The job's validator and the parsed parameters of each launch; {@code cluster} says whether this process has
     * the cluster ({@code remote=true} is refused without it).
     */
    static ParsedParameters<ExportParameters> parser(Drms drms, RecordSets recordSets, KeywordMaps keywordMaps,
            boolean cluster) {
        return new ParsedParameters<>(NAMES, p -> {
            ExportParameters parsed = parse(p, drms, recordSets, keywordMaps);
            Partitions.requireCluster(parsed.partitions().remote(), cluster);
            return parsed;
        });
    }

    static ExportParameters parse(ParameterText p, Drms drms, RecordSets recordSets, KeywordMaps keywordMaps) {
        Partitions partitions = Partitions.parse(p);
        ExportRequest request = ExportRequest.parse(p.values()::get, keywordMaps);
        if (partitions.count() > 1 && request.template().numbersFiles()) {
            throw new IllegalArgumentException("ffmt: {#} numbers the files in the order one step writes them, and"
                    + " partitions=" + partitions.count() + " writes them in " + partitions.count()
                    + " steps at once; name the files by {recnum} or keywords, or export with partitions=1");
        }
        Query query = recordSets.parseWithoutFiles(request.query());
        request.check(query, drms::describeSeries);
        Map<String, List<String>> segments = new HashMap<>();
        for (RecordSet rs : query.sets()) {
            String series = rs.series().toLowerCase(Locale.ROOT);
            List<String> names = new ArrayList<>(segments.getOrDefault(series, List.of()));
            for (SegmentDef s : ExportRequest.segments(drms.describeSeries(rs.series()), rs)) {
                if (!names.contains(s.name())) {
                    names.add(s.name());
                }
            }
            segments.put(series, List.copyOf(names));
        }
        return new ExportParameters(request, query, Map.copyOf(segments), partitions);
    }
}
