package org.drmsbatch.jobs.stage;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.Partitions;
import org.drmsbatch.staging.StagingService;

/**
 * The parameters of one staging request, parsed once per launch (by the job's validator) and handed to the step
 * beans of every partition. The request names its storage units in exactly one of three ways.
 *
 * @param sunums    {@code sunum}: the units by number (comma-separated decimal), in the order given; empty when the
 *                  request is {@code ds}
 * @param ds        {@code ds}: a record-set query whose records' storage units are staged (null when not given)
 * @param query     {@code ds} parsed (null when not given); its records are read when the job plans, not now
 * @param retention {@code retention}: days the staged units stay online (DARO); null: each unit's series' staging
 *                  retention, else {@code drms.session.default-retention}
 * @param chunkSize {@code chunkSize}: units restored per commit (default 10)
 * @param pin       {@code pin}: the holder every unit of the request is pinned for ({@code job:<execution id>} of a
 *                  parent job, which unpins at its end), or null
 * @param staging   {@code staging}: a batch of the staging service, whose waiting files' units are staged (the
 *                  staging service starts these), or null
 * @param remote    {@code remote}: whether the partitions (one per drive) go to the cluster's workers, whose hosts
 *                  reach the tape library, rather than to threads of this process (default false)
 */
public record StageParameters(List<Long> sunums, String ds, Query query, Integer retention, int chunkSize,
                              String pin, Long staging, boolean remote) {

    /** The names the job takes; {@code run} is any text, to run the same request again as a new job instance. */
    static final ParameterNames NAMES = ParameterNames.of(List.of(), List.of("sunum", "ds", "paths", "staging",
            "retention", "chunkSize", "pin", "remote", "run"));

    /** The reason a launch is refused when no tape library is configured. */
    static final String NO_LIBRARY = "no tape library: set drms.tape.directory (or drms.tape.remote.url)";

    public StageParameters {
        sunums = List.copyOf(sunums);
    }

    /**
     * The job's validator and the parsed parameters of each launch; {@code library} says whether a tape library is
     * configured (without one every launch is refused).
     */
    static ParsedParameters<StageParameters> parser(RecordSets recordSets, boolean library, boolean cluster) {
        return new ParsedParameters<>(NAMES, p -> {
            if (!library) {
                throw new IllegalArgumentException(NO_LIBRARY);
            }
            StageParameters parsed = parse(p, recordSets);
            Partitions.requireCluster(parsed.remote(), cluster);
            return parsed;
        });
    }

    /** Reads and checks the parameters; every problem is an {@link IllegalArgumentException} naming the parameter. */
    static StageParameters parse(ParameterText p, RecordSets recordSets) {
        String sunum = p.get("sunum");
        String ds = p.get("ds");
        String paths = p.get("paths");
        String staging = p.get("staging");
        int given = (sunum != null ? 1 : 0) + (ds != null ? 1 : 0) + (paths != null ? 1 : 0)
                + (staging != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("name the storage units to stage with exactly one of sunum, ds, paths"
                    + " or staging"
                    + (given == 0 ? "" : " (" + given + " were given)"));
        }
        List<Long> sunums = List.of();
        Query query = null;
        Long batch = null;
        if (sunum != null) {
            sunums = sunums(sunum);
        } else if (paths != null) {
            sunums = fromPaths(paths);
        } else if (staging != null) {
            batch = p.integer("staging", 0, 1, Long.MAX_VALUE);
        } else {
            try {
                query = recordSets.parseWithoutFiles(ds);
            } catch (DrmsException e) {
                throw new IllegalArgumentException("ds: " + e.getMessage(), e);
            }
        }
        Integer retention = p.get("retention") == null ? null
                : (int) p.integer("retention", 0, 1, 100_000);
        int chunkSize = (int) p.integer("chunkSize", 10, 1, 10_000);
        String pin = p.get("pin");
        if (pin != null && pin.trim().length() > 200) {
            throw new IllegalArgumentException("pin: a holder name has at most 200 characters");
        }
        return new StageParameters(sunums, ds, query, retention, chunkSize, pin == null ? null : pin.trim(),
                batch, p.flag("remote", false));
    }

    private static List<Long> sunums(String text) {
        Set<Long> out = new LinkedHashSet<>();
        for (String s : text.split(",")) {
            String t = s.trim();
            if (!t.matches("\\d{1,18}")) {
                throw new IllegalArgumentException("sunum: '" + t + "' is not a storage unit number (a decimal"
                        + " number >= 0)");
            }
            out.add(Long.parseLong(t));
        }
        return new ArrayList<>(out);
    }

    /** The units named by SUMS paths: each path's last {@code D<sunum>} component ({@link StagingService#unitOf}). */
    private static List<Long> fromPaths(String text) {
        Set<Long> out = new LinkedHashSet<>();
        for (String s : text.split(",")) {
            String t = s.trim();
            Long found = StagingService.unitOf(t);
            if (found == null) {
                throw new IllegalArgumentException("paths: '" + t + "' names no storage unit (no D<sunum> component)");
            }
            out.add(found);
        }
        return new ArrayList<>(out);
    }
}
