package org.drmsbatch.jobs.rescale;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.Partitions;
import org.drmsbatch.segments.Rescale;

/**
 * The parameters of one rescale, resolved against the catalog once per launch (by the job's validator) and handed
 * to the step beans of every partition.
 *
 * @param ds         the record-set query (required)
 * @param query      {@code ds} parsed
 * @param input      the definition of the first record set's series
 * @param out        the output series (default: the input series, making new versions); created when missing
 * @param outExists  whether the output series existed at the launch
 * @param alpha      y = alpha&middot;x + beta (default 1)
 * @param beta       (default 0)
 * @param segments   the segments rescaled ({@code segment}: names, comma-separated; default the series' only array
 *                   segment)
 * @param integers   {@code scale} (default), {@code keep} or {@code float}: see {@link Rescale.Integers}
 * @param chunkSize  records per commit (default 10)
 * @param partitions recnum ranges run on as many threads (1..{@value Partitions#MAX_LOCAL}, default 1),
 *                   or with {@code remote} sent to the cluster's workers (1..{@value Partitions#MAX_REMOTE}); both
 *                   parsed by {@link Partitions}
 * @param remote     whether the partitions go to the cluster's workers ({@code drms.cluster.*}, README "Cluster")
 *                   rather than to threads of this process (default false; refused without the cluster)
 */
public record RescaleParameters(String ds, Query query, SeriesDefinition input, String out, boolean outExists,
                                double alpha, double beta, List<String> segments, Rescale.Integers integers,
                                int chunkSize, int partitions, boolean remote) {

    /** The names the job takes; {@code run} is any text, to run the same rescale again as a new job instance. */
    static final ParameterNames NAMES = ParameterNames.of(List.of(), List.of("ds", "out", "alpha", "beta", "segment",
            "integers", "chunkSize", "partitions", "remote", "run"));

    /** The job's validator and the parsed parameters of each launch. */
    static ParsedParameters<RescaleParameters> parser(Drms drms, RecordSets recordSets, boolean cluster) {
        return new ParsedParameters<>(NAMES, p -> {
            RescaleParameters parsed = parse(p, drms, recordSets);
            Partitions.requireCluster(parsed.remote(), cluster);
            return parsed;
        });
    }

    /** Whether the series exists now. */
    static boolean exists(Drms drms, String series) {
        return existing(drms, series) != null;
    }

    /**
     * The series' definition, or null: looked up without an exception, as a failed lookup inside a step's transaction
     * would mark it rollback-only.
     */
    private static SeriesDefinition existing(Drms drms, String series) {
        return drms.listSeries("^" + Pattern.quote(series) + "$").stream().findFirst().orElse(null);
    }

    public Rescale rescale() {
        return new Rescale(alpha, beta, integers);
    }

    /**
     * Reads and checks the parameters against the catalog; every problem is an {@link IllegalArgumentException} saying which
     * parameter and why.
     */
    static RescaleParameters parse(ParameterText p, Drms drms, RecordSets recordSets) {
        String ds = p.get("ds");
        if (ds == null) {
            throw new IllegalArgumentException("ds (the record set to rescale) is required");
        }
        Query query;
        try {
            query = recordSets.parseWithoutFiles(ds);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("ds: " + e.getMessage(), e);
        }
        SeriesDefinition input = drms.describeSeries(query.sets().get(0).series());
        List<SeriesDefinition> inputs = new ArrayList<>();
        for (RecordSet rs : query.sets()) {
            inputs.add(drms.describeSeries(rs.series()));
        }
        String out = p.get("out");
        if (out == null) {
            if (inputs.stream().anyMatch(d -> !d.name().equalsIgnoreCase(input.name()))) {
                throw new IllegalArgumentException("ds spans several series: name the output series (out=)");
            }
            out = input.name();
        }
        out = out.trim();
        if (!out.matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*") || out.length() > 64) {
            throw new IllegalArgumentException("out: '" + out + "' is not a series name (namespace.name, at most"
                    + " 64 characters)");
        }
        try {
            SeriesCatalog.checkSeriesName(out);
        } catch (DrmsException e) {
            throw new IllegalArgumentException("out: " + e.getMessage(), e);
        }
        double alpha = p.number("alpha", 1);
        double beta = p.number("beta", 0);
        Rescale.Integers integers;
        try {
            integers = Rescale.Integers.parse(p.get("integers", "scale"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("integers: " + e.getMessage(), e);
        }
        List<String> segments = segments(p.get("segment"), input);
        for (SeriesDefinition in : inputs) {
            for (String seg : segments) {
                checkRescalable(in, seg, "input");
            }
        }
        SeriesDefinition existing = existing(drms, out);
        if (existing != null) {
            for (String seg : segments) {
                SegmentDef s = checkRescalable(existing, seg, "output");
                if (integers == Rescale.Integers.FLOAT && !s.type().isFloating()) {
                    throw new IllegalArgumentException("integers=float, but segment '" + s.name()
                            + "' of the existing output series " + existing.name() + " is "
                            + s.type().name().toLowerCase(Locale.ROOT) + "; name a new output series (out=)");
                }
            }
            boolean named = RescaledCloneWriter.settable(existing, RescaledCloneWriter.SOURCE_RECNUM)
                    || RescaledCloneWriter.settable(existing, RescaledCloneWriter.HISTORY)
                    || existing.links().stream().anyMatch(l -> l.isStatic()
                            && inputs.stream().allMatch(d -> d.name().equalsIgnoreCase(l.targetSeries())));
            if (!named) {
                throw new IllegalArgumentException("the output series " + existing.name() + " has no "
                        + RescaledCloneWriter.SOURCE_RECNUM + " or " + RescaledCloneWriter.HISTORY
                        + " keyword, nor a static link to the input series, to name a clone's source; name a new"
                        + " output series (out=), which the job creates with them");
            }
        }
        int chunkSize = (int) p.integer("chunkSize", 10, 1, 10_000);
        Partitions partitions = Partitions.parse(p);
        return new RescaleParameters(ds, query, input, existing != null ? existing.name() : out, existing != null, alpha,
                beta, segments, integers, chunkSize, partitions.count(), partitions.remote());
    }

    private static List<String> segments(String text, SeriesDefinition input) {
        if (text == null || text.isBlank()) {
            List<SegmentDef> arrays = input.segments().stream()
                    .filter(s -> !s.isLink() && s.protocol() != Protocol.GENERIC).toList();
            if (arrays.size() != 1) {
                throw new IllegalArgumentException("segment: name the segment(s) to rescale; " + input.name()
                        + " has " + (arrays.isEmpty() ? "no array segment"
                        : "the array segments " + arrays.stream().map(SegmentDef::name).toList()));
            }
            return List.of(arrays.get(0).name());
        }
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            String name = s.trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("segment: empty name in '" + text + "'");
            }
            if (out.stream().anyMatch(name::equalsIgnoreCase)) {
                throw new IllegalArgumentException("segment: '" + name + "' named twice");
            }
            out.add(input.segment(name).map(SegmentDef::name).orElse(name));
        }
        return out;
    }

    private static SegmentDef checkRescalable(SeriesDefinition def, String seg, String role) {
        SegmentDef s = def.segment(seg).orElseThrow(() -> new IllegalArgumentException("segment: the " + role
                + " series " + def.name() + " has no segment '" + seg + "' (it has "
                + def.segments().stream().map(SegmentDef::name).toList() + ")"));
        if (s.isLink()) {
            throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name()
                    + " is a linked segment; rescale its target series instead");
        }
        if (s.protocol() == Protocol.GENERIC || s.protocol() == Protocol.TAS) {
            throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name() + " is stored as "
                    + s.protocol().jsdName() + ", not as an array this job can rescale");
        }
        if (s.type() == DrmsType.STRING || s.type() == DrmsType.TIME) {
            throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name() + " holds "
                    + s.type().name().toLowerCase(Locale.ROOT) + " values, which cannot be rescaled");
        }
        return s;
    }
}
