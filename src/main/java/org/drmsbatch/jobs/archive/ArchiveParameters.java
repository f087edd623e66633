package org.drmsbatch.jobs.archive;

import java.util.List;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.sums.tape.TapeArchive;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The parameters of one {@code archive} run, parsed and checked once per launch by the job's validator. A launch is
 * refused before it starts when there is no tape library ({@code drms.tape.directory} unset), as there is nothing to
 * write to.
 *
 * @param chunkSize units per chunk commit (default {@value #DEFAULT_CHUNK_SIZE}, 1..{@value #MAX_CHUNK_SIZE})
 * @param copies    copies of each unit on tape: 1, or 2 (the second on a volume of tape group + copy-group-offset);
 *                  default {@code drms.tape.copies}
 * @param series    only the units owned by this series (its name as the catalog has it); null: every series
 */
public record ArchiveParameters(int chunkSize, int copies, String series) {

    static final int DEFAULT_CHUNK_SIZE = 50;
    static final int MAX_CHUNK_SIZE = 10_000;
    static final String NO_LIBRARY = "no tape library: set drms.tape.directory (or drms.tape.remote.url)";

    /** The names the job takes; {@code run} is any text, each launch through JobControl getting a fresh one. */
    static final ParameterNames NAMES = ParameterNames.of(List.of(), List.of("chunkSize", "copies", "series", "run"));

    /** The job's validator and the parsed parameters of each launch. */
    static ParsedParameters<ArchiveParameters> parser(Drms drms, ObjectProvider<TapeArchive> archive,
            int defaultCopies) {
        return new ParsedParameters<>(NAMES, p -> parse(p, drms, archive.getIfAvailable() != null, defaultCopies));
    }

    /**
     * Reads and checks the parameters; every problem is an {@link IllegalArgumentException} saying which parameter
     * and why.
     *
     * @param library whether a tape library is configured
     */
    static ArchiveParameters parse(ParameterText p, Drms drms, boolean library, int defaultCopies) {
        if (!library) {
            throw new IllegalArgumentException(NO_LIBRARY);
        }
        int chunkSize = (int) p.integer("chunkSize", DEFAULT_CHUNK_SIZE, 1, MAX_CHUNK_SIZE);
        int copies = (int) p.integer("copies", defaultCopies, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (copies != 1 && copies != 2) {
            throw new IllegalArgumentException("copies: " + copies + " is not 1 or 2 (copies of each unit on tape)");
        }
        String series = p.get("series");
        if (series != null) {
            String name = series.trim();
            // looked up without an exception, as a failed lookup inside a transaction would mark it rollback-only
            SeriesDefinition def = name.isEmpty() ? null
                    : drms.listSeries("^" + Pattern.quote(name) + "$").stream().findFirst().orElse(null);
            if (def == null) {
                throw new IllegalArgumentException("series: no series '" + series + "' in the catalog");
            }
            series = def.name();
        }
        return new ArchiveParameters(chunkSize, copies, series);
    }
}
