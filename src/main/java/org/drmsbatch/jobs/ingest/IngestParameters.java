package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;

/**
 * The parameters of an {@code ingest} run, parsed and checked once per launch.
 *
 * @param run       identifying: names the run; a launch through JobControl without it gets a fresh value
 * @param inbox     the inbox directory, as its real path (it must exist and be a directory)
 * @param series    the series the files become records of (it must exist, with a segment)
 * @param segment   the segment that holds a file (default the series' first segment; FITS or generic)
 * @param chunkSize files per commit (default 20)
 */
public record IngestParameters(String run, Path inbox, String series, String segment, int chunkSize) {

    static final ParameterNames NAMES = ParameterNames.of(List.of("run", "inbox", "series"),
            List.of("segment", "chunkSize"));

    /** The job's validator and the parsed parameters of each launch, the series checked in {@code drms}. */
    static ParsedParameters<IngestParameters> parser(Drms drms) {
        return new ParsedParameters<>(NAMES, p -> parse(p, drms));
    }

    static IngestParameters parse(ParameterText p, Drms drms) {
        String inboxText = p.get("inbox");
        if (inboxText == null) {
            throw new IllegalArgumentException("inbox: the inbox directory is required");
        }
        Path inbox = Path.of(inboxText.trim());
        if (!Files.isDirectory(inbox, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(inbox)) {
            throw new IllegalArgumentException("inbox: " + inbox + " is not a directory");
        }
        Path real;
        try {
            real = inbox.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("inbox: cannot resolve " + inbox + ": " + e.getMessage(), e);
        }
        String series = p.get("series", "").trim();
        try {
            SeriesCatalog.checkSeriesName(series);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("series: " + e.getMessage(), e);
        }
        SeriesDefinition def;
        try {
            def = drms.describeSeries(series);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("series: " + e.getMessage(), e);
        }
        SegmentDef seg = segment(def, p.get("segment"));
        return new IngestParameters(p.get("run"), real, series, seg.name(),
                (int) p.integer("chunkSize", 20, 1, 10_000));
    }

    /** The segment a file goes to: the named one, or the series' first; it must be a FITS or generic segment. */
    static SegmentDef segment(SeriesDefinition def, String name) {
        List<SegmentDef> segments = def.segments();
        SegmentDef seg;
        if (name == null) {
            if (segments.isEmpty()) {
                throw new IllegalArgumentException("series: " + def.name() + " has no segment to hold the files");
            }
            seg = segments.get(0);
        } else {
            seg = segments.stream().filter(s -> s.name().equalsIgnoreCase(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("segment: series " + def.name()
                            + " has no segment '" + name.trim() + "' (it has " + segments.stream()
                                    .map(SegmentDef::name).toList() + ")"));
        }
        if (seg.isLink() || (seg.protocol() != Protocol.GENERIC && seg.protocol() != Protocol.FITS)) {
            throw new IllegalArgumentException("segment: '" + seg.name() + "' of " + def.name() + " is "
                    + (seg.isLink() ? "a link" : seg.protocol().jsdName())
                    + "; ingest stores files as fits or generic segments (uncompressed FITS files)");
        }
        return seg;
    }
}
